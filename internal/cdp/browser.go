package cdp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
)

// Find returns the path of a Chromium (or Chrome) binary on the PATH, or ""
// if there is none.
func Find() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// A Browser is a headless Chromium started by [Start]; Close ends it.
type Browser struct {
	cmd     *exec.Cmd
	host    string        // its DevTools server, host:port
	drained chan struct{} // closed when its stderr is read to the end
}

var listening = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// Start starts bin headless on about:blank, with its DevTools server on a
// loopback port of its choosing and its profile in userDataDir, adding
// args (a --window-size, say), and returns once the DevTools server
// listens. The browser is killed when ctx ends.
//
// # Cancellation
//
// If ctx ends before the DevTools server listens, Start kills the browser
// and returns ctx.Err().
func Start(ctx context.Context, bin, userDataDir string, args ...string) (*Browser, error) {
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "--user-data-dir=" + userDataDir}, args...)
	cmd := exec.CommandContext(ctx, bin, append(args, "about:blank")...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b := &Browser{cmd: cmd, drained: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		defer close(b.drained)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr) // a line too long for the scanner
	}()
	select {
	case u := <-found:
		b.host = strings.Split(strings.TrimPrefix(u, "ws://"), "/")[0]
		return b, nil
	case <-b.drained:
		b.Close()
		return nil, errors.New("cdp: Chromium exited before its DevTools server listened")
	case <-ctx.Done():
		b.Close()
		return nil, ctx.Err()
	}
}

// PageURL returns the DevTools WebSocket URL of the browser's page.
//
// # Cancellation
//
// If ctx ends first, PageURL returns ctx.Err().
func (b *Browser) PageURL(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+b.host+"/json/list", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var targets []struct{ Type, WebSocketDebuggerURL string }
	if err := json.NewDecoder(resp.Body).Decode(&targets); err != nil {
		return "", err
	}
	for _, t := range targets {
		if t.Type == "page" {
			return t.WebSocketDebuggerURL, nil
		}
	}
	return "", fmt.Errorf("cdp: no page target in %+v", targets)
}

// Close kills the browser and waits for it to exit.
func (b *Browser) Close() error {
	b.cmd.Process.Kill()
	<-b.drained
	b.cmd.Wait()
	return nil
}
