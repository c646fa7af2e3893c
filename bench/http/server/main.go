// Command server serves "Hello, World!" with one of the compared servers,
// for load generators such as wrk (see ../README.md). gnet is a bare
// responder (it counts request heads and writes a fixed response), not a
// full HTTP server; nbio is nbhttp serving the same http.Handler.
//
//	go run ./http/server -impl shio -addr 127.0.0.1:8080
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/shio-rt/shio/console"
	"github.com/shio-rt/shio/http1"
	"github.com/valyala/fasthttp"
)

var helloBody = []byte("Hello, World!")

func hello(w http.ResponseWriter, r *http.Request) { w.Write(helloBody) }

// bulk serves the bulk-body shapes of bulk.sh beside "/" (hello, for
// cpusplit.sh): /1k, /64k and /1m from memory, /file/ a 1 MiB file through
// http.FileServer (sendfile where the server has it), and /upload, which
// hashes the request body.
func bulk(dir string) http.Handler {
	mem := map[string][]byte{"/1k": make([]byte, 1<<10), "/64k": make([]byte, 64<<10), "/1m": make([]byte, 1<<20)}
	files := http.StripPrefix("/file", http.FileServer(http.Dir(dir)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := mem[r.URL.Path]; ok {
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b)
			return
		}
		switch {
		case r.URL.Path == "/upload":
			h := sha256.New()
			n, err := io.Copy(h, r.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			fmt.Fprintf(w, "%d %x\n", n, h.Sum(nil))
		case strings.HasPrefix(r.URL.Path, "/file/"):
			files.ServeHTTP(w, r)
		default:
			hello(w, r)
		}
	})
}

// fastBulk is bulk for fasthttp, with its own means to the same ends:
// SetBody for the bodies from memory, SendFile (sendfile(2) through
// net.TCPConn's ReadFrom) for the file, and the request body stream
// (StreamRequestBody) for the upload; "/" is hello.
func fastBulk(dir string) fasthttp.RequestHandler {
	mem := map[string][]byte{"/1k": make([]byte, 1<<10), "/64k": make([]byte, 64<<10), "/1m": make([]byte, 1<<20)}
	return func(ctx *fasthttp.RequestCtx) {
		path := string(ctx.Path())
		if b, ok := mem[path]; ok {
			ctx.SetBody(b)
			return
		}
		switch {
		case path == "/upload":
			h := sha256.New()
			n, err := io.Copy(h, ctx.RequestBodyStream())
			if err != nil {
				ctx.Error(err.Error(), 400)
				return
			}
			fmt.Fprintf(ctx, "%d %x\n", n, h.Sum(nil))
		case strings.HasPrefix(path, "/file/"):
			ctx.SendFile(filepath.Join(dir, filepath.Base(path)))
		default:
			ctx.Write(helloBody)
		}
	}
}

// fallbackListener hides *net.TCPListener so http1 takes its
// goroutine-per-connection path.
type fallbackListener struct{ net.Listener }

func main() {
	impl := flag.String("impl", "shio", "shio | shio-fallback | net-http | fasthttp | gnet | nbio")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the first -profile-for to this file")
	profileFor := flag.Duration("profile-for", 5*time.Second, "how long -cpuprofile records")
	dir := flag.String("dir", os.TempDir(), "the directory /file/ serves")
	useTLS := flag.Bool("tls", false, "serve HTTPS (shio, shio-fallback, net-http) with an in-memory ECDSA P-256 certificate, HTTP/1.1 only")
	level := flag.String("level", "off", "shio's collection level: off | counters | full (console.SetLevel)")
	flag.Parse()
	switch *level {
	case "off":
	case "counters":
		console.SetLevel(console.Counters)
	case "full":
		console.SetLevel(console.Full)
	default:
		fmt.Fprintf(os.Stderr, "unknown -level %q\n", *level)
		os.Exit(2)
	}
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
	h := bulk(*dir)
	if *useTLS {
		fmt.Fprintln(os.Stderr, serveTLS(*impl, ln, h))
		os.Exit(1)
	}
	switch *impl {
	case "shio":
		err = (&http1.Server{Handler: h, MaxBodyBytes: -1}).Serve(ln)
	case "shio-fallback":
		err = (&http1.Server{Handler: h, MaxBodyBytes: -1}).Serve(fallbackListener{ln})
	case "net-http":
		err = (&http.Server{Handler: h}).Serve(ln)
	case "fasthttp":
		err = (&fasthttp.Server{Handler: fastBulk(*dir), StreamRequestBody: true, MaxRequestBodySize: 1 << 30}).Serve(ln)
	default:
		err = fmt.Errorf("unknown -impl %q", *impl)
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
