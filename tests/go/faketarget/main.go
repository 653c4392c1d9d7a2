// faketarget: HTTP endpoints that misbehave on purpose, and a recorded
// profile replayed on many ports, for cprofiler's failure tests and scrape
// benchmark. Routes (any path prefix /debug/pprof/ is accepted too):
//
//	/good/...       the -profile file, as a pprof endpoint would send it
//	/garbage        200 with text that is not a profile
//	/truncated      200 with the first half of the -profile file
//	/error500       500 with a message
//	/huge           200 with 200 MiB of zeros, streamed
//	/stall          200, two bytes, then nothing until the client leaves
//	/redirect       302 to another host
//	/gzipbomb       200 with a gzip stream inflating to 1 GiB
//
// Usage: faketarget -profile FILE -listeners N -addr-file FILE
// Writes every listen address, one a line, to the -addr-file.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	profilePath := flag.String("profile", "", "recorded profile to serve")
	listeners := flag.Int("listeners", 1, "how many ports to listen on")
	addrFile := flag.String("addr-file", "", "write listen addresses here")
	flag.Parse()

	var profile []byte
	if *profilePath != "" {
		var err error
		if profile, err = os.ReadFile(*profilePath); err != nil {
			log.Fatal(err)
		}
	}
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for i := 0; i < 1024; i++ {
		zw.Write(zeros)
	}
	zw.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case strings.HasPrefix(p, "/good/") || strings.HasPrefix(p, "/debug/pprof/"):
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(profile)
		case p == "/garbage":
			w.Write([]byte("<html>this is not a profile</html>"))
		case p == "/truncated":
			w.Write(profile[:len(profile)/2])
		case p == "/error500":
			http.Error(w, "profile not available: internal error", 500)
		case p == "/huge":
			chunk := make([]byte, 1<<20)
			for i := 0; i < 200; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case p == "/stall":
			w.Write([]byte{0x1f, 0x8b})
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Minute):
			}
		case p == "/redirect":
			http.Redirect(w, r, "http://192.0.2.1/debug/pprof/heap", http.StatusFound)
		case p == "/gzipbomb":
			w.Write(bomb.Bytes())
		default:
			http.NotFound(w, r)
		}
	})

	var addrs []string
	for i := 0; i < *listeners; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		addrs = append(addrs, ln.Addr().String())
		go func() { log.Fatal(http.Serve(ln, mux)) }()
	}
	if *addrFile != "" {
		tmp := *addrFile + ".tmp"
		os.WriteFile(tmp, []byte(strings.Join(addrs, "\n")+"\n"), 0o644)
		os.Rename(tmp, *addrFile)
	}
	select {}
}
