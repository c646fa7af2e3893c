package ws_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

// browserPage opens a WebSocket to its own server, exchanges a short
// text, a binary message of every byte value, a 200 KB text (compressed
// and fragmented) and a 100 KB binary, checks each echo byte for byte and
// closes with 1000. It reports in window.result.
const browserPage = `<!doctype html><html><head><meta charset="utf-8"><title>ws</title></head><body><script>
window.result = {state: "running"};
const ws = new WebSocket("ws://" + location.host + "/ws", ["echo.v1"]);
ws.binaryType = "arraybuffer";
const big = "héllo wörld €𝄞 ".repeat(10000);
const bin = new Uint8Array(256); for (let i = 0; i < 256; i++) bin[i] = i;
const large = new Uint8Array(100000); for (let i = 0; i < large.length; i++) large[i] = (i * 7) & 255;
const sent = ["hi from chromium", bin, big, large];
const got = [];
function same(a, b) {
  if (typeof a === "string") return a === b;
  if (!(b instanceof ArrayBuffer)) return false;
  const v = new Uint8Array(b);
  if (v.length !== a.length) return false;
  for (let i = 0; i < v.length; i++) if (v[i] !== a[i]) return false;
  return true;
}
ws.onopen = () => { for (const m of sent) ws.send(m); };
ws.onmessage = (e) => {
  got.push(e.data);
  if (got.length === sent.length) {
    const ok = sent.every((m, i) => same(m, got[i]));
    window.result = {state: ok ? "echoed" : "mismatch", extensions: ws.extensions, protocol: ws.protocol,
      sizes: got.map(d => typeof d === "string" ? d.length : d.byteLength)};
    ws.close(1000, "done");
  }
};
ws.onclose = (e) => { window.result.closeCode = e.code; window.result.clean = e.wasClean; };
ws.onerror = () => { console.error("websocket error"); };
</script></body></html>`

