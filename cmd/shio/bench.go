package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

// benchFlags are the settings of `shio bench`.
type benchFlags struct {
	target   string
	conns    int
	duration time.Duration
	requests int64
	method   string
	headers  headerList
	body     string
	pipeline int
	rate     float64
	timeout  time.Duration
	echo     bool
	size     int
	idle     int
	pid      int
	perSrc   int
	json     bool
	dialer   string
}

const benchUsage = `usage: shio bench [flags] URL

  shio bench http://127.0.0.1:8080/ -c 50 -d 10s          HTTP/1.1, closed loop
  shio bench http://127.0.0.1:8080/ -c 50 --rate 20000    open loop at a fixed rate
  shio bench tcp://127.0.0.1:7000 --echo --size 64        TCP echo, every byte verified
  shio bench tcp://127.0.0.1:7000 --idle 19000 --pid N    hold idle connections, report N's memory

flags:`

// runBench is `shio bench`: a load generator for HTTP/1.1, TCP echo and idle
// connections. It prints a live progress line on a terminal, then a summary
// (or, with --json, a JSON document) on standard output; it fails, after
// printing the partial results, when any request failed or no connection
// could be made. Ctrl-C (ctx ending) stops the run early and still prints
// the summary.
func runBench(ctx context.Context, args []string) error {
	f, err := parseBenchFlags(args)
	if err != nil {
		return err
	}
	u, err := url.Parse(f.target)
	if err != nil {
		return fmt.Errorf("bad target %q: %v", f.target, err)
	}
	if u.Scheme != "http" && u.Scheme != "tcp" {
		return fmt.Errorf("bad target %q: want http://host:port/path or tcp://host:port", f.target)
	}
	if u.Host == "" || (u.Scheme == "tcp" && u.Port() == "") {
		return fmt.Errorf("bad target %q: no host:port", f.target)
	}
	switch {
	case f.idle > 0:
		return benchIdle(ctx, f, u)
	case f.echo && u.Scheme != "tcp":
		return fmt.Errorf("--echo needs a tcp://host:port target, not %q", f.target)
	case !f.echo && u.Scheme == "tcp":
		return errors.New("a tcp:// target needs --echo or --idle N")
	}
	dial, closeDialer, err := benchDialer(f.dialer)
	if err != nil {
		return err
	}
	defer closeDialer()
	if f.echo {
		return benchEcho(ctx, f, u, dial, f.dialer)
	}
	return benchHTTP(ctx, f, dial, f.dialer)
}

func parseBenchFlags(args []string) (*benchFlags, error) {
	f := &benchFlags{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), benchUsage)
		fs.PrintDefaults()
	}
	fs.IntVar(&f.conns, "c", 10, "connections")
	fs.DurationVar(&f.duration, "d", 10*time.Second, "duration of the run (with -n alone: no limit)")
	fs.Int64Var(&f.requests, "n", 0, "stop after this many requests or messages (0: no limit)")
	fs.StringVar(&f.method, "m", "GET", "HTTP method")
	fs.Var(&f.headers, "H", `request header "Name: value" (repeatable)`)
	fs.StringVar(&f.body, "body", "", "request body, or @file to read it from a file")
	fs.IntVar(&f.pipeline, "pipeline", 1, "requests or messages in flight per connection")
	fs.Float64Var(&f.rate, "rate", 0, "open loop: requests per second in all (0: closed loop)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "fail a request not answered within this")
	fs.BoolVar(&f.echo, "echo", false, "TCP echo mode (tcp:// target)")
	fs.IntVar(&f.size, "size", 64, "echo message size in bytes")
	fs.IntVar(&f.idle, "idle", 0, "open this many idle connections and hold them for -d once all are open")
	fs.IntVar(&f.perSrc, "per-source", 0, "with --idle on 127.x: connections per source address 127.0.0.N (0: 5000)")
	fs.IntVar(&f.pid, "pid", 0, "with --idle: report this process's memory and CPU time per connection")
	fs.BoolVar(&f.json, "json", false, "write the summary as JSON")
	fs.StringVar(&f.dialer, "dialer", defaultDialer, "client connections: shio (the reactor) or net (the standard library); --idle always uses net, which can bind source addresses")
	// Flags may come before and after the target.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fs.Usage()
		return nil, fmt.Errorf("want one target, got %d", len(pos))
	}
	f.target = pos[0]
	dSet := false
	fs.Visit(func(fl *flag.Flag) { dSet = dSet || fl.Name == "d" })
	if f.requests > 0 && !dSet {
		f.duration = 0
	}
	if f.conns <= 0 || f.pipeline <= 0 || f.size <= 0 || f.rate < 0 || f.requests < 0 || f.duration < 0 || f.timeout <= 0 || f.idle < 0 {
		return nil, errors.New("-c, --pipeline, --size and --timeout must be positive; -n, -d, --rate and --idle not negative")
	}
	return f, nil
}

