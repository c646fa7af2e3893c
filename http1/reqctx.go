package http1

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/shio-rt/shio/internal/obs"
)

// requestContext is the context of one request, as net/http gives it: it
// ends when the Handler returns or the connection closes, and answers
// http.LocalAddrContextKey. It costs one small allocation per request and,
// unless the Handler asks for Done, nothing more: the channel is made and
// the parent watched only on the first Done call. (context.WithCancel
// would allocate twice and, under a cancellable base context, register
// every request with it.)
type requestContext struct {
	parent context.Context
	local  interface{ LocalAddr() net.Addr } // nil: ask the parent
	// task is the request's record in the collector (zero unless
	// collecting, see beginTask), embedded so that the Counters level
	// allocates nothing per request: the context answers obs.Key with it,
	// so that the Handler's waits and tasks are recorded as the request's.
	task obs.Task

	mu      sync.Mutex
	done    chan struct{} // made on the first Done call
	err     error
	gone    bool        // it ended because the client left (see clientGone)
	afters  *afterFunc  // from AfterFunc, run when the context ends (a list: 8 bytes where a slice took 24)
	unwatch func() bool // stops watching the parent
}

type afterFunc struct {
	f    func()
	next *afterFunc
}

// requestState holds what each request allocates besides its header
// map, header values and strings, so that it costs one allocation: the
// *http.Request, its context and its URL (552 bytes, a 576-byte size
// class; the request alone is a 320-byte block).
type requestState struct {
	req http.Request
	ctx requestContext
	url url.URL
}

// requestState4 and requestState8 are a requestState with room for the
// first values of a request's fields, for a head of up to 4 or 8 fields
// (Host's slot unused): one allocation instead of two for a typical
// client's request (curl sends three fields, a browser eight to twelve).
type requestState4 struct {
	requestState
	values [4]string
}

type requestState8 struct {
	requestState
	values [8]string
}

// newRequestState returns the state for a request with n fields and,
// when the state has room for them, the slice for their first values
// (else nil: newRequest makes one if a field other than Host needs it).
func newRequestState(n int) (*requestState, []string) {
	switch {
	case n <= 1: // Host alone, or one field that may need no slice
		return new(requestState), nil
	case n <= 4:
		s := new(requestState4)
		return &s.requestState, s.values[:n:n]
	case n <= 8:
		s := new(requestState8)
		return &s.requestState, s.values[:n:n]
	}
	return new(requestState), nil
}

// Deadline returns the parent's deadline.
func (c *requestContext) Deadline() (time.Time, bool) { return c.parent.Deadline() }

// Done returns a channel closed when the request ends.
func (c *requestContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err == nil {
			if err := c.parent.Err(); err != nil {
				c.endLocked(err)
			} else if c.parent.Done() != nil {
				parent := c.parent
				c.unwatch = context.AfterFunc(parent, func() { c.cancel(parent.Err()) })
			}
		} else {
			close(c.done)
		}
	}
	return c.done
}

// Err returns nil while the request runs and why it ended after.
func (c *requestContext) Err() error {
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if err := c.parent.Err(); err != nil {
		c.cancel(err)
		return err
	}
	return nil
}

// Value answers http.LocalAddrContextKey and asks the parent for the rest.
// It hides the context package's own cancellation key, so that
// context.Cause reports this context's error rather than the parent's
// cause.
func (c *requestContext) Value(key any) any {
	switch {
	case key == http.LocalAddrContextKey && c.local != nil:
		return c.local.LocalAddr()
	case key == cancelCtxKey && cancelCtxKey != nil:
		return nil
	case c.task.Recorded() != nil && key == obs.Key{}:
		return &c.task
	}
	return c.parent.Value(key)
}

// AfterFunc arranges for f to run in its own goroutine once the request
// ends; context.WithCancel and context.AfterFunc on a request context use
// it instead of a goroutine that waits on Done.
func (c *requestContext) AfterFunc(f func()) (stop func() bool) {
	c.Done() // watch the parent
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		go f()
		return func() bool { return false }
	}
	a := &afterFunc{f: f, next: c.afters}
	c.afters = a
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for p := &c.afters; *p != nil; p = &(*p).next {
			if *p == a {
				*p = a.next
				return true
			}
		}
		return false
	}
}

// clientGone ends the request's context because the client left (its FIN
// or a reset arrived) while the Handler runs, as net/http's background
// read does; http.CloseNotifier reports it.
func (c *requestContext) clientGone() {
	c.mu.Lock()
	if c.err == nil {
		c.gone = true
	}
	c.mu.Unlock()
	c.cancel(context.Canceled)
}

// left reports whether the context ended because the client left.
func (c *requestContext) left() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gone
}

// cancel ends the request's context with err; later calls do nothing.
func (c *requestContext) cancel(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.endLocked(err)
	afters, unwatch := c.afters, c.unwatch
	c.afters, c.unwatch = nil, nil
	c.mu.Unlock()
	if unwatch != nil {
		unwatch()
	}
	for a := afters; a != nil; a = a.next {
		go a.f()
	}
}

func (c *requestContext) endLocked(err error) {
	c.err = err
	if c.done != nil {
		close(c.done)
	}
}

func (c *requestContext) String() string { return "http1.requestContext" }

// cancelCtxKey is the key the context package looks up to find a context's
// cancellation cause, learned once by watching what context.Cause asks a
// context for; nil if it asks for nothing (then nothing is hidden).
var cancelCtxKey = func() any {
	var p probeContext
	p.Context = context.Background()
	context.Cause(&p)
	return p.key
}()

type probeContext struct {
	context.Context
	key any
}

func (p *probeContext) Value(key any) any {
	if p.key == nil {
		p.key = key
	}
	return nil
}
