// workload: a Go service with one known workload per profile type, serving
// net/http/pprof. cprofiler's tests scrape it and look for these function
// names in what they archive:
//
//	profile      main.workloadCPU
//	heap/allocs  main.workloadHeap
//	goroutine    main.workloadGoroutine
//	mutex        main.workloadMutex
//	block        main.workloadBlock
//	threadcreate main.workloadThreads
//	trace        (any of the above)
//
// With -labels it also serves three endpoints (/api/users, /api/orders,
// /api/health) whose handlers run main.workloadEndpoint under
// pprof.Do(ctx, pprof.Labels("endpoint", path), ...), and calls each from
// its own goroutine in a loop, at 3:2:1 costs, each with a long poll parked
// under its label: CPU and goroutine profiles then carry the endpoint label
// (for pprof's -tags and -tagfocus).
//
// With -request-work N it runs main.workloadRequest instead: two goroutines
// serve a "request" every 10 ms each, costing N units of CPU under a shared
// lock (so mutex profiles see it too). Two builds of a service, one with a
// slowdown, are two N built in: go build -ldflags "-X main.requestWork=N".
//
// With -graph it also runs main.workloadGraph: a loop through varied
// standard library work (JSON, sorting, regexps, gzip, formatting), each
// its own share of the CPU, so a short CPU profile's call graph has dozens
// of nodes above pprof's node fraction.
//
// With -goroutineleak it also serves /debug/pprof/goroutineleak as Go 1.26
// does (GOEXPERIMENT=goroutineleakprofile): a goroutine profile's shape
// (goroutine/count), here the goroutine profile itself, whose
// main.workloadGoroutine goroutines are parked forever. Without it that path
// answers 404, as every Go before 1.26 does.
//
// Usage: workload -addr 127.0.0.1:0 -addr-file FILE [-request-work N] [-labels] [-graph] [-goroutineleak]
// It writes the address it listens on to FILE once it serves.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	_ "net/http/pprof"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

var retained [][]byte

// requestWork is -request-work's default: "0", or what a build sets it to
// (-ldflags "-X main.requestWork=N").
var requestWork = "0"

//go:noinline
func workloadCPU() {
	buf := make([]byte, 4096)
	for {
		for i := 0; i < 1000; i++ {
			sum := sha256.Sum256(buf)
			buf[0] = sum[0]
		}
		runtime.Gosched()
	}
}

//go:noinline
func workloadHeap() {
	for {
		for i := 0; i < 64; i++ {
			retained = append(retained, make([]byte, 16<<10))
		}
		if len(retained) > 2048 {
			retained = retained[1024:]
		}
		time.Sleep(20 * time.Millisecond)
	}
}

//go:noinline
func workloadGoroutine(ch chan struct{}) {
	<-ch
}

//go:noinline
func workloadRequest(units int) {
	buf := make([]byte, 4096)
	for i := 0; i < units*100; i++ {
		sum := sha256.Sum256(buf)
		buf[0] = sum[0]
	}
}

//go:noinline
func workloadEndpoint(units int) {
	buf := make([]byte, 4096)
	for i := 0; i < units*100; i++ {
		sum := sha256.Sum256(buf)
		buf[0] = sum[0]
	}
}

// endpointHandler serves path with `units` of work under the pprof label
// endpoint=path, as a service labels its handlers.
func endpointHandler(path string, units int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pprof.Do(r.Context(), pprof.Labels("endpoint", path), func(context.Context) {
			workloadEndpoint(units)
		})
		w.WriteHeader(http.StatusNoContent)
	}
}

// serveEndpoints registers the labelled endpoints and keeps each busy with
// a request every 5 ms, and one long poll parked under its label (so that
// every goroutine profile shows the labels too).
func serveEndpoints() {
	for path, units := range map[string]int{"/api/users": 3, "/api/orders": 2, "/api/health": 1} {
		h := endpointHandler(path, units)
		http.Handle(path, h)
		go pprof.Do(context.Background(), pprof.Labels("endpoint", path), func(context.Context) {
			workloadGoroutine(make(chan struct{}))
		})
		go func(path string) {
			for {
				h(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
				time.Sleep(5 * time.Millisecond)
			}
		}(path)
	}
}

//go:noinline
func workloadMutex(mu *sync.Mutex, counter *int) {
	for {
		mu.Lock()
		for i := 0; i < 200000; i++ {
			*counter++
		}
		mu.Unlock()
		time.Sleep(50 * time.Microsecond)
	}
}

//go:noinline
func workloadBlock(ch chan int) {
	for {
		ch <- 1
	}
}

//go:noinline
func workloadThreads(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // the thread dies with the goroutine
			time.Sleep(50 * time.Millisecond)
		}()
	}
	wg.Wait()
}

