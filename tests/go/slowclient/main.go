// slowclient: a slowloris client for serve's abuse test. It opens -n
// connections to -target from the local address -from, sends each the start
// of a request and never its end, and keeps them open by sending one more
// header line every -trickle until it is killed.
//
// Usage: slowclient -target HOST:PORT -from 127.0.0.2 -n 500 -status FILE
// Once every connection was tried, and again each second, it rewrites FILE
// with "held=H refused=R failed=F": H still open, R closed by the server,
// F that could not even connect.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	target := flag.String("target", "", "HOST:PORT of the server")
	from := flag.String("from", "127.0.0.2", "local address to connect from")
	n := flag.Int("n", 500, "connections to open")
	trickle := flag.Duration("trickle", time.Second, "how often each connection sends one more header line")
	status := flag.String("status", "", "file to write the counts to")
	flag.Parse()
	if *target == "" || *status == "" {
		log.Fatal("slowclient: -target and -status are required")
	}
	dialer := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(*from)}, Timeout: 2 * time.Second}
	var held, refused, failed atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < *n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := dialer.Dial("tcp", *target)
			if err != nil {
				failed.Add(1)
				return
			}
			if _, err := conn.Write([]byte("GET /api/healthz HTTP/1.1\r\nHost: slow\r\n")); err != nil {
				refused.Add(1)
				return
			}
			held.Add(1)
			go func() {
				// A read returns only when the server closes the connection.
				buf := make([]byte, 1)
				conn.Read(buf)
				held.Add(-1)
				refused.Add(1)
			}()
			go func() {
				for {
					time.Sleep(*trickle)
					if _, err := conn.Write([]byte("X-Slow: 1\r\n")); err != nil {
						return
					}
				}
			}()
		}()
	}
	wg.Wait()
	for {
		// Let the server's refusals arrive before the first report.
		time.Sleep(300 * time.Millisecond)
		line := fmt.Sprintf("held=%d refused=%d failed=%d\n", held.Load(), refused.Load(), failed.Load())
		if err := os.WriteFile(*status+".tmp", []byte(line), 0o644); err == nil {
			os.Rename(*status+".tmp", *status)
		}
		time.Sleep(700 * time.Millisecond)
	}
}
