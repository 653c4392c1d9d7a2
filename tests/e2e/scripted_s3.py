# A scripted S3 stand-in for s3_test.sh, to test retries moto cannot provoke:
#
#   python3 scripted_s3.py PORT_FILE LOG_FILE [STATUS[/ERRORCODE]...]
#
# Listens on a free loopback port (written to PORT_FILE) and answers each
# request with the next STATUS of the list (then 200), with an S3 error
# document of ERRORCODE when given; otherwise the body S3 would send: an
# UploadId ("up&1", XML-escaped) for CreateMultipartUpload, an ETag header
# ("etag-N") for UploadPart N, a CompleteMultipartUploadResult, "data" for a
# GET. Each request is logged as "METHOD PATH" to LOG_FILE before it is
# answered, a POST's body as a line of LOG_FILE.body. No signature is checked.
import http.server
import os
import sys

port_file, log_file, statuses = sys.argv[1], sys.argv[2], sys.argv[3:]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        request_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with open(log_file, "a") as log:
            log.write(f"{self.command} {self.path}\n")
        if self.command == "POST":
            with open(log_file + ".body", "ab") as log:
                log.write(request_body + b"\n")
        code, _, error = (statuses.pop(0) if statuses else "200").partition("/")
        headers = {}
        if error:
            body = f"<Error><Code>{error}</Code><Message>scripted</Message></Error>"
        elif self.command == "POST" and self.path.endswith("?uploads="):
            body = ("<InitiateMultipartUploadResult><UploadId>up&amp;1</UploadId>"
                    "</InitiateMultipartUploadResult>")
        elif "partNumber=" in self.path:
            number = self.path.split("partNumber=")[1].split("&")[0]
            body, headers["ETag"] = "", f'"etag-{number}"'
        elif self.command == "POST":
            body = "<CompleteMultipartUploadResult><ETag>x</ETag></CompleteMultipartUploadResult>"
        else:
            body = "data" if self.command == "GET" else ""
        data = body.encode()
        self.send_response(int(code))
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = answer

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
