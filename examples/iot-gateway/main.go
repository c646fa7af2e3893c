// Command iot-gateway is a WebSocket gateway for many mostly idle devices:
//
//	devices ──ws──▶ gateway ──mpsc──▶ window (ChunksTimeout) ──▶ aggregate ──▶ slow store
//	   ▲                                                            │
//	   └──── commands: to one device, to all (ws.Hub), alerts ◀─────┘
//
// Devices connect to /device?id=ID and send telemetry as text messages
// ("t 21.5", a temperature). An idle device costs the gateway no goroutine
// and no buffer (its connection waits on the reactor). Telemetry goes into
// a bounded channel and a stream pipeline that cuts it into windows (a
// window closes when it holds -window-max readings or -window-time after
// its first); each window is aggregated and handed to a slow store. Every
// stage pulls, so when the store falls behind the channel fills, the
// connections' handlers wait (ws.Config.HandlerTasks), their reading
// pauses, and TCP pushes back on the devices: memory stays bounded.
//
// Commands go back over the same connections: POST /command?device=ID to
// one device, POST /command to all of them (one ws.Hub: encoded once, a
// slow device is skipped and told what it missed), and the pipeline
// itself sends "cmd fan on" to a device whose reading passes -alert.
// GET /stats shows the windows so far.
//
//	go run ./examples/iot-gateway -addr 127.0.0.1:8080 -devices 2000
//	curl -d 'reboot' 127.0.0.1:8080/command?device=7
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/shio-rt/shio/broadcast"
	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/mpsc"
	"github.com/shio-rt/shio/stream"
	"github.com/shio-rt/shio/ws"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	devices := flag.Int("devices", 1000, "devices to simulate against the gateway (0: none)")
	active := flag.Int("active", 50, "simulated devices that send telemetry (the rest stay idle)")
	period := flag.Duration("period", 100*time.Millisecond, "between an active device's readings")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g := newGateway(Config{})
	fmt.Fprintf(os.Stderr, "iot-gateway: devices at ws://%s/device?id=N, commands at http://%[1]s/command, stats at http://%[1]s/stats\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- g.run(ctx, ln) }()
	var sims sync.WaitGroup
	if *devices > 0 {
		sims.Add(1)
		go func() {
			defer sims.Done()
			sim, err := simulate(ctx, ln.Addr().String(), *devices)
			if err != nil {
				fmt.Fprintln(os.Stderr, "simulator:", err)
				return
			}
			defer sim.close()
			fmt.Fprintf(os.Stderr, "simulating %d devices, %d of them active\n", *devices, min(*active, *devices))
			sim.report(ctx, min(*active, *devices), *period, 20)
			<-ctx.Done()
		}()
	}
	go func() { // a line of stats every second
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s := g.stats()
				fmt.Fprintf(os.Stderr, "devices %d, readings %d in %d windows (last: %d readings, mean %.1f, max %.1f), alerts %d, most ahead of the store %d\n",
					s.Devices, s.Readings, s.Windows, s.Last.N, s.Last.Mean, s.Last.Max, s.Alerts, s.MaxAhead)
			}
		}
	}()
	err = <-done
	sims.Wait()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Config sizes the gateway. Zero fields take the defaults noted.
type Config struct {
	Queue      int           // readings buffered between the devices and the pipeline; default 1024
	WindowMax  int           // readings per full window; default 256
	WindowTime time.Duration // a window closes this long after its first reading; default 100ms
	StoreDelay time.Duration // what the store spends per window; default 5ms
	Alert      float64       // a reading above it sends the device "cmd fan on"; default 80
}

func (c *Config) defaults() {
	if c.Queue == 0 {
		c.Queue = 1024
	}
	if c.WindowMax == 0 {
		c.WindowMax = 256
	}
	if c.WindowTime == 0 {
		c.WindowTime = 100 * time.Millisecond
	}
	if c.StoreDelay == 0 {
		c.StoreDelay = 5 * time.Millisecond
	}
	if c.Alert == 0 {
		c.Alert = 80
	}
}

// reading is one device's telemetry.
type reading struct {
	device int
	value  float64
}

// Window is the aggregate of one window of readings.
type Window struct {
	N       int     `json:"n"`
	Devices int     `json:"devices"`
	Mean    float64 `json:"mean"`
	Max     float64 `json:"max"`
}

// Stats is what /stats shows.
type Stats struct {
	Devices  int    `json:"devices"`
	Readings int64  `json:"readings"`
	Windows  int    `json:"windows"`
	Alerts   int64  `json:"alerts"`
	Last     Window `json:"last"`
	MaxAhead int64  `json:"max_ahead"` // most readings accepted but not yet stored
}

// gateway is the devices' server and the pipeline's head.
type gateway struct {
	cfg Config
	ctx context.Context // run's: bounds the handlers' waits for the pipeline

	tx  *mpsc.Sender[reading]
	rx  *mpsc.Receiver[reading]
	all *broadcast.Sender[*ws.PreparedMessage] // commands to every device, through hub
	hub *ws.Hub

	mu      sync.Mutex
	devices map[int]*ws.Conn // guarded by mu
	windows []Window         // guarded by mu

	accepted, stored, alerts atomic.Int64
	maxAhead                 atomic.Int64
}

func newGateway(cfg Config) *gateway {
	cfg.defaults()
	g := &gateway{cfg: cfg, devices: map[int]*ws.Conn{}}
	g.tx, g.rx = mpsc.New[reading](cfg.Queue)
	all, hubRx := broadcast.New[*ws.PreparedMessage](64)
	g.all = all
	g.hub = ws.NewHub(hubRx, ws.HubConfig{OnLag: func(c *ws.Conn, missed uint64) {
		c.TryWriteMessage(ws.TextMessage, []byte("missed "+strconv.FormatUint(missed, 10)))
	}})
	return g
}

