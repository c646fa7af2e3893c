package ws

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/broadcast"
	"pgregory.net/rapid"
)

// queueTransport is a transport whose outbound queue is full or empty at
// the test's say, and which records each message written (a Hub writes a
// message with one Write).
type queueTransport struct {
	full bool
	msgs []string
}

func (q *queueTransport) Write(p []byte) (int, error) {
	n := int(p[1] & 0x7f) // the test's messages are short: a 2-byte header
	q.msgs = append(q.msgs, string(p[2:2+n]))
	return len(p), nil
}
func (q *queueTransport) Buffered() int {
	if q.full {
		return 1 << 20
	}
	return 0
}
func (q *queueTransport) Close() error                    { return nil }
func (q *queueTransport) SetReadDeadline(time.Time) error { return nil }
func (q *queueTransport) PauseRead()                      {}
func (q *queueTransport) ResumeRead()                     {}
func (q *queueTransport) RemoteAddr() net.Addr            { return &net.TCPAddr{} }
func (q *queueTransport) LocalAddr() net.Addr             { return &net.TCPAddr{} }

// TestHubProperty: whatever the interleaving of sends, members whose
// queue fills and empties, and passes of the Hub over its members, every
// member receives messages in order, each gap announced by exactly one
// lag notice of its size, and ends with the last message sent; a member
// whose queue never filled and that the Hub served after every message
// (a Hub that keeps up) gets every message and no notice.
func TestHubProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		capacity := rapid.IntRange(1, 8).Draw(rt, "capacity")
		members := rapid.IntRange(1, 4).Draw(rt, "members")
		lim, _ := (&Config{MaxOutbound: 1 << 10}).resolve()
		tx, rx := broadcast.New[*PreparedMessage](capacity)
		defer rx.Close()
		h := &Hub{cfg: HubConfig{OnLag: func(c *Conn, missed uint64) {
			c.TryWriteMessage(TextMessage, []byte("lag "+strconv.FormatUint(missed, 10)))
		}}, rx: rx, members: map[*Conn]*member{}}
		conns := make([]*Conn, members)
		qs := make([]*queueTransport, members)
		everFull := make([]bool, members)
		for i := range conns {
			qs[i] = &queueTransport{}
			conns[i] = &Conn{t: qs[i], lim: lim}
			h.Join(conns[i])
		}
		pass := func() {
			for _, c := range conns {
				if h.serve(c, h.members[c]) == gone {
					rt.Fatalf("a member was dropped")
				}
			}
		}
		sent, slow := 0, false
		for _, op := range rapid.SliceOfN(rapid.IntRange(0, 2+members), 1, 200).Draw(rt, "ops") {
			switch {
			case op == 0, op == 1:
				m, _ := NewPreparedMessage(TextMessage, []byte("m"+strconv.Itoa(sent)))
				tx.Send(m)
				sent++
				if op == 0 {
					pass() // the Hub wakes at each message; with op 1 it was slow to
				} else {
					slow = true
				}
			case op == 2:
				pass()
			default:
				q := qs[op-3]
				q.full = !q.full
				everFull[op-3] = everFull[op-3] || q.full
			}
		}
		for _, q := range qs {
			q.full = false
		}
		pass()
		for i, q := range qs {
			next, notices := 0, 0
			for _, m := range q.msgs {
				if n, ok := strings.CutPrefix(m, "lag "); ok {
					k, _ := strconv.Atoi(n)
					if k <= 0 {
						rt.Fatalf("member %d: notice %q", i, m)
					}
					next += k
					notices++
					continue
				}
				if m != "m"+strconv.Itoa(next) {
					rt.Fatalf("member %d: got %q, want m%d (all: %q)", i, m, next, q.msgs)
				}
				next++
			}
			if next != sent {
				rt.Fatalf("member %d accounts for %d messages, %d were sent: %q", i, next, sent, q.msgs)
			}
			if !everFull[i] && !slow && notices > 0 {
				rt.Fatalf("member %d never full, yet told it lagged: %q", i, q.msgs)
			}
		}
		h.stop()
	})
}
