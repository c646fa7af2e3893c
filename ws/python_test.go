package ws_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
)

// pythonClient is Debian's python3-websockets (an independent
// implementation) talking to a shio server: text and binary echoes up to
// 1 MiB, a ping answered, and a clean close handshake.
const pythonClient = `
import asyncio, os, sys, websockets

async def main(url):
    async with websockets.connect(url, max_size=None, compression=None) as c:
        for n in (0, 1, 125, 126, 65535, 65536, 1 << 20):
            t = "é" * (n // 2)
            await c.send(t)
            assert await c.recv() == t, "text %d" % n
            b = os.urandom(n)
            await c.send(b)
            assert await c.recv() == b, "binary %d" % n
        pong = await c.ping(b"shio")
        await asyncio.wait_for(pong, 5)
        await c.close(code=1000, reason="done")
        assert c.close_code == 1000, c.close_code
    print("ok")

asyncio.run(main(sys.argv[1]))
`

func TestPythonWebsocketsClient(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil || exec.Command(py, "-c", "import websockets").Run() != nil {
		t.Skip("Debian's python3-websockets is not installed (apt-get install python3-websockets; .ci/run does)")
	}
	var up ws.Upgrader
	up.Config.MaxMessageSize = 2 << 20
	up.Config.MaxFrameSize = 2 << 20
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t.Run("http1", func(t *testing.T) {
		addr := serveWS(t, &up, echo{})
		out, err := exec.CommandContext(ctx, py, "-c", pythonClient, "ws://"+addr+"/echo").CombinedOutput()
		if err != nil || string(out) != "ok\n" {
			t.Fatalf("python3-websockets: %v\n%s", err, out)
		}
	})
	t.Run("net/http Hijacker", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			up.Accept(w, r, echo{})
		}))
		defer srv.Close()
		url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/echo"
		out, err := exec.CommandContext(ctx, py, "-c", pythonClient, url).CombinedOutput()
		if err != nil || string(out) != "ok\n" {
			t.Fatalf("python3-websockets: %v\n%s", err, out)
		}
	})
}
