//go:build ignore

// The main the PGO test builds hot.go with (go build -pgo=FILE hot.go
// pgomain.go): hot.go's code compiled as the service's, without net/http.
package main

func main() {
	stop := make(chan struct{})
	close(stop)
	println(work(30, 1, stop))
}
