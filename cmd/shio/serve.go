package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/shio-rt/shio/console"
	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/timer"
)

const serveSynopsis = `usage: shio serve [--addr host:port] [--cert FILE --key FILE | --self-signed]
                  [--console host:port] [--level full|counters|off]

The scalable "Hello, World!" web server: shio's HTTP/1.1 server (package
http1) on the reactor, with these routes:

  GET /          Hello, World!
  GET /stream    a chunked response, one line per tick (?n=5&every=200ms)
  GET /stats     the server's counters as JSON

The console (package console) listens apart, on loopback by default:
/debug/shio/ is the live page, /metrics the Prometheus metrics. An empty
--console turns it off.

With --cert and --key (PEM files) or --self-signed (an in-memory ECDSA
P-256 certificate for localhost, whose SHA-256 fingerprint is printed) it
serves HTTPS, with TLS on the reactor (package tlslayer).

Ctrl-C shuts it down gracefully: requests in flight finish, for up to 10s.`

// runServe is `shio serve`: the scalable "Hello, World!" web server.
//
//	GET /          Hello, World!
//	GET /stream    a chunked response fed by an interval (?n=ticks&every=duration)
//	GET /stats     the server's counters as JSON
//
// Ctrl-C (ctx ending) shuts the server down gracefully: in-flight requests
// finish, for up to ten seconds.
func runServe(ctx context.Context, args []string, _ io.Writer) error {
	fs := newFlagSet("serve", serveSynopsis)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	consoleAddr := fs.String("console", "127.0.0.1:8081", "address of the console and metrics (empty: none)")
	levelName := fs.String("level", "full", "collection level for the console: full, counters or off")
	certFile := fs.String("cert", "", "serve HTTPS with this certificate (PEM; with --key)")
	keyFile := fs.String("key", "", "the certificate's private key (PEM)")
	selfSigned := fs.Bool("self-signed", false, "serve HTTPS with an in-memory self-signed ECDSA P-256 certificate")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr(fs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	level, ok := map[string]console.Level{"full": console.Full, "counters": console.Counters, "off": console.Off}[*levelName]
	if !ok {
		return usageErr(fs, fmt.Errorf("unknown --level %q", *levelName))
	}
	console.SetLevel(level)
	tlsCfg, certLine, err := serveTLSConfig(*certFile, *keyFile, *selfSigned)
	if err != nil {
		return usageErr(fs, err)
	}
	srv := &http1.Server{TLSConfig: tlsCfg}
	srv.Handler = serveMux(srv)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
		fmt.Fprintf(os.Stderr, "shio serve: %s\n", certLine)
	}
	fmt.Fprintf(os.Stderr, "shio serve: listening on %s://%s/ (Ctrl-C to stop)\n", scheme, ln.Addr())
	done := make(chan error, 1)
	go func() {
		if tlsCfg != nil {
			done <- srv.ServeTLS(ln, "", "")
			return
		}
		done <- srv.Serve(ln)
	}()
	if *consoleAddr != "" {
		stop, err := serveConsole(*consoleAddr, srv)
		if err != nil {
			srv.Close()
			<-done
			return err
		}
		defer stop()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(os.Stderr, "shio serve: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveConsole serves the console of srv at /debug/shio/ and its metrics at
// /metrics on addr, on a server of its own so that --addr can be public while
// the console stays on loopback. stop closes it and waits for it.
func serveConsole(addr string, srv *http1.Server) (stop func(), err error) {
	c := console.New(console.Config{Servers: map[string]*http1.Server{"serve": srv}})
	mux := http.NewServeMux()
	mux.Handle("/debug/shio/", http.StripPrefix("/debug/shio", c))
	mux.Handle("/metrics", c.Metrics())
	cs := &http1.Server{Handler: mux, WriteTimeout: -1} // the event stream is long-lived
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	fmt.Fprintf(os.Stderr, "shio serve: console on http://%s/debug/shio/, metrics on http://%s/metrics\n", ln.Addr(), ln.Addr())
	done := make(chan error, 1)
	go func() { done <- cs.Serve(ln) }()
	return func() {
		cs.Close()
		<-done
	}, nil
}

// serveMux returns the routes of `shio serve`.
func serveMux(srv *http1.Server) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Hello, World!")
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		n, every := 5, 200*time.Millisecond
		if v, err := strconv.Atoi(r.URL.Query().Get("n")); err == nil && v > 0 && v <= 1000 {
			n = v
		}
		if v, err := time.ParseDuration(r.URL.Query().Get("every")); err == nil && v >= time.Millisecond {
			every = v
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		iv := timer.NewInterval(every, timer.IntervalConfig{Start: time.Now(), MissedTick: timer.Skip})
		defer iv.Stop()
		for i := range n {
			tick, err := iv.Tick(r.Context())
			if err != nil {
				return // client gone or server closing
			}
			fmt.Fprintf(w, "tick %d at %s\n", i+1, tick.Scheduled.Format(time.RFC3339Nano))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(srv.Stats())
	})
	return mux
}