type graphRecord struct {
	ID    int               `json:"id"`
	Name  string            `json:"name"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs"`
}

var graphPattern = regexp.MustCompile(`^user-(\d+)-(alpha|beta|gamma)$`)

//go:noinline
func graphEncode(records []graphRecord) []byte {
	b, _ := json.Marshal(records)
	return b
}

//go:noinline
func graphDecode(b []byte) int {
	var records []graphRecord
	_ = json.Unmarshal(b, &records)
	return len(records)
}

//go:noinline
func graphSort(records []graphRecord) {
	sort.Slice(records, func(i, j int) bool { return records[i].Name < records[j].Name })
	sort.Slice(records, func(i, j int) bool { return records[i].ID < records[j].ID })
}

//go:noinline
func graphMatch(records []graphRecord) int {
	n := 0
	for _, r := range records {
		if graphPattern.MatchString(r.Name) {
			n++
		}
	}
	return n
}

//go:noinline
func graphCompress(b []byte) int {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Len()
}

//go:noinline
func graphFormat(records []graphRecord) int {
	var sb strings.Builder
	for _, r := range records {
		fmt.Fprintf(&sb, "%d:%s:%v;", r.ID, r.Name, r.Tags)
	}
	return len(strings.Fields(strings.ReplaceAll(sb.String(), ";", " ")))
}

// workloadGraph: -graph's loop, each step its own callees.
//
//go:noinline
func workloadGraph() {
	kinds := []string{"alpha", "beta", "gamma"}
	records := make([]graphRecord, 300)
	for i := range records {
		records[i] = graphRecord{
			ID:    (i * 7919) % 300,
			Name:  "user-" + strconv.Itoa(i) + "-" + kinds[i%3],
			Tags:  []string{kinds[i%3], strconv.Itoa(i)},
			Attrs: map[string]string{"k": strconv.Itoa(i), "kind": kinds[i%3]},
		}
	}
	for {
		b := graphEncode(records)
		graphDecode(b)
		graphSort(records)
		graphMatch(records)
		graphCompress(b)
		graphFormat(records)
		time.Sleep(time.Millisecond)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addr-file", "", "write the listen address here")
	builtIn, err := strconv.Atoi(requestWork)
	if err != nil {
		log.Fatalf("main.requestWork %q is not a number", requestWork)
	}
	requestUnits := flag.Int("request-work", builtIn, "CPU units of main.workloadRequest every 10 ms (0: none)")
	labels := flag.Bool("labels", false, "serve and load the labelled /api/ endpoints")
	graph := flag.Bool("graph", false, "run main.workloadGraph's varied work too")
	leak := flag.Bool("goroutineleak", false, "serve /debug/pprof/goroutineleak (Go 1.26's)")
	flag.Parse()
	if *leak {
		http.HandleFunc("/debug/pprof/goroutineleak", serveGoroutineLeak)
	}
	if *graph {
		go workloadGraph()
	}
	if *labels {
		serveEndpoints()
	}

	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	runtime.MemProfileRate = 4096

	if *requestUnits > 0 {
		var mu sync.Mutex
		for i := 0; i < 2; i++ {
			go func() {
				for {
					mu.Lock()
					workloadRequest(*requestUnits)
					mu.Unlock()
					time.Sleep(10 * time.Millisecond)
				}
			}()
		}
		serve(*addr, *addrFile)
	}
	workloadThreads(16)
	go workloadCPU()
	go workloadHeap()
	park := make(chan struct{})
	for i := 0; i < 25; i++ {
		go workloadGoroutine(park)
	}
	var mu sync.Mutex
	counter := 0
	for i := 0; i < 8; i++ {
		go workloadMutex(&mu, &counter)
	}
	ch := make(chan int)
	go workloadBlock(ch)
	go func() {
		for range ch {
			time.Sleep(2 * time.Millisecond)
		}
	}()

	serve(*addr, *addrFile)
}

// serveGoroutineLeak writes a goroutine-leak profile as Go 1.26 does: the
// goroutine profile's proto, under the goroutineleak path.
func serveGoroutineLeak(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="goroutineleak"`)
	if err := pprof.Lookup("goroutine").WriteTo(w, 0); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// serve answers net/http/pprof on addr, writing the address it listens on
// to addrFile (when not "").
func serve(addr, addrFile string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	if addrFile != "" {
		tmp := addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()), 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.Rename(tmp, addrFile); err != nil {
			log.Fatal(err)
		}
	}
	log.Fatal(http.Serve(ln, nil))
}
