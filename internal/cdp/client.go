package cdp

import (
	"encoding/json"
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

// Call sends a command and returns its result, recording the error reports
// that arrive meanwhile.
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
		m, err := c.t.Recv()
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
			c.Errors = append(c.Errors, "exception: "+string(msg.Params))
		case msg.Method == "Runtime.consoleAPICalled" && strings.Contains(string(msg.Params), `"type":"error"`):
			c.Errors = append(c.Errors, "console.error: "+string(msg.Params))
		case msg.Method == "Log.entryAdded" && strings.Contains(string(msg.Params), `"level":"error"`):
			c.Errors = append(c.Errors, "log: "+string(msg.Params))
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
