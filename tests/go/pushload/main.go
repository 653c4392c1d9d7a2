// pushload: -c clients, each on its own keep-alive connection, POST the
// profile -file to -url (profefe's POST /api/0/profiles, with each
// client's own instance_id) one after another for -d; then prints the
// requests answered 200 a second, the latency percentiles, and the errors.
//
// Usage: pushload -url 'http://127.0.0.1:PORT/api/0/profiles?service=bench&type=cpu' -file P -c 32 -d 10s
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	target := flag.String("url", "", "the push URL, without instance_id")
	file := flag.String("file", "", "the profile to push")
	clients := flag.Int("c", 32, "concurrent clients")
	duration := flag.Duration("d", 10*time.Second, "how long to push")
	flag.Parse()
	body, err := os.ReadFile(*file)
	if err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex
	var latencies []time.Duration
	errors := map[string]int{}
	start := time.Now()
	deadline := start.Add(*duration)
	var wg sync.WaitGroup
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			url := fmt.Sprintf("%s&instance_id=client%02d", *target, c)
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t := time.Now()
				resp, err := client.Post(url, "application/octet-stream", bytes.NewReader(body))
				if err != nil {
					// (the error's last part: "connection reset by peer")
					why := err.Error()
					why = why[strings.LastIndex(why, ": ")+1:]
					mu.Lock()
					errors[why]++
					mu.Unlock()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					mu.Lock()
					errors[resp.Status]++
					mu.Unlock()
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	fmt.Printf("pushed %d in %.1fs: %.0f profiles/s; latency ms p50 %.1f p99 %.1f max %.1f; errors %d %v\n",
		len(latencies), elapsed.Seconds(), float64(len(latencies))/elapsed.Seconds(),
		pct(0.5), pct(0.99), pct(1), func() int {
			n := 0
			for _, v := range errors {
				n += v
			}
			return n
		}(), errors)
}
