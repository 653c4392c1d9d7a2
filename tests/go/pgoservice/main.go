// pgoservice: a Go service serving net/http/pprof whose CPU profile has
// thousands of distinct deep stacks over a few dozen call edges (hot.go), for
// the PGO export's test: scraped for CPU, its profiles merged with
// --format pgo, and hot.go built with go build -pgo (with pgomain.go). Its
// two workers run under the pprof label worker=0 and worker=1.
//
// Usage: pgoservice -addr-file FILE [-depth N]
// It writes the address it listens on to FILE once it serves.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/pprof"
	"strconv"
)

func main() {
	addrFile := flag.String("addr-file", "", "write the listen address here")
	depth := flag.Int("depth", 30, "stages a walk goes through")
	flag.Parse()
	stop := make(chan struct{})
	for g := 0; g < 2; g++ {
		seed := uint64(g) + 1
		// Labelled, as services label their work: the PGO export drops them.
		go pprof.Do(context.Background(), pprof.Labels("worker", strconv.Itoa(g)), func(context.Context) {
			work(*depth, seed, stop)
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	tmp := *addrFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(ln.Addr().String()), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(tmp, *addrFile); err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.Serve(ln, nil))
}
