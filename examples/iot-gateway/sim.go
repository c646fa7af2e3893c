package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shio-rt/shio/ws"
)

// fleet is a set of simulated devices connected to a gateway: each is a
// WebSocket client (ws.Dial, a goroutine per connection: the simulator is
// not what is measured) that records the commands it receives.
type fleet struct {
	devs []*simDevice
}

// simDevice is one simulated device.
type simDevice struct {
	id   int
	conn *ws.Conn

	mu   sync.Mutex
	cmds []string // commands received, in order
}

func (d *simDevice) OnOpen(*ws.Conn) {}
func (d *simDevice) OnMessage(_ *ws.Conn, _ ws.MessageType, p []byte) {
	d.mu.Lock()
	d.cmds = append(d.cmds, string(p))
	d.mu.Unlock()
}
func (d *simDevice) OnClose(*ws.Conn, error) {}

// commands returns the commands the device has received.
func (d *simDevice) commands() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.cmds...)
}

// simulate connects n devices (ids 0 to n-1) to the gateway at addr.
func simulate(ctx context.Context, addr string, n int) (*fleet, error) {
	f := &fleet{}
	d := ws.Dialer{Config: ws.Config{PingInterval: -1}}
	for id := range n {
		dev := &simDevice{id: id}
		c, _, err := d.Dial(ctx, "ws://"+addr+"/device?id="+strconv.Itoa(id), dev)
		if err != nil {
			f.close()
			return nil, fmt.Errorf("device %d: %w", id, err)
		}
		dev.conn = c
		f.devs = append(f.devs, dev)
	}
	return f, nil
}

// report makes the first active devices send count readings each, one
// every period (with jitter), values between 15 and 35; it returns when
// they have sent them all or ctx ends.
func (f *fleet) report(ctx context.Context, active int, period time.Duration, count int) {
	var wg sync.WaitGroup
	for _, d := range f.devs[:active] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range count {
				v := 15 + 20*rand.Float64()
				if d.conn.WriteMessage(ctx, ws.TextMessage, []byte("t "+strconv.FormatFloat(v, 'f', 1, 64))) != nil {
					return
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(period/2 + rand.N(period)):
				}
			}
		}()
	}
	wg.Wait()
}

// close closes every device and waits for their goroutines.
func (f *fleet) close() {
	for _, d := range f.devs {
		d.conn.Close(ws.StatusGoingAway, "")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, d := range f.devs {
		d.conn.Wait(ctx)
	}
}

// hasCommand reports whether the device received "cmd TEXT".
func (d *simDevice) hasCommand(text string) bool {
	for _, c := range d.commands() {
		if strings.TrimPrefix(c, "cmd ") == text && strings.HasPrefix(c, "cmd ") {
			return true
		}
	}
	return false
}
