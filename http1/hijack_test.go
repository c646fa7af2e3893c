package http1_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

// upgrader answers "101 Switching Protocols" on the hijacked connection and
// then echoes lines, upper-cased, until the client half-closes; then it says
// "bye" and closes.
type upgrader struct {
	t       *testing.T
	errs    chan error    // the Handler's findings, nil when all went well
	hold    time.Duration // wait this long before echoing (outlive idle timeouts)
	release chan struct{} // if not nil, wait for it before closing
}

func (u *upgrader) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	nc, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		u.errs <- err
		return
	}
	defer nc.Close()
	if _, _, err := w.(http.Hijacker).Hijack(); !errors.Is(err, http.ErrHijacked) {
		u.errs <- errors.New("second Hijack did not return ErrHijacked")
		return
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrHijacked) {
		u.errs <- errors.New("Write after Hijack did not return ErrHijacked")
		return
	}
	rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n")
	rw.Flush()
	time.Sleep(u.hold)
	for {
		line, err := rw.ReadString('\n')
		if err == io.EOF {
			break
		}
		if err != nil {
			u.errs <- err
			return
		}
		rw.WriteString(strings.ToUpper(line))
		rw.Flush()
	}
	rw.WriteString("bye\n")
	if err := rw.Flush(); err != nil {
		u.errs <- err
		return
	}
	if u.release != nil {
		<-u.release
	}
	u.errs <- nil
}

func TestHijackHandsOverTheConnection(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		u := &upgrader{t: t, errs: make(chan error, 1), hold: 150 * time.Millisecond}
		// Idle and header timeouts shorter than the hold: a hijacked
		// connection is not the server's to time out.
		s := &http1.Server{Handler: u, IdleTimeout: 50 * time.Millisecond, ReadHeaderTimeout: 50 * time.Millisecond}
		c := dial(t, serve(t, s))
		// The first line rides in the same write as the request head.
		c.send("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\nhello\n")
		res, err := http.ReadResponse(c.br, nil)
		if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("upgrade response %v, %v", res, err)
		}
		expect := func(want string) {
			t.Helper()
			got, err := c.br.ReadString('\n')
			if err != nil || got != want {
				t.Fatalf("read %q, %v; want %q", got, err, want)
			}
		}
		expect("HELLO\n")
		c.send("second\n")
		expect("SECOND\n")
		c.conn.(*net.TCPConn).CloseWrite()
		expect("bye\n")
		if err := <-u.errs; err != nil {
			t.Fatal(err)
		}
		if !c.closed() {
			t.Fatal("connection open after the Handler closed it")
		}
		if got := s.Stats().Hijacked; got != 1 {
			t.Fatalf("Stats().Hijacked = %d", got)
		}
	})
}

func TestHijackedConnHasDeadlines(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		errs := make(chan error, 1)
		timedOut := make(chan struct{})
		s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			nc, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				errs <- err
				return
			}
			defer nc.Close()
			nc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			_, err = nc.Read(make([]byte, 1))
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				errs <- errors.New("Read past its deadline returned " + errString(err))
				return
			}
			close(timedOut)
			nc.SetReadDeadline(time.Time{})
			b := make([]byte, 4)
			if _, err := io.ReadFull(nc, b); err != nil || string(b) != "ping" {
				errs <- errors.New("Read after clearing the deadline: " + errString(err))
				return
			}
			_, err = nc.Write([]byte("pong"))
			errs <- err
		})}
		c := dial(t, serve(t, s))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		select {
		case <-timedOut:
		case err := <-errs:
			t.Fatal(err)
		}
		c.send("ping")
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 4)
		if _, err := io.ReadFull(c.br, b); err != nil || string(b) != "pong" {
			t.Fatalf("client read %q, %v", b, err)
		}
	})
}

// TestShutdownTellsHijackersAndWaitsOnTheReactor: RegisterOnShutdown's
// functions run when Shutdown begins; on the reactor Shutdown returns once
// the hijacked connection's owner has closed it.
func TestShutdownTellsHijackersAndWaitsOnTheReactor(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		u := &upgrader{t: t, errs: make(chan error, 1), release: make(chan struct{})}
		s := &http1.Server{Handler: u}
		s.RegisterOnShutdown(func() { close(u.release) })
		c := dial(t, serve(t, s))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, err := http.ReadResponse(c.br, nil); err != nil || res.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("upgrade response %v, %v", res, err)
		}
		c.conn.(*net.TCPConn).CloseWrite()
		if got, err := c.br.ReadString('\n'); got != "bye\n" {
			t.Fatalf("read %q, %v", got, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if err := <-u.errs; err != nil {
			t.Fatal(err)
		}
	})
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
