package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
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

	out      io.Writer // where the report goes
	insecure bool      // https: skip certificate verification
}

const benchUsage = `usage: shio bench [flags] URL

  shio bench http://127.0.0.1:8080/ -c 50 -d 10s          HTTP/1.1, closed loop
  shio bench http://127.0.0.1:8080/ -c 50 --rate 20000    open loop at a fixed rate
  shio bench tcp://127.0.0.1:7000 --echo --size 64        TCP echo, every byte verified
  shio bench tcp://127.0.0.1:7000 --idle 19000 --pid N    hold idle connections, report N's memory
  shio bench ws://127.0.0.1:8080/ -c 64 --size 4096       WebSocket echo, every byte verified
  shio bench ws://127.0.0.1:8080/ --idle 19000 --pid N    hold idle WebSocket connections

It exits 1 when a request failed or none succeeded (HTTP: a 1xx-3xx status).`

// runBench is `shio bench`: a load generator for HTTP/1.1, TCP echo and idle
// connections. It prints a live progress line on a terminal, then a summary
// (or, with --json, a JSON document) on standard output. It fails, after
// printing the partial results, when any request failed or none succeeded
// (an HTTP request succeeds with a 1xx-3xx status); when no connection
// could be made it prints one line saying so instead of an empty summary.
// Ctrl-C (ctx ending) stops the run early and still prints the summary.
func runBench(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := parseBenchFlags(args)
	if err != nil {
		return err
	}
	f.out = stdout
	u, err := parseTarget(f.target, f.echo || f.idle > 0)
	if err != nil {
		return err
	}
	switch {
	case f.idle > 0:
		return benchIdle(ctx, f, u)
	case f.rate > 0 && f.echo && !isWS(u):
		return &usageError{err: errors.New("--rate is for http:// and ws:// targets; a TCP echo runs a closed loop")}
	case f.echo && u.Scheme != "tcp" && !isWS(u):
		return &usageError{err: fmt.Errorf("--echo needs a tcp://host:port or ws://host:port/path target, not %s", f.target)}
	case !f.echo && u.Scheme == "tcp":
		return &usageError{err: fmt.Errorf("a tcp:// target needs --echo (echo load) or --idle N (idle connections); for HTTP type http://%s/", u.Host)}
	}
	dial, closeDialer, err := benchDialer(f.dialer, u, f.insecure)
	if err != nil {
		return err
	}
	defer closeDialer()
	if f.echo || isWS(u) {
		return benchEcho(ctx, f, u, dial, f.dialer)
	}
	return benchHTTP(ctx, f, u, dial, f.dialer)
}

// parseTarget parses bench's target, http://host[:port][/path] or
// tcp://host:port, and says in words what is wrong with anything else,
// with what to type instead (tcp:// when tcp is set: --echo or --idle).
// Its errors are *usageError without a usage text: one line, exit 2.
func parseTarget(target string, tcp bool) (*url.URL, error) {
	bad := func(format string, a ...any) error {
		return &usageError{err: fmt.Errorf(format, a...)}
	}
	scheme, _, ok := strings.Cut(target, "://")
	if !ok {
		if tcp {
			return nil, bad("%q has no scheme: type tcp://%s", target, strings.TrimSuffix(target, "/"))
		}
		suggest := "http://" + target
		if !strings.Contains(target, "/") {
			suggest += "/"
		}
		return nil, bad("%q has no scheme: type %s (or tcp://%s with --echo or --idle N)", target, suggest, strings.TrimSuffix(target, "/"))
	}
	switch scheme {
	case "http", "https", "tcp", "ws", "wss":
	default:
		return nil, bad("%s: unknown scheme %q; want http://host:port/path, ws://host:port/path or tcp://host:port", target, scheme)
	}
	u, err := url.Parse(target)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, bad("%s is not a valid URL: %v", target, err)
	}
	switch {
	case u.Scheme != "tcp" && u.Host == "":
		return nil, bad("%s names no host; want %s://host:port/path", target, u.Scheme)
	case u.Scheme == "tcp" && (u.Host == "" || u.Port() == ""):
		return nil, bad("%s names no host:port; want tcp://host:port", target)
	}
	return u, nil
}

