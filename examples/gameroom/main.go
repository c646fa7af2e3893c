// A tick-based game room over WebSocket: players connect to /play, send
// inputs ("move DX DY") as text messages, and receive, at a fixed rate, a
// snapshot of the whole room as JSON. Each snapshot is encoded once per
// tick (ws.PreparedMessage) and written to every player without waiting:
// a player too slow to read skips snapshots (its outbound queue is small
// and its overflow policy drops) instead of lagging the room, and its
// snapshot carries how many it missed. Inputs are applied on the reactor
// loop as they arrive; the room's only goroutine is its ticker.
//
//	go run ./examples/gameroom -addr 127.0.0.1:8080 -rate 20
//	python3 -m websockets ws://127.0.0.1:8080/play   (then type: move 1 0)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/timer"
	"github.com/shio-rt/shio/ws"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	rate := flag.Int("rate", 20, "snapshots per second")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "gameroom: ws://%s/play\n", ln.Addr())
	if err := run(ctx, ln, config{tick: time.Second / time.Duration(max(*rate, 1))}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// config is the room's settings; pad adds bytes to each snapshot (tests
// use it to fill a slow player's socket quickly).
type config struct {
	tick time.Duration
	pad  int
}

// player is one connection's state, guarded by room.mu.
type player struct {
	id     int
	x, y   int
	missed int // snapshots dropped because the player did not keep up
}

// room is the game: the players and their positions.
type room struct {
	mu      sync.Mutex
	nextID  int
	players map[*ws.Conn]*player
}

// OnOpen adds a player; it runs on the reactor loop, as do the others.
func (r *room) OnOpen(c *ws.Conn) {
	r.mu.Lock()
	r.nextID++
	r.players[c] = &player{id: r.nextID}
	r.mu.Unlock()
}

// OnMessage applies an input at once: "move DX DY", each step at most 1.
func (r *room) OnMessage(c *ws.Conn, typ ws.MessageType, p []byte) {
	f := strings.Fields(string(p))
	if len(f) != 3 || f[0] != "move" {
		c.Close(ws.StatusUnsupportedData, "inputs are: move DX DY")
		return
	}
	dx, err1 := strconv.Atoi(f[1])
	dy, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		c.Close(ws.StatusUnsupportedData, "inputs are: move DX DY")
		return
	}
	r.mu.Lock()
	if pl := r.players[c]; pl != nil {
		pl.x += max(-1, min(1, dx))
		pl.y += max(-1, min(1, dy))
	}
	r.mu.Unlock()
}

func (r *room) OnClose(c *ws.Conn, err error) {
	r.mu.Lock()
	delete(r.players, c)
	r.mu.Unlock()
}

// snapshot is what every player receives each tick.
type snapshot struct {
	Tick    int64       `json:"tick"`
	Players []playerPos `json:"players"`
	Pad     string      `json:"pad,omitempty"`
}

type playerPos struct {
	ID     int `json:"id"`
	X      int `json:"x"`
	Y      int `json:"y"`
	Missed int `json:"missed"`
}

// broadcast encodes the room once and writes it to every player without
// waiting; a player whose queue is full skips this snapshot.
func (r *room) broadcast(tick int64, pad string) {
	r.mu.Lock()
	s := snapshot{Tick: tick, Pad: pad}
	conns := make([]*ws.Conn, 0, len(r.players))
	for c, pl := range r.players {
		s.Players = append(s.Players, playerPos{pl.id, pl.x, pl.y, pl.missed})
		conns = append(conns, c)
	}
	r.mu.Unlock()
	b, _ := json.Marshal(s)
	m, _ := ws.NewPreparedMessage(ws.TextMessage, b)
	for _, c := range conns {
		if errors.Is(c.TryWritePreparedMessage(m), ws.ErrDropped) {
			r.mu.Lock()
			if pl := r.players[c]; pl != nil {
				pl.missed++
			}
			r.mu.Unlock()
		}
	}
}

// run serves the room on ln until ctx ends; then players get 1001.
func run(ctx context.Context, ln net.Listener, cfg config) error {
	r := &room{players: map[*ws.Conn]*player{}}
	up := &ws.Upgrader{Config: ws.Config{
		// A few snapshots' worth: past it a player skips snapshots.
		MaxOutbound: 64<<10 + cfg.pad,
		Overflow:    ws.OverflowDrop,
	}}
	srv := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/play" {
			http.NotFound(w, req)
			return
		}
		up.Accept(w, req, r)
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	pad := strings.Repeat(".", cfg.pad)
	iv := timer.NewInterval(cfg.tick, timer.IntervalConfig{MissedTick: timer.Skip})
	defer iv.Stop()
	var tick int64
	for ctx.Err() == nil {
		if _, err := iv.Tick(ctx); err != nil {
			break
		}
		tick++
		r.broadcast(tick, pad)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
