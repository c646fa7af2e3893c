package http1_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

type ctxKey struct{}

// TestRequestContextSemantics: each request (pipelined ones included) gets
// its own context, which carries the base context's values and the local
// address, ends when its Handler returns, and behaves as a cancellable
// context for children, AfterFunc and Cause.
func TestRequestContextSemantics(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		type seen struct {
			ctx        context.Context
			child      context.Context
			after      chan struct{}
			errInside  error
			value      any
			local      net.Addr
			doneInside bool
		}
		got := make(chan seen, 2)
		s := &http1.Server{
			BaseContext: func(net.Listener) context.Context {
				return context.WithValue(context.Background(), ctxKey{}, "base")
			},
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctx := r.Context()
				child, cancel := context.WithCancel(ctx)
				_ = cancel // ends with the request, not here
				after := make(chan struct{})
				context.AfterFunc(ctx, func() { close(after) })
				sn := seen{ctx: ctx, child: child, after: after, errInside: ctx.Err(), value: ctx.Value(ctxKey{})}
				sn.local, _ = ctx.Value(http.LocalAddrContextKey).(net.Addr)
				select {
				case <-ctx.Done():
					sn.doneInside = true
				default:
				}
				got <- sn
				w.Write([]byte("ok"))
			}),
		}
		addr := serve(t, s)
		c := dial(t, addr)
		c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
		c.response("GET")
		c.response("GET")
		a, b := <-got, <-got
		if a.ctx == b.ctx {
			t.Fatal("two pipelined requests shared one context")
		}
		for _, sn := range []seen{a, b} {
			if sn.errInside != nil || sn.doneInside {
				t.Fatalf("context ended inside the Handler: err %v, done %v", sn.errInside, sn.doneInside)
			}
			if sn.value != "base" {
				t.Fatalf("base context value = %v", sn.value)
			}
			if sn.local == nil || sn.local.String() != addr {
				t.Fatalf("LocalAddrContextKey = %v, want %s", sn.local, addr)
			}
			for name, ch := range map[string]<-chan struct{}{"request": sn.ctx.Done(), "child": sn.child.Done(), "AfterFunc": sn.after} {
				select {
				case <-ch:
				case <-time.After(10 * time.Second):
					t.Fatalf("%s context not ended after the Handler returned", name)
				}
			}
			if !errors.Is(sn.ctx.Err(), context.Canceled) || !errors.Is(context.Cause(sn.ctx), context.Canceled) {
				t.Fatalf("after the Handler: Err %v, Cause %v; want Canceled", sn.ctx.Err(), context.Cause(sn.ctx))
			}
		}
	})
}

// TestRequestContextEndsWhenBaseEnds: a base context that ends (the
// listener's, as Close cancels it) ends a running request's context, whether
// or not the Handler asked for Done before.
func TestRequestContextEndsWhenBaseEnds(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		base, cancelBase := context.WithCancel(context.Background())
		defer cancelBase()
		started := make(chan context.Context, 1)
		release := make(chan struct{})
		s := &http1.Server{
			BaseContext: func(net.Listener) context.Context { return base },
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				started <- r.Context()
				<-release
			}),
		}
		c := dial(t, serve(t, s))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		ctx := <-started
		if ctx.Err() != nil {
			t.Fatalf("Err before the base ended: %v", ctx.Err())
		}
		cancelBase()
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Fatalf("Err after the base ended: %v", ctx.Err())
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("Done not closed after the base ended")
		}
		close(release)
		c.response("GET")
	})
}

// TestRequestContextEndsWhenClientCloses: on the reactor, the connection
// closing under a running Handler ends its request's context.
func TestRequestContextEndsWhenClientCloses(t *testing.T) {
	for _, path := range []string{"reactor", "tcp"} {
		t.Run(path, func(t *testing.T) {
			ended := make(chan struct{})
			started := make(chan struct{})
			s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(started)
				<-r.Context().Done()
				close(ended)
			})}
			c := dial(t, serve(t, s))
			c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			<-started
			c.conn.(*net.TCPConn).SetLinger(0)
			c.conn.Close() // a reset: the server notices at once
			select {
			case <-ended:
			case <-time.After(10 * time.Second):
				t.Fatal("request context not ended after the client reset the connection")
			}
		})
	}
}
