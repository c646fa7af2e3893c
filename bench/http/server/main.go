// Command server serves "Hello, World!" with one of the compared servers,
// for load generators such as wrk (see ../README.md). gnet is a bare
// responder (it counts request heads and writes a fixed response), not a
// full HTTP server; nbio is nbhttp serving the same http.Handler.
//
//	go run ./http/server -impl shio -addr 127.0.0.1:8080
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/valyala/fasthttp"
)

var helloBody = []byte("Hello, World!")

func hello(w http.ResponseWriter, r *http.Request) { w.Write(helloBody) }

// fallbackListener hides *net.TCPListener so http1 takes its
// goroutine-per-connection path.
type fallbackListener struct{ net.Listener }

func main() {
	impl := flag.String("impl", "shio", "shio | shio-fallback | net-http | fasthttp | gnet | nbio")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the first -profile-for to this file")
	profileFor := flag.Duration("profile-for", 5*time.Second, "how long -cpuprofile records")
	useTLS := flag.Bool("tls", false, "serve HTTPS (shio, shio-fallback, net-http) with an in-memory ECDSA P-256 certificate, HTTP/1.1 only")
	flag.Parse()
	printStatsOnSignal()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		time.AfterFunc(*profileFor, func() { pprof.StopCPUProfile(); f.Close() })
	}
	// gnet and nbio open their own listeners.
	switch *impl {
	case "gnet":
		fmt.Fprintln(os.Stderr, serveGnet(*addr))
		os.Exit(1)
	case "nbio":
		if err := serveNbio(*addr, http.HandlerFunc(hello)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *useTLS {
		fmt.Fprintln(os.Stderr, serveTLS(*impl, ln))
		os.Exit(1)
	}
	switch *impl {
	case "shio":
		err = (&http1.Server{Handler: http.HandlerFunc(hello)}).Serve(ln)
	case "shio-fallback":
		err = (&http1.Server{Handler: http.HandlerFunc(hello)}).Serve(fallbackListener{ln})
	case "net-http":
		err = (&http.Server{Handler: http.HandlerFunc(hello)}).Serve(ln)
	case "fasthttp":
		err = (&fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.Write(helloBody) }}).Serve(ln)
	default:
		err = fmt.Errorf("unknown -impl %q", *impl)
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