// device is the ws.Handler of one device's connection.
type device struct {
	g  *gateway
	id int
}

func (d *device) OnOpen(c *ws.Conn) {
	g := d.g
	g.mu.Lock()
	if old := g.devices[d.id]; old != nil {
		old.Close(ws.StatusPolicyViolation, "replaced by a new connection")
	}
	g.devices[d.id] = c
	g.mu.Unlock()
	g.hub.Join(c)
}

// OnMessage runs as a task (HandlerTasks): it may wait for room in the
// pipeline, and reading from this device pauses meanwhile.
func (d *device) OnMessage(c *ws.Conn, typ ws.MessageType, p []byte) {
	f := strings.Fields(string(p))
	if len(f) != 2 || f[0] != "t" {
		c.Close(ws.StatusUnsupportedData, `telemetry is "t VALUE"`)
		return
	}
	v, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		c.Close(ws.StatusUnsupportedData, `telemetry is "t VALUE"`)
		return
	}
	g := d.g
	if g.tx.Send(g.ctx, reading{d.id, v}) != nil {
		return // the gateway is stopping
	}
	ahead := g.accepted.Add(1) - g.stored.Load()
	for m := g.maxAhead.Load(); ahead > m && !g.maxAhead.CompareAndSwap(m, ahead); m = g.maxAhead.Load() {
	}
}

func (d *device) OnClose(c *ws.Conn, err error) {
	g := d.g
	g.hub.Leave(c)
	g.mu.Lock()
	if g.devices[d.id] == c {
		delete(g.devices, d.id)
	}
	g.mu.Unlock()
}

// pipeline windows the readings, aggregates each window, sends alerts and
// stores the window (slowly), until the channel closes.
func (g *gateway) pipeline(ctx context.Context) error {
	windows := stream.ChunksTimeout(stream.FromMPSC(g.rx), g.cfg.WindowMax, g.cfg.WindowTime)
	return stream.ForEach(ctx, windows, func(rs []reading) error {
		w := Window{N: len(rs), Max: rs[0].value}
		seen := map[int]bool{}
		sum := 0.0
		for _, r := range rs {
			sum += r.value
			w.Max = max(w.Max, r.value)
			seen[r.device] = true
			if r.value > g.cfg.Alert && g.command(r.device, "fan on") {
				g.alerts.Add(1)
			}
		}
		w.Mean, w.Devices = sum/float64(len(rs)), len(seen)
		select { // the store is slow
		case <-time.After(g.cfg.StoreDelay):
		case <-ctx.Done():
			return ctx.Err()
		}
		g.mu.Lock()
		g.windows = append(g.windows, w)
		g.mu.Unlock()
		g.stored.Add(int64(len(rs)))
		return nil
	})
}

// command sends "cmd TEXT" to one device and reports whether it is
// connected and its queue took the command.
func (g *gateway) command(id int, text string) bool {
	g.mu.Lock()
	c := g.devices[id]
	g.mu.Unlock()
	return c != nil && c.TryWriteMessage(ws.TextMessage, []byte("cmd "+text)) == nil
}

// commandAll sends "cmd TEXT" to every device, encoded once.
func (g *gateway) commandAll(text string) int {
	m, _ := ws.NewPreparedMessage(ws.TextMessage, []byte("cmd "+text))
	g.all.Send(m)
	return g.hub.Len()
}

func (g *gateway) stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := Stats{Devices: len(g.devices), Readings: g.stored.Load(), Windows: len(g.windows),
		Alerts: g.alerts.Load(), MaxAhead: g.maxAhead.Load()}
	if len(g.windows) > 0 {
		s.Last = g.windows[len(g.windows)-1]
	}
	return s
}

// ServeHTTP routes the devices' upgrades and the HTTP API.
func (g *gateway) handler(up *ws.Upgrader) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /device", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.URL.Query().Get("id"))
		if err != nil || id < 0 {
			http.Error(w, "device?id=N", http.StatusBadRequest)
			return
		}
		up.Accept(w, r, &device{g: g, id: id})
	})
	mux.HandleFunc("POST /command", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 126))
		text := strings.TrimSpace(string(body))
		if err != nil || text == "" || len(body) > 125 {
			http.Error(w, "a command of 1 to 125 bytes", http.StatusBadRequest)
			return
		}
		if s := r.URL.Query().Get("device"); s != "" {
			id, err := strconv.Atoi(s)
			if err != nil || !g.command(id, text) {
				http.Error(w, "no such device, or it is not keeping up", http.StatusNotFound)
				return
			}
			w.WriteHeader(http.StatusAccepted)
			return
		}
		fmt.Fprintf(w, "sent to %d devices\n", g.commandAll(text))
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(g.stats())
	})
	return mux
}

// run serves the gateway on ln until ctx ends: the devices get 1001, the
// pipeline stores what it was given, and every goroutine is waited for.
func (g *gateway) run(ctx context.Context, ln net.Listener) error {
	hctx, cancelHandlers := context.WithCancel(context.Background())
	defer cancelHandlers()
	g.ctx = hctx
	up := &ws.Upgrader{Config: ws.Config{
		HandlerTasks: true,     // OnMessage may wait for the pipeline: backpressure
		MaxOutbound:  16 << 10, // commands are small: a device this far behind skips broadcasts
	}}
	srv := &http1.Server{Handler: g.handler(up)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	piped := make(chan error, 1)
	go func() { piped <- g.pipeline(context.Background()) }()

	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cancelHandlers() // a handler waiting for room gives up
	err := srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	g.hub.Close()
	g.all.Close()
	g.tx.Close() // the pipeline drains what it was given, then ends
	if perr := <-piped; perr != nil && err == nil {
		err = perr
	}
	return err
}