// headerList collects repeated -H flags.
type headerList []string

func (h *headerList) String() string { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error {
	if !strings.Contains(v, ":") {
		return fmt.Errorf("header %q is not \"Name: value\"", v)
	}
	*h = append(*h, v)
	return nil
}

func (h headerList) header() http.Header {
	hdr := http.Header{}
	for _, v := range h {
		name, value, _ := strings.Cut(v, ":")
		hdr.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return hdr
}

// runCtx returns the context of the run: ctx limited to -d, if set.
func (f *benchFlags) runCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if f.duration > 0 {
		return context.WithTimeout(ctx, f.duration)
	}
	return context.WithCancel(ctx)
}

func benchHTTP(ctx context.Context, f *benchFlags, dial loadgen.Dialer, dialName string) error {
	body := []byte(f.body)
	if name, ok := strings.CutPrefix(f.body, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		body = b
	}
	g, err := loadgen.NewHTTP(loadgen.HTTPConfig{
		URL: f.target, Method: f.method, Header: f.headers.header(), Body: body, Conns: f.conns,
		Requests: f.requests, Rate: f.rate, Pipeline: f.pipeline, Timeout: f.timeout, Dial: dial,
	})
	if err != nil {
		return err
	}
	rctx, cancel := f.runCtx(ctx)
	defer cancel()
	stop := startProgress(g.Progress, "req")
	res, runErr := g.Run(rctx)
	stop()
	rep := res.Report()
	rep.Mode, rep.Target, rep.Dialer, rep.Conns, rep.Pipeline, rep.Rate = "http", f.target, dialName, f.conns, f.pipeline, f.rate
	rep.Loop = "closed"
	if f.rate > 0 {
		rep.Loop = "open"
	}
	return finish(f, rep, runErr)
}

func benchEcho(ctx context.Context, f *benchFlags, u *url.URL, dial loadgen.Dialer, dialName string) error {
	g, err := loadgen.NewEcho(loadgen.EchoConfig{
		Addr: u.Host, Size: f.size, Conns: f.conns, Pipeline: f.pipeline,
		Messages: f.requests, Timeout: f.timeout, Dial: dial,
	})
	if err != nil {
		return err
	}
	rctx, cancel := f.runCtx(ctx)
	defer cancel()
	stop := startProgress(g.Progress, "msg")
	res, runErr := g.Run(rctx)
	stop()
	rep := res.Report()
	rep.Mode, rep.Target, rep.Dialer, rep.Conns, rep.Pipeline, rep.Size = "echo", f.target, dialName, f.conns, f.pipeline, f.size
	return finish(f, rep, runErr)
}

func benchIdle(ctx context.Context, f *benchFlags, u *url.URL) error {
	addr := u.Host
	if u.Port() == "" {
		addr += ":80"
	}
	g, err := loadgen.NewIdle(loadgen.IdleConfig{Addr: addr, Conns: f.idle, PerSource: f.perSrc, PID: f.pid, Hold: f.duration, Timeout: f.timeout})
	if err != nil {
		return err
	}
	stop := startProgress(g.Progress, "")
	res, runErr := g.Run(ctx)
	stop()
	rep := res.Report()
	rep.Target, rep.Dialer = f.target, "net"
	rep.Idle.PID = f.pid
	return finish(f, rep, runErr)
}

// finish prints the report and returns the error that decides the exit
// status: the run's error, or the count of failed requests.
func finish(f *benchFlags, rep *loadgen.Report, runErr error) error {
	if runErr != nil {
		rep.Err = runErr.Error()
	}
	var err error
	if f.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = rep.WriteText(os.Stdout)
	}
	switch {
	case runErr != nil:
		return runErr
	case rep.ErrorSum > 0:
		return fmt.Errorf("%d errors (see the breakdown above)", rep.ErrorSum)
	}
	return err
}