func parseBenchFlags(args []string) (*benchFlags, error) {
	f := &benchFlags{}
	fs := newFlagSet("bench", benchUsage)
	fs.IntVar(&f.conns, "c", 10, "connections")
	fs.DurationVar(&f.duration, "d", 10*time.Second, "duration of the run (with -n alone: no limit)")
	fs.Int64Var(&f.requests, "n", 0, "stop after this many requests or messages (0: no limit)")
	fs.StringVar(&f.method, "m", "GET", "HTTP method")
	fs.Var(&f.headers, "H", `request header "Name: value" (repeatable)`)
	fs.StringVar(&f.body, "body", "", "request body, or @file to read it from a file")
	fs.IntVar(&f.pipeline, "pipeline", 1, "requests or messages in flight per connection")
	fs.Float64Var(&f.rate, "rate", 0, "open loop: requests per second in all (0: closed loop)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "fail a request not answered within this")
	fs.BoolVar(&f.echo, "echo", false, "TCP echo mode (tcp:// target; a ws:// target always echoes)")
	fs.IntVar(&f.size, "size", 64, "echo message size in bytes (ws://: the payload of one binary message)")
	fs.IntVar(&f.idle, "idle", 0, "open this many idle connections and hold them for -d once all are open")
	fs.IntVar(&f.perSrc, "per-source", 0, "with --idle on 127.x: connections per source address 127.0.0.N (0: 5000)")
	fs.IntVar(&f.pid, "pid", 0, "with --idle: report this process's memory and CPU time per connection")
	fs.BoolVar(&f.json, "json", false, "write the summary as JSON")
	fs.BoolVar(&f.insecure, "insecure", false, "https, wss: accept any server certificate (for --self-signed servers)")
	fs.StringVar(&f.dialer, "dialer", defaultDialer, "client connections: shio (the reactor) or net (the standard library); --idle always uses net, which can bind source addresses")
	// Flags may come before and after the target.
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		return nil, usageErr(fs, fmt.Errorf("want one target URL, got %d", len(pos)))
	}
	f.target = pos[0]
	dSet := false
	fs.Visit(func(fl *flag.Flag) { dSet = dSet || fl.Name == "d" })
	if f.requests > 0 && !dSet {
		f.duration = 0
	}
	if f.conns <= 0 || f.pipeline <= 0 || f.size <= 0 || f.rate < 0 || f.requests < 0 || f.duration < 0 || f.timeout <= 0 || f.idle < 0 {
		return nil, usageErr(fs, errors.New("-c, --pipeline, --size and --timeout must be positive; -n, -d, --rate and --idle not negative"))
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

func benchHTTP(ctx context.Context, f *benchFlags, u *url.URL, dial loadgen.Dialer, dialName string) error {
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
	return finish(f, rep, runErr, hostPort(u, defaultPort(u)))
}

func benchEcho(ctx context.Context, f *benchFlags, u *url.URL, dial loadgen.Dialer, dialName string) error {
	addr, target := u.Host, (*loadgen.WSTarget)(nil)
	if isWS(u) {
		addr, target = hostPort(u, defaultPort(u)), wsTarget(f, u)
	}
	g, err := loadgen.NewEcho(loadgen.EchoConfig{
		Addr: addr, Size: f.size, Conns: f.conns, Pipeline: f.pipeline,
		Messages: f.requests, Timeout: f.timeout, Dial: dial, WebSocket: target, Rate: f.rate,
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
	if target != nil {
		rep.Mode, rep.Rate, rep.Loop = "ws", f.rate, "closed"
		if f.rate > 0 {
			rep.Loop = "open"
		}
	}
	return finish(f, rep, runErr, addr)
}

func benchIdle(ctx context.Context, f *benchFlags, u *url.URL) error {
	if u.Scheme != "tcp" && u.Scheme != "ws" {
		return &usageError{err: fmt.Errorf("--idle needs a tcp:// or ws:// target, not %s", f.target)}
	}
	addr := hostPort(u, "80")
	cfg := loadgen.IdleConfig{Addr: addr, Conns: f.idle, PerSource: f.perSrc, PID: f.pid, Hold: f.duration, Timeout: f.timeout}
	if isWS(u) {
		cfg.WebSocket = wsTarget(f, u)
	}
	g, err := loadgen.NewIdle(cfg)
	if err != nil {
		return err
	}
	stop := startProgress(g.Progress, "")
	res, runErr := g.Run(ctx)
	stop()
	rep := res.Report()
	rep.Target, rep.Dialer = f.target, "net"
	rep.Idle.PID = f.pid
	return finish(f, rep, runErr, addr)
}

// defaultPort is the port of u's scheme.
func defaultPort(u *url.URL) string {
	if u.Scheme == "https" || u.Scheme == "wss" {
		return "443"
	}
	return "80"
}

// isWS reports whether u is a WebSocket target.
func isWS(u *url.URL) bool { return u.Scheme == "ws" || u.Scheme == "wss" }

// wsTarget is the handshake of a ws:// or wss:// target: its path and
// query, its host, and the -H headers.
func wsTarget(f *benchFlags, u *url.URL) *loadgen.WSTarget {
	return &loadgen.WSTarget{Host: u.Host, Path: u.RequestURI(), Header: f.headers.header()}
}

// hostPort returns u's host:port, with port def when u names none.
func hostPort(u *url.URL, def string) string {
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), def)
	}
	return u.Host
}

// finish prints the report and returns the error that decides the exit
// status, one line for people: the run's error, that no connection to
// addr could be made, that no request succeeded, or the count of failed
// requests. The text report leaves the error to that line rather than
// saying it twice; the JSON report carries it in its "error" field.
func finish(f *benchFlags, rep *loadgen.Report, runErr error, addr string) error {
	if runErr != nil && f.json {
		rep.Err = runErr.Error()
	}
	if dialErr, ok := noConnection(rep, runErr); ok {
		err := fmt.Errorf("could not connect to %s: %s", addr, dialReason(dialErr))
		if f.json {
			if werr := writeJSON(f.out, rep); werr != nil {
				return werr
			}
		}
		return err // no report in text: it would be empty but for this error
	}
	var err error
	if f.json {
		err = writeJSON(f.out, rep)
	} else {
		err = rep.WriteText(f.out)
	}
	switch {
	case runErr != nil:
		return fmt.Errorf("%w (the results are partial)", runErr)
	case rep.Idle == nil && succeeded(rep) == 0:
		return errors.New(noSuccessReason(rep))
	case rep.ErrorSum > 0:
		return fmt.Errorf("%d errors (see the breakdown above)", rep.ErrorSum)
	}
	return err
}

func writeJSON(w io.Writer, rep *loadgen.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// noConnection reports whether the run made no connection at all, and the
// first dial error if so.
func noConnection(rep *loadgen.Report, runErr error) (error, bool) {
	if runErr == nil {
		return nil, false
	}
	if errors.Is(runErr, loadgen.ErrNoConnection) {
		return runErr, true
	}
	if rep.Idle != nil && rep.Idle.Held == 0 && rep.ErrorExamples[loadgen.KindConnect.String()] != "" {
		return runErr, true
	}
	return nil, false
}

// dialReason is why a dial failed, without the layers of "dial tcp
// addr: connect:" that repeat what the caller says: "connection refused
// (is a server listening there?)", "i/o timeout", "lookup x: no such host".
func dialReason(err error) string {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return "connection refused (is a server listening there?)"
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err.Error()
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	if u := errors.Unwrap(err); u != nil {
		return u.Error()
	}
	return err.Error()
}

// succeeded returns the requests that succeeded: for HTTP those answered
// with a 1xx, 2xx or 3xx status, for echo every verified message.
func succeeded(rep *loadgen.Report) int64 {
	if rep.Mode != "http" {
		return rep.Requests
	}
	var n int64
	for code, c := range rep.Status {
		if s, err := strconv.Atoi(code); err == nil && s < 400 {
			n += c
		}
	}
	return n
}

// noSuccessReason says, in one line, why no request succeeded.
func noSuccessReason(rep *loadgen.Report) string {
	if len(rep.Status) > 0 {
		codes := slices.Sorted(maps.Keys(rep.Status))
		if len(codes) == 1 {
			s, _ := strconv.Atoi(codes[0])
			return fmt.Sprintf("no request succeeded: every response was %s %s", codes[0], http.StatusText(s))
		}
		parts := make([]string, len(codes))
		for i, c := range codes {
			parts[i] = fmt.Sprintf("%s ×%d", c, rep.Status[c])
		}
		return "no request succeeded: the responses were " + strings.Join(parts, ", ")
	}
	if rep.ErrorSum > 0 {
		return fmt.Sprintf("no request succeeded: %d errors (see the breakdown above)", rep.ErrorSum)
	}
	return fmt.Sprintf("no request completed in %.2fs", rep.Elapsed)
}
