// pyroscopeclient: sends Pyroscope's documented /ingest requests, as its Go
// SDK (pyroscope-go's upstream/remote) and its HTTP API document them, to
// -server: the SDK's multipart pprof upload of a CPU profile (fields
// profile and sample_type_config) and of a heap profile (profile,
// prev_profile, sample_type_config), a plain pprof body (format=pprof), and
// folded stacks (format=lines). Exits 1 on any answer but 200.
//
// Usage: pyroscopeclient -server http://127.0.0.1:PORT -cpu CPU.pb.gz -heap HEAP.pb.gz -from UNIX
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
)

// sampleType is the SDK's upstream.SampleType, as it marshals it.
type sampleType struct {
	Units       string `json:"units,omitempty"`
	Aggregation string `json:"aggregation,omitempty"`
	DisplayName string `json:"display-name,omitempty"`
	Sampled     bool   `json:"sampled,omitempty"`
	Cumulative  bool   `json:"cumulative,omitempty"`
}

var server = flag.String("server", "", "the server's base URL")

func send(query url.Values, body []byte, contentType string) {
	u := *server + "/ingest?" + query.Encode()
	resp, err := http.Post(u, contentType, bytes.NewReader(body))
	if err != nil {
		log.Fatalf("POST %s: %v", u, err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		log.Fatalf("POST %s: %d %s", u, resp.StatusCode, answer)
	}
	fmt.Printf("%s %s\n", query.Get("name"), bytes.TrimSpace(answer))
}

// upload is the SDK's uploadProfile: a multipart form, the job's
// parameters in the query.
func upload(name string, from int64, profile, prev []byte, config map[string]*sampleType) {
	body := &bytes.Buffer{}
	w := multipart.NewWriter(body)
	fw, _ := w.CreateFormFile("profile", "profile.pprof")
	fw.Write(profile)
	if prev != nil {
		fw, _ = w.CreateFormFile("prev_profile", "profile.pprof")
		fw.Write(prev)
	}
	if config != nil {
		fw, _ = w.CreateFormFile("sample_type_config", "sample_type_config.json")
		b, _ := json.Marshal(config)
		fw.Write(b)
	}
	w.Close()
	q := url.Values{}
	q.Set("name", name)
	q.Set("from", strconv.FormatInt(from, 10))
	q.Set("until", strconv.FormatInt(from+10, 10))
	q.Set("spyName", "gospy")
	q.Set("sampleRate", "100")
	q.Set("units", "samples")
	q.Set("aggregationType", "sum")
	send(q, body.Bytes(), w.FormDataContentType())
}

func main() {
	cpuFile := flag.String("cpu", "", "a CPU profile")
	heapFile := flag.String("heap", "", "a heap profile")
	from := flag.Int64("from", 0, "the profiles' start, Unix seconds")
	flag.Parse()
	cpu, err := os.ReadFile(*cpuFile)
	if err != nil {
		log.Fatal(err)
	}
	heap, err := os.ReadFile(*heapFile)
	if err != nil {
		log.Fatal(err)
	}
	upload("sdk.app{env=staging,region=eu}", *from, cpu, nil, map[string]*sampleType{
		"samples": {DisplayName: "cpu", Units: "samples", Sampled: true},
	})
	upload("sdk.app{env=staging,region=eu}", *from+10, heap, heap, map[string]*sampleType{
		"alloc_objects": {Units: "objects", Cumulative: true},
		"alloc_space":   {Units: "bytes", Cumulative: true},
		"inuse_objects": {Units: "objects", Aggregation: "average"},
		"inuse_space":   {Units: "bytes", Aggregation: "average"},
	})
	q := url.Values{}
	q.Set("name", "plain.app.cpu{env=prod}")
	q.Set("from", strconv.FormatInt(*from+20, 10))
	q.Set("until", strconv.FormatInt(*from+30, 10))
	q.Set("format", "pprof")
	send(q, cpu, "application/octet-stream")
	q = url.Values{}
	q.Set("name", "folded.app.cpu{env=prod}")
	q.Set("from", strconv.FormatInt(*from+30, 10))
	q.Set("until", strconv.FormatInt(*from+40, 10))
	q.Set("sampleRate", "100")
	q.Set("spyName", "ebpfspy")
	q.Set("units", "samples")
	q.Set("aggregationType", "sum")
	q.Set("format", "lines")
	send(q, []byte("main;work;leaf 30\nmain;work 5\nmain;idle 10\n"), "text/plain")
}
