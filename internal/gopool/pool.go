package gopool

import (
	"sync"
	"time"
)

// DefaultMaxIdle is the number of parked goroutines a Pool keeps when
// MaxIdle is zero.
const DefaultMaxIdle = 1024

// DefaultIdleTimeout is how long a parked goroutine waits for work before it
// exits when IdleTimeout is zero.
const DefaultIdleTimeout = 10 * time.Second

// Pool runs Go's items with Run on warm goroutines.
//
// The zero value is not usable: Run must be set before the first Go, and
// the fields must not change after. Go and Close are safe for concurrent
// use. Run must not call Close.
type Pool[T any] struct {
	// Run does the work for one item. It may block: the pool never waits
	// for one item before running the next.
	Run func(T)
	// MaxIdle bounds the parked goroutines; past it a goroutine that
	// finishes exits. Zero means DefaultMaxIdle.
	MaxIdle int
	// IdleTimeout is how long a parked goroutine waits before it exits
	// (between one and two times this, as the sweep is periodic). Zero
	// means DefaultIdleTimeout.
	IdleTimeout time.Duration

	mu       sync.Mutex
	idle     []*worker[T] // parked, most recently parked last
	closed   bool
	sweeping bool          // a sweeper goroutine runs
	stop     chan struct{} // closed by Close, ends the sweeper
	epoch    uint64        // sweeps so far
	wg       sync.WaitGroup
}

// worker is one goroutine's hand-off channel and when it parked.
type worker[T any] struct {
	ch    chan T // buffered: Go never waits for the worker to arrive
	epoch uint64 // the pool's epoch when it parked
}

// Go runs p.Run(v) on a parked goroutine if there is one, or on a
// new goroutine. It never blocks for long: it takes a mutex for a few
// instructions. After Close, items still run, each on a new goroutine that
// exits when done.
func (p *Pool[T]) Go(v T) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.ch <- v
		return
	}
	p.wg.Add(1)
	p.mu.Unlock()
	go p.work(v)
}

// work runs items until the pool no longer wants the goroutine.
func (p *Pool[T]) work(v T) {
	defer p.wg.Done()
	var w *worker[T]
	for {
		p.Run(v)
		if w == nil {
			w = &worker[T]{ch: make(chan T, 1)}
		}
		if !p.park(w) {
			return
		}
		var ok bool
		if v, ok = <-w.ch; !ok {
			return
		}
	}
}

// park puts w on the idle stack and reports whether it should wait there.
func (p *Pool[T]) park(w *worker[T]) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	max := p.MaxIdle
	if max <= 0 {
		max = DefaultMaxIdle
	}
	if p.closed || len(p.idle) >= max {
		return false
	}
	w.epoch = p.epoch
	p.idle = append(p.idle, w)
	if !p.sweeping {
		p.sweeping = true
		if p.stop == nil {
			p.stop = make(chan struct{})
		}
		p.wg.Add(1)
		go p.sweep(p.stop)
	}
	return true
}

// sweep ends goroutines that stayed parked for a whole period, and exits
// when none is parked.
func (p *Pool[T]) sweep(stop chan struct{}) {
	defer p.wg.Done()
	d := p.IdleTimeout
	if d <= 0 {
		d = DefaultIdleTimeout
	}
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		p.mu.Lock()
		p.epoch++
		// The stack is ordered by parking time: the stale ones are at the
		// bottom.
		n := 0
		for n < len(p.idle) && p.idle[n].epoch < p.epoch-1 {
			close(p.idle[n].ch)
			p.idle[n] = nil
			n++
		}
		p.idle = append(p.idle[:0], p.idle[n:]...)
		clear(p.idle[len(p.idle):cap(p.idle)])
		if len(p.idle) == 0 {
			p.sweeping = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		t.Reset(d)
	}
}

// Idle returns the number of parked goroutines.
func (p *Pool[T]) Idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

// Close ends the parked goroutines and waits for every goroutine the pool
// started, including those still running an item, to exit. Go may still be
// called after Close.
func (p *Pool[T]) Close() {
	p.Release()
	p.wg.Wait()
}

// Release is Close without the wait: parked goroutines exit now, running
// ones when their item returns.
func (p *Pool[T]) Release() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		for i, w := range p.idle {
			close(w.ch)
			p.idle[i] = nil
		}
		p.idle = nil
		if p.stop != nil {
			close(p.stop)
		}
	}
	p.mu.Unlock()
}
