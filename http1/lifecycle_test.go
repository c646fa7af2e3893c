package http1_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

func TestPanickingHandlerGets500AndServerLivesOn(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		var hooked sync.WaitGroup
		hooked.Add(1)
		s := &http1.Server{
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/panic":
					w.Header().Set("X-Partial", "1")
					io.WriteString(w, "partial")
					panic("boom")
				case "/abort":
					panic(http.ErrAbortHandler)
				}
				hello(w, r)
			}),
			OnPanic: func(r *http.Request, v any, stack []byte) {
				if v != "boom" || len(stack) == 0 {
					t.Errorf("OnPanic(%v, %d-byte stack)", v, len(stack))
				}
				hooked.Done()
			},
		}
		addr := serve(t, s)
		c := dial(t, addr)
		c.send("GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
		res, body := c.response("GET")
		if res.StatusCode != 500 || res.Header.Get("X-Partial") != "" || !res.Close || !c.closed() {
			t.Fatalf("panic: %d %q %v close=%v", res.StatusCode, body, res.Header, res.Close)
		}
		hooked.Wait()

		c = dial(t, addr)
		c.send("GET /abort HTTP/1.1\r\nHost: x\r\n\r\n")
		if !c.closed() {
			t.Fatal("ErrAbortHandler: connection not closed")
		}

		c = dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, body := c.response("GET"); body != "Hello, World!" {
			t.Fatalf("after panics: %q", body)
		}
		if st := s.Stats(); st.Panics != 2 || st.Requests != 3 || st.Rejected != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestBlockingHandlerDoesNotStallOtherConnections(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		release := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/block" {
				<-release
			}
			hello(w, r)
		})
		addr := serve(t, &http1.Server{Handler: h})
		blocked := dial(t, addr)
		blocked.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
		for range 5 {
			c := dial(t, addr)
			c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			if _, body := c.response("GET"); body != "Hello, World!" {
				t.Fatal(body)
			}
		}
		close(release)
		if _, body := blocked.response("GET"); body != "Hello, World!" {
			t.Fatal(body)
		}
	})
}

func TestShutdownLosesNoRequestInFlight(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		const n = 8
		started := make(chan struct{}, n)
		release := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/warm" {
				started <- struct{}{}
				<-release
			}
			fmt.Fprint(w, r.URL.Path)
		})
		s := &http1.Server{Handler: h}
		addr := serve(t, s)
		idle := dial(t, addr) // an idle keep-alive connection: closed at once
		idle.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, body := idle.response("GET"); body != "/warm" || res.Close {
			t.Fatalf("warm-up: %q close=%v", body, res.Close)
		}
		busy := make([]*client, n)
		for i := range busy {
			busy[i] = dial(t, addr)
			busy[i].send(fmt.Sprintf("GET /%d HTTP/1.1\r\nHost: x\r\n\r\n", i))
			<-started
		}
		shut := make(chan error, 1)
		go func() { shut <- s.Shutdown(context.Background()) }()

		// New connections are refused once the listener is closed.
		deadline := time.Now().Add(5 * time.Second)
		for {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatal("listener still accepting after Shutdown")
			}
			time.Sleep(time.Millisecond) // polling a condition, not synchronising
		}
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned %v with requests in flight", err)
		default:
		}
		close(release)
		for i, c := range busy {
			res, body := c.response("GET")
			if body != fmt.Sprintf("/%d", i) || !res.Close {
				t.Fatalf("request %d: %q close=%v", i, body, res.Close)
			}
		}
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if !idle.closed() {
			t.Fatal("idle connection not closed by Shutdown")
		}
	})
}

// TestShutdownHonoursItsContext: on the fallback path a Shutdown whose
// context ends leaves the in-flight request running.
func TestShutdownHonoursItsContext(t *testing.T) { t.Run("fallback", testShutdownHonoursItsContext) }

func testShutdownHonoursItsContext(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})}
	addr := serve(t, s)
	c := dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown with a done context: %v", err)
	}
	close(release) // the request still completes; Close in cleanup waits for it
	if res, _ := c.response("GET"); res.StatusCode != 200 {
		t.Fatal(res.Status)
	}
}

func TestSlowClientGetsHeaderTimeout(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		addr := serve(t, &http1.Server{Handler: http.HandlerFunc(hello), ReadHeaderTimeout: 50 * time.Millisecond})
		start := time.Now() // before the dial: the first head's time runs from the accept
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n") // never finished
		// Both paths answer 408 and close, as net/http does.
		if res, _ := c.response("GET"); res.StatusCode != http.StatusRequestTimeout {
			t.Fatalf("status %d", res.StatusCode)
		}
		if !c.closed() {
			t.Fatal("connection open after the header timeout")
		}
		if time.Since(start) < 50*time.Millisecond {
			t.Fatal("timed out early")
		}
	})
}

func TestIdleConnectionsTimeOut(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		addr := serve(t, &http1.Server{Handler: http.HandlerFunc(hello), IdleTimeout: 50 * time.Millisecond})
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		c.response("GET")
		if !c.closed() {
			t.Fatal("idle connection kept past IdleTimeout")
		}
	})
}

func TestServeAfterCloseReturnsErrServerClosed(t *testing.T) {
	s := &http1.Server{}
	s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve after Close: %v", err)
	}
	if err := s.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("ListenAndServe after Close: %v", err)
	}
}

func TestRequestContextEndsWithServerClose(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		started := make(chan struct{})
		s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done()
		})}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.Serve(ln) }()
		c := dial(t, ln.Addr().String())
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		<-started
		s.Close() // returns only once the handler has seen its context end
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Fatal(err)
		}
	})
}

// TestShutdownPastItsContextClosesReactorConnections: on the reactor a
// Shutdown whose context ends closes what is left, and the Handler sees its
// request context end.
func TestShutdownPastItsContextClosesReactorConnections(t *testing.T) {
	t.Run("reactor", func(t *testing.T) {
		started := make(chan struct{})
		s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done()
		})}
		c := dial(t, serve(t, s))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		<-started
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Shutdown(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Shutdown with a done context: %v", err)
		}
		if !c.closed() {
			t.Fatal("connection left open")
		}
	})
}

// TestLongHandlerOutlivesIdleTimeout: the idle timeout applies between
// requests, never to a Handler that takes longer.
func TestLongHandlerOutlivesIdleTimeout(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(450 * time.Millisecond) // the Handler's own work, longer than IdleTimeout
			hello(w, r)
		})
		// IdleTimeout leaves the client 150 ms between a response and its
		// next request (with 40 ms a loaded -race run closed the idle
		// connection first).
		c := dial(t, serve(t, &http1.Server{Handler: h, IdleTimeout: 150 * time.Millisecond}))
		for range 2 {
			c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			if _, body := c.response("GET"); body != "Hello, World!" {
				t.Fatal(body)
			}
		}
		if !c.closed() {
			t.Fatal("idle connection kept past IdleTimeout")
		}
	})
}

func TestSetKeepAlivesEnabled(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		s := &http1.Server{Handler: http.HandlerFunc(hello)}
		addr := serve(t, s)
		s.SetKeepAlivesEnabled(false)
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, _ := c.response("GET"); !res.Close {
			t.Fatal("response without Connection: close while keep-alives are off")
		}
		if !c.closed() {
			t.Fatal("connection left open while keep-alives are off")
		}
		s.SetKeepAlivesEnabled(true)
		c = dial(t, addr)
		for range 2 {
			c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			if res, _ := c.response("GET"); res.Close {
				t.Fatal("Connection: close after keep-alives were turned back on")
			}
		}
	})
}
