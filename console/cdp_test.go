package console_test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// cdp is a minimal Chrome DevTools Protocol client over a minimal WebSocket
// client (RFC 6455 text frames), enough for a test to drive a headless
// Chromium without a dependency.
type cdp struct {
	conn   net.Conn
	br     *bufio.Reader
	nextID int
	// errors are the browser's error reports seen so far: exceptions,
	// console.error calls and error log entries.
	errors []string
}

func dialCDP(wsURL string) (*cdp, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake: %s", resp.Status)
	}
	return &cdp{conn: conn, br: br}, nil
}

func (c *cdp) Close() error { return c.conn.Close() }

// send writes one masked text frame.
func (c *cdp) send(p []byte) error {
	hdr := []byte{0x81}
	switch n := len(p); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	hdr = append(hdr, key[:]...)
	masked := make([]byte, len(p))
	for i := range p {
		masked[i] = p[i] ^ key[i%4]
	}
	_, err := c.conn.Write(append(hdr, masked...))
	return err
}

// recv reads one message (joining continuation frames); control frames
// other than close are skipped.
func (c *cdp) recv() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.br, h[:]); err != nil {
			return nil, err
		}
		op, fin := h[0]&0x0f, h[0]&0x80 != 0
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > 64<<20 {
			return nil, errors.New("websocket: frame too large")
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(c.br, p); err != nil {
			return nil, err
		}
		switch op {
		case 0x8:
			return nil, io.EOF
		case 0x9, 0xA:
			continue
		}
		msg = append(msg, p...)
		if fin {
			return msg, nil
		}
	}
}

// call sends a command and returns its result, recording the events that
// arrive meanwhile.
func (c *cdp) call(method string, params any) (json.RawMessage, error) {
	c.nextID++
	id := c.nextID
	b, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if err := c.send(b); err != nil {
		return nil, err
	}
	for {
		m, err := c.recv()
		if err != nil {
			return nil, err
		}
		var msg struct {
			ID     int             `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(m, &msg); err != nil {
			return nil, err
		}
		switch {
		case msg.ID == id && msg.Error != nil:
			return nil, fmt.Errorf("%s: %s", method, msg.Error.Message)
		case msg.ID == id:
			return msg.Result, nil
		case msg.Method == "Runtime.exceptionThrown":
			c.errors = append(c.errors, "exception: "+string(msg.Params))
		case msg.Method == "Runtime.consoleAPICalled" && strings.Contains(string(msg.Params), `"type":"error"`):
			c.errors = append(c.errors, "console.error: "+string(msg.Params))
		case msg.Method == "Log.entryAdded" && strings.Contains(string(msg.Params), `"level":"error"`):
			c.errors = append(c.errors, "log: "+string(msg.Params))
		}
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value
// into v.
func (c *cdp) eval(expr string, v any) error {
	res, err := c.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err != nil {
		return err
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails json.RawMessage `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return fmt.Errorf("evaluate %q: %s", expr, r.ExceptionDetails)
	}
	return json.Unmarshal(r.Result.Value, v)
}
