package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// shio runs the command line args as main does and returns its exit
// status and what it wrote.
func shio(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(t.Context(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestHelpPrintsUsageAndExitsZero(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, out, errOut := shio(t, args...)
		if code != 0 || !strings.Contains(out, "usage: shio <command>") || errOut != "" {
			t.Errorf("shio %s: exit %d, stdout %q, stderr %q; want 0 and the usage on stdout", strings.Join(args, " "), code, out, errOut)
		}
	}
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "-h"}, {c.name, "--help"}, {c.name, "-help"}, {"help", c.name}} {
			code, out, errOut := shio(t, args...)
			if code != 0 || !strings.Contains(out, "usage: shio "+c.name) || errOut != "" {
				t.Errorf("shio %s: exit %d, stdout %q, stderr %q; want 0 and %s's usage on stdout",
					strings.Join(args, " "), code, out, errOut, c.name)
			}
		}
	}
	// Flags are listed under the synopsis.
	if _, out, _ := shio(t, "serve", "-h"); !strings.Contains(out, "-addr") || !strings.Contains(out, "GET /stats") {
		t.Errorf("shio serve -h does not list --addr and the routes:\n%s", out)
	}
}

func TestBadCommandLineExitsTwoWithUsage(t *testing.T) {
	for _, c := range commands() {
		code, out, errOut := shio(t, c.name, "--no-such-flag")
		if code != 2 || out != "" || !strings.Contains(errOut, "flag provided but not defined: -no-such-flag") ||
			!strings.Contains(errOut, "usage: shio "+c.name) {
			t.Errorf("shio %s --no-such-flag: exit %d, stdout %q, stderr %q; want 2, the error and the usage on stderr",
				c.name, code, out, errOut)
		}
	}
	for _, args := range [][]string{{}, {"nope"}, {"serve", "8080"}, {"version", "x"}, {"bench"}, {"bench", "-c", "0", "http://127.0.0.1:1/"}} {
		if code, _, errOut := shio(t, args...); code != 2 || !strings.Contains(errOut, "usage: shio") {
			t.Errorf("shio %s: exit %d, stderr %q; want 2 and a usage", strings.Join(args, " "), code, errOut)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := shio(t, "version")
	if code != 0 || !strings.HasPrefix(out, "shio ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("shio version: exit %d, %q", code, out)
	}
	goos := runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		bi       *debug.BuildInfo
		override string
		want     string
	}{
		{nil, "", "shio (devel) " + runtime.Version() + " " + goos},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "", "shio (devel) go1.26.0 " + goos},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.3.0"}}, "", "shio v0.3.0 go1.26.0 " + goos},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-20261207012410-211c99004568+dirty"},
			Settings: []debug.BuildSetting{
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "211c990045685e3834b571c4e39758e67c975b36"},
				{Key: "vcs.time", Value: "2026-12-07T01:24:10Z"},
				{Key: "vcs.modified", Value: "true"},
			}}, "",
			"shio v0.0.0-20261207012410-211c99004568+dirty (commit 211c99004568, 2026-12-07T01:24:10Z, modified) go1.26.0 " + goos},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "211c990045685e38"}, {Key: "vcs.modified", Value: "false"}}}, "",
			"shio (devel) (commit 211c99004568) go1.26.0 " + goos},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "v1.0.0-rc1", "shio v1.0.0-rc1 go1.26.0 " + goos},
	} {
		if got := versionLine(tc.bi, tc.override); got != tc.want {
			t.Errorf("versionLine:\n got %s\nwant %s", got, tc.want)
		}
	}
}

func TestBenchTargetWithoutScheme(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"127.0.0.1:1"}, "type http://127.0.0.1:1/"},
		{[]string{"localhost:8080/x"}, "type http://localhost:8080/x"},
		{[]string{"--echo", "127.0.0.1:7000"}, "type tcp://127.0.0.1:7000"},
		{[]string{"https:///x"}, "names no host"},
		{[]string{"tcp://127.0.0.1:7000"}, "needs --echo"},
		{[]string{"http:///x"}, "names no host"},
	} {
		code, out, errOut := shio(t, append([]string{"bench"}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("shio bench %s: exit %d, stdout %q, stderr %q; want 2 and one line saying %q",
				strings.Join(tc.args, " "), code, out, errOut, tc.want)
		}
	}
}

func TestBenchRefusedConnectionSaidOnce(t *testing.T) {
	addr := freeAddr(t) // nothing listens there now
	for _, args := range [][]string{
		{"-c", "2", "-n", "10", "http://" + addr + "/"},
		{"-c", "2", "-n", "10", "--dialer", "net", "http://" + addr + "/"},
		{"-c", "2", "-n", "10", "--echo", "tcp://" + addr},
		{"--idle", "2", "-d", "1s", "tcp://" + addr},
	} {
		code, out, errOut := shio(t, append([]string{"bench"}, args...)...)
		want := "shio bench: could not connect to " + addr + ": connection refused (is a server listening there?)\n"
		if code != 1 || out != "" || errOut != want {
			t.Errorf("shio bench %s:\nexit %d\nstdout %q\nstderr %q\nwant exit 1, nothing on stdout and stderr %q",
				strings.Join(args, " "), code, out, errOut, want)
		}
	}
	// With --json the document still comes, error included.
	code, out, errOut := shio(t, "bench", "-c", "2", "-n", "10", "--json", "http://"+addr+"/")
	if code != 1 || !strings.Contains(out, `"error": "loadgen: no connection could be made`) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("shio bench --json: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// httpServer serves h on loopback until the test ends.
func httpServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return "http://" + ln.Addr().String()
}

func TestBenchFailsWhenNoRequestSucceeds(t *testing.T) {
	n := 0
	url := httpServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte("ok"))
		case "/mixed":
			n++ // requests on one connection (-c 1) run one at a time
			if n%2 == 0 {
				http.Error(w, "boom", http.StatusInternalServerError)
				return
			}
			http.NotFound(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/missing", 1, "shio bench: no request succeeded: every response was 404 Not Found\n"},
		{"/mixed", 1, "shio bench: no request succeeded: the responses were 404 ×10, 500 ×10\n"},
		{"/ok", 0, ""},
	} {
		code, out, errOut := shio(t, "bench", "-c", "1", "-n", "20", url+tc.path)
		if code != tc.code || errOut != tc.want || !strings.Contains(out, "requests   20 in") {
			t.Errorf("shio bench %s:\nexit %d, want %d\nstderr %q\nwant   %q\nstdout:\n%s", tc.path, code, tc.code, errOut, tc.want, out)
		}
	}
}

// A server that closes every connection before answering: no request
// succeeds and the errors are counted, once.
func TestBenchFailsWhenEveryRequestErrs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	code, _, errOut := shio(t, "bench", "-c", "1", "-n", "5", "-d", "2s", fmt.Sprintf("http://%s/", ln.Addr()))
	if code != 1 || !strings.HasPrefix(errOut, "shio bench: no request succeeded: ") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 1 and one line", code, errOut)
	}
}
