package cdp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// A Transport carries DevTools messages: one WebSocket text message each.
type Transport interface {
	Send(msg []byte) error
	Recv() ([]byte, error)
}

// A Client sends DevTools commands over a Transport, one at a time; it is
// not safe for concurrent use.
type Client struct {
	t      Transport
	nextID int
	// Errors are the error reports the page sent so far (with
	// Runtime.enable and Log.enable): exceptions, console.error calls and
	// error log entries.
	Errors []string

	tracing bool
	trace   []TraceEvent
}

// NewClient returns a Client sending on t.
func NewClient(t Transport) *Client { return &Client{t: t} }

// Enable turns on the Runtime, Log and Page domains, which report the
// page's errors.
func (c *Client) Enable() error {
	for _, m := range []string{"Runtime.enable", "Log.enable", "Page.enable"} {
		if _, err := c.Call(m, map[string]any{}); err != nil {
			return err
		}
	}
	return nil
}

// message is a DevTools message: a command's result or error, or an event.
type message struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// recv reads one message, recording the error reports and trace events it
// carries.
func (c *Client) recv() (message, error) {
	var msg message
	m, err := c.t.Recv()
	if err != nil {
		return msg, err
	}
	if err := json.Unmarshal(m, &msg); err != nil {
		return msg, err
	}
	switch {
	case msg.Method == "Runtime.exceptionThrown":
		c.Errors = append(c.Errors, "exception: "+string(msg.Params))
	case msg.Method == "Runtime.consoleAPICalled" && strings.Contains(string(msg.Params), `"type":"error"`):
		c.Errors = append(c.Errors, "console.error: "+string(msg.Params))
	case msg.Method == "Log.entryAdded" && strings.Contains(string(msg.Params), `"level":"error"`):
		c.Errors = append(c.Errors, "log: "+string(msg.Params))
	case msg.Method == "Tracing.dataCollected" && c.tracing:
		var p struct{ Value []TraceEvent }
		if err := json.Unmarshal(msg.Params, &p); err != nil {
			return msg, fmt.Errorf("cdp: trace data: %w", err)
		}
		c.trace = append(c.trace, p.Value...)
	}
	return msg, nil
}

// Call sends a command and returns its result, recording the error reports
// (and, while tracing, the trace events) that arrive meanwhile.
func (c *Client) Call(method string, params any) (json.RawMessage, error) {
	c.nextID++
	id := c.nextID
	b, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	if err := c.t.Send(b); err != nil {
		return nil, err
	}
	for {
		msg, err := c.recv()
		if err != nil {
			return nil, err
		}
		switch {
		case msg.ID == id && msg.Error != nil:
			return nil, fmt.Errorf("%s: %s", method, msg.Error.Message)
		case msg.ID == id:
			return msg.Result, nil
		}
	}
}

// A TraceEvent is one event of a Chromium trace (the Trace Event Format):
// its name and categories, its phase ("X" a complete event, "B" and "E" a
// begin and an end), its start and wall duration and, where the browser
// records it, its thread time (CPU time of the thread) in microseconds, its
// process and thread, and its arguments.
type TraceEvent struct {
	Name string          `json:"name"`
	Cat  string          `json:"cat"`
	Ph   string          `json:"ph"`
	Ts   float64         `json:"ts"`
	Dur  float64         `json:"dur"`
	TDur float64         `json:"tdur"`
	Pid  int             `json:"pid"`
	Tid  int             `json:"tid"`
	Args json.RawMessage `json:"args"`
}

// StartTrace starts recording a trace of the given categories
// ("devtools.timeline", say), which [Client.EndTrace] returns.
func (c *Client) StartTrace(categories ...string) error {
	if c.tracing {
		return errors.New("cdp: a trace is already recording")
	}
	_, err := c.Call("Tracing.start", map[string]any{"transferMode": "ReportEvents",
		"traceConfig": map[string]any{"includedCategories": categories}})
	if err == nil {
		c.tracing, c.trace = true, nil
	}
	return err
}

// EndTrace stops the trace and returns its events, once the browser has
// sent them all. It reads until then: the Transport bounds the wait (a
// Conn's reads end 30 seconds after its last Send).
func (c *Client) EndTrace() ([]TraceEvent, error) {
	if !c.tracing {
		return nil, errors.New("cdp: no trace is recording")
	}
	defer func() { c.tracing, c.trace = false, nil }()
	if _, err := c.Call("Tracing.end", map[string]any{}); err != nil {
		return nil, err
	}
	for {
		msg, err := c.recv()
		if err != nil {
			return nil, err
		}
		if msg.Method == "Tracing.tracingComplete" {
			return c.trace, nil
		}
	}
}

// Navigate loads url in the page.
func (c *Client) Navigate(url string) error {
	_, err := c.Call("Page.navigate", map[string]any{"url": url})
	return err
}

// Eval evaluates a JavaScript expression in the page (awaiting it if it is
// a promise) and decodes its value into v.
func (c *Client) Eval(expr string, v any) error {
	res, err := c.Call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
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
