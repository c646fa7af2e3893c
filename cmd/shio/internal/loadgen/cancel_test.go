package loadgen_test

import (
	"bufio"
	"context"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

// generator is what HTTP and Echo have in common.
type generator interface {
	Run(context.Context) (*loadgen.Result, error)
	Progress() loadgen.Progress
}

// TestRunReturnsPromptlyWhenCancelled checks the Cancellation contract of
// HTTP.Run and Echo.Run: against a server that reads and never answers,
// with a timeout far away, cancelling ctx makes Run return at that instant,
// with every connection closed (the server goroutines see EOF and exit, or
// synctest would report them) and the cut-off requests not counted as
// errors.
func TestRunReturnsPromptlyWhenCancelled(t *testing.T) {
	silent := func(c net.Conn, br *bufio.Reader) {
		buf := make([]byte, 512)
		for {
			if _, err := br.Read(buf); err != nil {
				return
			}
		}
	}
	run := map[string]func(dial loadgen.Dialer) (generator, error){
		"http": func(dial loadgen.Dialer) (generator, error) {
			return loadgen.NewHTTP(loadgen.HTTPConfig{URL: "http://x/", Conns: 3, Pipeline: 2, Timeout: time.Hour, Dial: dial})
		},
		"echo": func(dial loadgen.Dialer) (generator, error) {
			return loadgen.NewEcho(loadgen.EchoConfig{Addr: "x:1", Conns: 3, Timeout: time.Hour, Dial: dial})
		},
	}
	for name, newGen := range run {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				dial, wait := pipeDialer(silent)
				defer wait()
				g, err := newGen(dial)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(2*time.Second, cancel)
				start := time.Now()
				res, err := g.Run(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if d := time.Since(start); d != 2*time.Second {
					t.Errorf("Run returned after %v, want 2s (the cancel)", d)
				}
				if res.ErrorCount() != 0 || res.Requests != 0 || res.Connects != 3 {
					t.Errorf("errors %v, requests %d, connects %d", res.Errors, res.Requests, res.Connects)
				}
				if p := g.Progress(); p.Conns != 0 {
					t.Errorf("%d connections open after Run", p.Conns)
				}
			})
		})
	}
}

// TestIdleCancelledWhileDialingClosesWhatItOpened cancels an idle run
// whose server accepts nothing (dials block): Run returns promptly, holding
// nothing.
func TestIdleCancelledWhileDialingClosesWhatItOpened(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dial := func(ctx context.Context, local *net.TCPAddr, addr string) (net.Conn, error) {
			<-ctx.Done() // a dial that never completes
			return nil, ctx.Err()
		}
		g, err := loadgen.NewIdle(loadgen.IdleConfig{Addr: "127.0.0.1:1", Conns: 10, Dial: dial, Timeout: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		res, err := g.Run(ctx)
		if err == nil || res.Held != 0 || time.Since(start) != time.Second || res.ErrorCount() != 0 {
			t.Errorf("err %v, held %d, took %v, errors %v", err, res.Held, time.Since(start), res.Errors)
		}
	})
}
