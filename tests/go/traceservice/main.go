// traceservice: a Go service whose execution trace has something in each
// of go tool trace's derived profiles, built with Go 1.23 (the trace format
// of Go 1.22 and later). cprofiler's trace tests scrape
// /debug/pprof/trace from it and compare what they derive with go tool
// trace. Its goroutines:
//
//	net      main.netClient: a TCP round trip to main.netServer, which
//	         answers after a pause (network waits on both sides)
//	sync     main.chanWaiter, main.mutexWaiter: channel and sync.Mutex
//	         waits, main.selectWaiter: a select
//	syscall  main.syscaller: writes to a temporary file, fsynced
//	sched    main.spinner: more runnable goroutines than Ps
//	gc       main.allocator: garbage, for GC cycles
//	coro     main.puller: iter.Pull's coroutine switches (GoSwitch events)
//	tasks    main.taskRunner: runtime/trace tasks "order" and "refund",
//	         regions "lookup" and "charge", and trace.Log lines
//
// With -pingpong N it also runs N pairs of main.pinger goroutines passing a
// value back and forth over unbuffered channels without pause: a trace of
// millions of events a second (tests/bench/trace_bench.sh).
//
// Usage: traceservice -addr-file FILE [-pingpong N]
// It writes the address it listens on to FILE once it serves.
package main

import (
	"bufio"
	"context"
	"flag"
	"iter"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/trace"
	"strconv"
	"sync"
	"time"
)

func netServer(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				time.Sleep(2 * time.Millisecond)
				c.Write([]byte(line))
			}
		}()
	}
}

func netClient(addr string) {
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			log.Fatal(err)
		}
		r := bufio.NewReader(c)
		for i := 0; i < 100; i++ {
			c.Write([]byte("ping\n"))
			if _, err := r.ReadString('\n'); err != nil {
				break
			}
		}
		c.Close()
	}
}

func chanWaiter(ch chan int) {
	for v := range ch {
		_ = v
	}
}

func chanSender(ch chan int) {
	for i := 0; ; i++ {
		time.Sleep(time.Millisecond)
		ch <- i
	}
}

func mutexWaiter(mu *sync.Mutex) {
	for {
		mu.Lock()
		spin(20000)
		mu.Unlock()
		time.Sleep(100 * time.Microsecond)
	}
}

func selectWaiter(a, b chan int) {
	for {
		select {
		case <-a:
		case <-b:
		}
	}
}

func ticker(a chan int) {
	for i := 0; ; i++ {
		time.Sleep(3 * time.Millisecond)
		a <- i
	}
}

func syscaller() {
	f, err := os.CreateTemp("", "traceservice")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	buf := make([]byte, 4096)
	for {
		f.WriteAt(buf, 0)
		f.Sync()
		time.Sleep(time.Millisecond)
	}
}

var sink int

func spin(n int) {
	for i := 0; i < n; i++ {
		sink += i * i
	}
}

func spinner() {
	for {
		spin(200000)
		time.Sleep(500 * time.Microsecond)
	}
}

// allocator makes garbage, so traces have GC cycles (and mark assists).
func allocator() {
	var keep [][]byte
	for i := 0; ; i++ {
		keep = append(keep, make([]byte, 64<<10))
		if len(keep) > 64 {
			keep = keep[:0]
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func taskRunner(id int) {
	for i := 0; ; i++ {
		name := "order"
		if i%3 == 0 {
			name = "refund"
		}
		ctx, task := trace.NewTask(context.Background(), name)
		trace.Log(ctx, "id", strconv.Itoa(id*1000000+i))
		trace.WithRegion(ctx, "lookup", func() { time.Sleep(time.Millisecond) })
		trace.WithRegion(ctx, "charge", func() { spin(50000 * (1 + i%4)) })
		task.End()
	}
}

func pinger(in <-chan int, out chan<- int) {
	for v := range in {
		out <- v + 1
	}
}

// puller reads a sequence through iter.Pull: each next() switches to the
// generator's coroutine and back.
func puller() {
	for {
		next, stop := iter.Pull(iter.Seq[int](func(yield func(int) bool) {
			for i := 0; i < 100; i++ {
				if !yield(i) {
					return
				}
			}
		}))
		for {
			if _, ok := next(); !ok {
				break
			}
		}
		stop()
		time.Sleep(10 * time.Millisecond)
	}
}

func main() {
	addrFile := flag.String("addr-file", "", "write the listening address here")
	pingpong := flag.Int("pingpong", 0, "pairs of goroutines passing a value back and forth")
	flag.Parse()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go netServer(echo)
	for i := 0; i < 2; i++ {
		go netClient(echo.Addr().String())
	}
	ch := make(chan int)
	go chanWaiter(ch)
	go chanSender(ch)
	var mu sync.Mutex
	for i := 0; i < 3; i++ {
		go mutexWaiter(&mu)
	}
	a, b := make(chan int), make(chan int)
	go selectWaiter(a, b)
	go ticker(a)
	go syscaller()
	for i := 0; i < 4; i++ {
		go spinner()
	}
	for i := 0; i < 2; i++ {
		go taskRunner(i)
	}
	go allocator()
	go puller()
	for i := 0; i < *pingpong; i++ {
		a, b := make(chan int), make(chan int)
		go pinger(a, b)
		go pinger(b, a)
		a <- 0
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	log.Fatal(http.Serve(ln, nil))
}