// TestBrowser: headless Chromium (Debian's chromium; .ci/run installs it)
// loads a page from a shio server and talks WebSocket to it, with the
// permessage-deflate offer Chromium makes: text and binary messages, small
// and large, come back byte for byte, the close handshake is clean on both
// sides, and the browser reports no error. The browser is driven over the
// DevTools protocol, itself a WebSocket: shio's client against Chromium's
// server.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a browser")
	}
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("no Chromium (Debian package chromium; .ci/run installs it): the browser test did not run")
	}

	up := ws.Upgrader{Subprotocols: []string{"echo.v1"}, Config: ws.Config{Compression: true, CompressionThreshold: 128}}
	closed := make(chan error, 1)
	var mu sync.Mutex
	var extensions string
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ws" {
			mu.Lock()
			extensions = r.Header.Get("Sec-WebSocket-Extensions")
			mu.Unlock()
			up.Accept(w, r, browserEcho{closed})
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(browserPage))
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "--user-data-dir="+t.TempDir(), "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		re := regexp.MustCompile(`DevTools listening on (ws://\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	defer func() {
		cmd.Process.Kill()
		<-drained
		cmd.Wait()
	}()
	var browserURL string
	select {
	case browserURL = <-found:
	case <-ctx.Done():
		t.Fatal("Chromium did not start its DevTools server")
	}
	host := strings.Split(strings.TrimPrefix(browserURL, "ws://"), "/")[0]
	resp, err := http.Get("http://" + host + "/json/list")
	if err != nil {
		t.Fatal(err)
	}
	var targets []struct{ Type, WebSocketDebuggerURL string }
	err = json.NewDecoder(resp.Body).Decode(&targets)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	pageURL := ""
	for _, tg := range targets {
		if tg.Type == "page" {
			pageURL = tg.WebSocketDebuggerURL
		}
	}
	if pageURL == "" {
		t.Fatalf("no page target in %+v", targets)
	}
	d := ws.Dialer{Config: ws.Config{MaxMessageSize: 64 << 20, MaxFrameSize: 64 << 20}}
	conn, _, err := d.Dial(ctx, pageURL, nil)
	if err != nil {
		t.Fatalf("shio's client against Chromium's DevTools server: %v", err)
	}
	b := &devtools{ctx: ctx, c: conn}
	defer func() { conn.Close(ws.StatusNormal, ""); conn.Wait(ctx) }()
	for _, m := range []string{"Runtime.enable", "Log.enable", "Page.enable"} {
		if _, err := b.call(m, map[string]any{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.call("Page.navigate", map[string]any{"url": "http://" + ln.Addr().String() + "/"}); err != nil {
		t.Fatal(err)
	}
	var res struct {
		State      string `json:"state"`
		Extensions string `json:"extensions"`
		Protocol   string `json:"protocol"`
		Sizes      []int  `json:"sizes"`
		CloseCode  int    `json:"closeCode"`
		Clean      bool   `json:"clean"`
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if err := b.eval(`window.result || {state: "loading"}`, &res); err != nil {
			t.Fatal(err)
		}
		if res.State != "running" && res.State != "loading" && res.CloseCode != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page's exchange did not finish in 30 s: %+v", res)
		}
		time.Sleep(20 * time.Millisecond) // polling the page, with a deadline
	}
	mu.Lock()
	offer := extensions
	mu.Unlock()
	t.Logf("Chromium offered %q; agreed %q, subprotocol %q; echoed sizes %v; closed %d clean %v",
		offer, res.Extensions, res.Protocol, res.Sizes, res.CloseCode, res.Clean)
	if res.State != "echoed" || res.CloseCode != 1000 || !res.Clean || res.Protocol != "echo.v1" {
		t.Fatalf("page result %+v", res)
	}
	if strings.Contains(offer, "permessage-deflate") && !strings.HasPrefix(res.Extensions, "permessage-deflate") {
		t.Fatalf("Chromium offered %q, the server agreed on %q", offer, res.Extensions)
	}
	select {
	case err := <-closed:
		var ce *ws.CloseError
		if !asCloseError(err, &ce) || ce.Code != ws.StatusNormal || ce.Reason != "done" || !ce.Remote {
			t.Fatalf("the server saw the close as %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the server saw no close")
	}
	if len(b.errors) > 0 {
		t.Errorf("the browser reported errors:\n%s", strings.Join(b.errors, "\n"))
	}
}

// browserEcho echoes and reports how the connection closed.
type browserEcho struct{ closed chan error }

func (browserEcho) OnOpen(*ws.Conn) {}
func (browserEcho) OnMessage(c *ws.Conn, typ ws.MessageType, p []byte) {
	c.TryWriteMessage(typ, p)
}
func (e browserEcho) OnClose(_ *ws.Conn, err error) { e.closed <- err }

func asCloseError(err error, ce **ws.CloseError) bool {
	c, ok := err.(*ws.CloseError)
	*ce = c
	return ok
}

// devtools is a minimal Chrome DevTools Protocol client over shio's
// WebSocket client.
type devtools struct {
	ctx    context.Context
	c      *ws.Conn
	nextID int
	errors []string // exceptions, console.error calls and error log entries seen
}

func (d *devtools) call(method string, params any) (json.RawMessage, error) {
	d.nextID++
	id := d.nextID
	b, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	if err := d.c.WriteMessage(d.ctx, ws.TextMessage, b); err != nil {
		return nil, err
	}
	for {
		_, m, err := d.c.ReadMessage(d.ctx)
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
			d.errors = append(d.errors, "exception: "+string(msg.Params))
		case msg.Method == "Runtime.consoleAPICalled" && strings.Contains(string(msg.Params), `"type":"error"`):
			d.errors = append(d.errors, "console.error: "+string(msg.Params))
		case msg.Method == "Log.entryAdded" && strings.Contains(string(msg.Params), `"level":"error"`):
			d.errors = append(d.errors, "log: "+string(msg.Params))
		}
	}
}

func (d *devtools) eval(expr string, v any) error {
	res, err := d.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
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
