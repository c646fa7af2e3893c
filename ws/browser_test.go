package ws_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/internal/cdp"
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
	bin := cdp.Find()
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
	br, err := cdp.Start(ctx, bin, t.TempDir())
	if err != nil {
		t.Fatalf("Chromium: %v", err)
	}
	defer br.Close()
	pageURL, err := br.PageURL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := ws.Dialer{Config: ws.Config{MaxMessageSize: 64 << 20, MaxFrameSize: 64 << 20}}
	conn, _, err := d.Dial(ctx, pageURL, nil)
	if err != nil {
		t.Fatalf("shio's client against Chromium's DevTools server: %v", err)
	}
	b := cdp.NewClient(devtools{ctx: ctx, c: conn})
	defer func() { conn.Close(ws.StatusNormal, ""); conn.Wait(ctx) }()
	if err := b.Enable(); err != nil {
		t.Fatal(err)
	}
	if err := b.Navigate("http://" + ln.Addr().String() + "/"); err != nil {
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
		if err := b.Eval(`window.result || {state: "loading"}`, &res); err != nil {
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
	if len(b.Errors) > 0 {
		t.Errorf("the browser reported errors:\n%s", strings.Join(b.Errors, "\n"))
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

// devtools carries the DevTools protocol (cdp) over shio's WebSocket
// client.
type devtools struct {
	ctx context.Context
	c   *ws.Conn
}

func (d devtools) Send(p []byte) error { return d.c.WriteMessage(d.ctx, ws.TextMessage, p) }

func (d devtools) Recv() ([]byte, error) {
	_, m, err := d.c.ReadMessage(d.ctx)
	return m, err
}
