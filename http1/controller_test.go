package http1_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

// TestFullDuplex: a Handler writes and flushes part of its response, then
// reads a body the client sends only after seeing that part.
func TestFullDuplex(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			if err := rc.EnableFullDuplex(); err != nil {
				t.Errorf("EnableFullDuplex: %v", err)
			}
			io.WriteString(w, "ready\n")
			rc.Flush()
			b, err := io.ReadAll(r.Body)
			if err != nil {
				t.Errorf("reading the body after flushing: %v", err)
			}
			io.WriteString(w, "got "+string(b)+"\n")
		})}
		c := dial(t, serve(t, s))
		c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
		res, err := http.ReadResponse(c.br, &http.Request{Method: "POST"})
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(res.Body)
		if line, err := br.ReadString('\n'); line != "ready\n" {
			t.Fatalf("first line %q, %v", line, err)
		}
		c.send("hello")
		if line, err := br.ReadString('\n'); line != "got hello\n" {
			t.Fatalf("second line %q, %v", line, err)
		}
	})
}

// TestResponseControllerDeadlines: the Handler's read deadline replaces
// ReadTimeout for its body, and write deadlines are accepted.
func TestResponseControllerDeadlines(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		errs := make(chan error, 1)
		s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			if err := rc.SetWriteDeadline(time.Time{}); err != nil {
				errs <- err
				return
			}
			if err := rc.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
				errs <- err
				return
			}
			start := time.Now()
			_, err := io.ReadAll(r.Body)
			var ne net.Error
			switch {
			case !errors.As(err, &ne) || !ne.Timeout():
				errs <- errors.New("body read past the Handler's deadline returned " + errString(err))
			case time.Since(start) > 5*time.Second:
				errs <- errors.New("the body read waited for ReadTimeout, not the Handler's deadline")
			default:
				errs <- nil
			}
		})}
		c := dial(t, serve(t, s))
		c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc") // 7 bytes short
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		// The stream cannot be trusted after a failed body read: the
		// connection closes, after the Handler's response where the path
		// can still send it (the reactor's own read deadline closes at
		// once).
		if res, err := http.ReadResponse(c.br, &http.Request{Method: "POST"}); err == nil {
			io.Copy(io.Discard, res.Body)
		}
		if !c.closed() {
			t.Fatal("connection left open after a body read timeout")
		}
	})
}
