// An HTTP server whose /shout route upgrades the connection to a line
// protocol, as a WebSocket server does: the Handler hijacks the connection
// (http.Hijacker), answers 101 Switching Protocols, and from then on reads
// lines and writes them back in capitals. On shio's reactor the upgraded
// connection stays on its event loop as a net.Conn with deadlines; a client
// silent for longer than -idle is hung up on. Ctrl-C shuts the server down
// and tells every upgraded client goodbye.
//
//	go run ./examples/upgrade -addr 127.0.0.1:8080
//	printf 'GET /shout HTTP/1.1\r\nHost: x\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\nhello\n' | nc 127.0.0.1 8080
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/shio-rt/shio/http1"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	idle := flag.Duration("idle", time.Minute, "hang up on an upgraded client silent this long")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, ln, *idle); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run serves ln until ctx ends, then shuts down: upgraded clients are told
// goodbye and closed, requests in flight finish.
func run(ctx context.Context, ln net.Listener, idle time.Duration) error {
	bye := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /shout", func(w http.ResponseWriter, r *http.Request) { shout(w, r, idle, bye) })
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "upgrade at /shout (Upgrade: shout)\n")
	})
	srv := &http1.Server{Handler: mux}
	srv.RegisterOnShutdown(func() { close(bye) })
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shut)
	if e := <-served; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// shout upgrades the connection and shouts back every line until the client
// leaves, stays silent past idle, or the server shuts down (bye closes).
func shout(w http.ResponseWriter, r *http.Request, idle time.Duration, bye <-chan struct{}) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "shout") {
		w.Header().Set("Upgrade", "shout")
		http.Error(w, "this route speaks shout: send Upgrade: shout", http.StatusUpgradeRequired)
		return
	}
	conn, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n")
	if rw.Flush() != nil {
		return
	}
	lines := make(chan string)
	go func() { // the reader: lines until EOF, error or idle timeout
		defer close(lines)
		for {
			conn.SetReadDeadline(time.Now().Add(idle))
			line, err := rw.ReadString('\n')
			if err != nil {
				return
			}
			select {
			case lines <- line:
			case <-bye:
				return
			}
		}
	}()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				rw.WriteString("bye\n")
				rw.Flush()
				return
			}
			rw.WriteString(strings.ToUpper(line))
			if rw.Flush() != nil {
				return
			}
		case <-bye:
			rw.WriteString("server shutting down, bye\n")
			rw.Flush()
			conn.SetReadDeadline(time.Now()) // ends the reader
			for range lines {
			}
			return
		}
	}
}
