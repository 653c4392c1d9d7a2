"""A Kubernetes API server stand-in for cprofiler's kubernetes-sd tests.

Speaks what pod discovery reads, in the API server's JSON: GET
/api/v1/pods and /api/v1/namespaces/NS/pods (a PodList), and the same with
?watch=1 (a stream of watch events, one JSON object a line). Requests must
bear "Authorization: Bearer <the token file's text>".

    fake_apiserver.py DIR TOKEN_FILE
DIR holds pods.json (a PodList: the pods at the start) and events.jsonl
(watch events, each with "after": seconds to wait before it). The first
watch sends the events, applying them to the pods a later list returns,
then breaks the connection; later watches stay open and quiet. Prints
"port N" once it listens; logs "LIST path" and "WATCH path" a request.
"""
import http.server
import json
import os
import sys
import threading
import time

DIR, TOKEN = sys.argv[1], open(sys.argv[2]).read().strip()
lock = threading.Lock()
pods = {p["metadata"]["uid"]: p for p in json.load(open(os.path.join(DIR, "pods.json")))["items"]}
version = [100]
watches = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            self.send_error(401, "Unauthorized")
            return
        path, _, query = self.path.partition("?")
        if path not in ("/api/v1/pods", "/api/v1/namespaces/default/pods"):
            self.send_error(404, "no such path")
            return
        if "watch=1" not in query:
            print("LIST", path, flush=True)
            with lock:
                body = {"kind": "PodList", "apiVersion": "v1",
                        "metadata": {"resourceVersion": str(version[0])},
                        "items": list(pods.values())}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        print("WATCH", path, query, flush=True)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        with lock:
            watches[0] += 1
            first = watches[0] == 1
        if not first:
            time.sleep(60)  # quiet, until the client goes
            return
        for line in open(os.path.join(DIR, "events.jsonl")):
            if not line.strip():
                continue
            event = json.loads(line)
            time.sleep(event.pop("after", 0))
            with lock:
                version[0] += 1
                event["object"]["metadata"]["resourceVersion"] = str(version[0])
                uid = event["object"]["metadata"]["uid"]
                if event["type"] == "DELETED":
                    pods.pop(uid, None)
                else:
                    pods[uid] = event["object"]
            self.wfile.write((json.dumps(event) + "\n").encode())
            self.wfile.flush()
        # The watch breaks: the client must list again and watch anew.


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("port", server.server_address[1], flush=True)
server.serve_forever()
