package http1_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

// TestFileBodiesArriveWhole serves a file through http.FileServer (whole,
// and a range), io.Copy with and without a Content-Length, and io.CopyN
// from an offset: every byte arrives in order on every path, whichever
// way (sendfile or copy) the server sends it.
func TestFileBodiesArriveWhole(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 3<<20+12345)
	rand.Read(data)
	name := filepath.Join(dir, "f.bin")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	forEachPath(t, func(t *testing.T) {
		var copynPos atomic.Int64
		mux := http.NewServeMux()
		mux.Handle("/files/", http.StripPrefix("/files", http.FileServer(http.Dir(dir))))
		mux.HandleFunc("/copy", func(w http.ResponseWriter, r *http.Request) {
			f, _ := os.Open(name)
			defer f.Close()
			if r.URL.Query().Get("cl") != "" {
				w.Header().Set("Content-Length", strconv.Itoa(len(data)))
				w.Header().Set("Content-Type", "application/octet-stream")
			}
			io.Copy(w, f)
		})
		mux.HandleFunc("/copyn", func(w http.ResponseWriter, r *http.Request) {
			f, _ := os.Open(name)
			defer f.Close()
			f.Seek(1000, io.SeekStart)
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", "500000")
			io.CopyN(w, f, 500000)
			pos, _ := f.Seek(0, io.SeekCurrent)
			copynPos.Store(pos) // io.CopyN leaves the file after what it copied
		})
		c := dial(t, serve(t, &http1.Server{Handler: mux}))
		for _, tc := range []struct {
			req  string
			want []byte
		}{
			// /copyn first: the requests after it follow its Handler's end.
			{"GET /copyn HTTP/1.1\r\nHost: x\r\n\r\n", data[1000:501000]},
			{"GET /files/f.bin HTTP/1.1\r\nHost: x\r\n\r\n", data},
			{"GET /files/f.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=100-200099\r\n\r\n", data[100:200100]},
			{"GET /copy?cl=1 HTTP/1.1\r\nHost: x\r\n\r\n", data},
			{"GET /copy HTTP/1.1\r\nHost: x\r\n\r\n", data},
		} {
			c.conn.SetDeadline(time.Now().Add(10 * time.Second))
			c.send(tc.req)
			res, body := c.response("GET")
			if res.StatusCode/100 != 2 || !bytes.Equal([]byte(body), tc.want) {
				t.Fatalf("%q: %d, %d bytes (want %d), equal %v", tc.req, res.StatusCode, len(body), len(tc.want), bytes.Equal([]byte(body), tc.want))
			}
		}
		if pos := copynPos.Load(); pos != 501000 {
			t.Fatalf("file position after io.CopyN(w, f, 500000) from 1000: %d, want 501000", pos)
		}
	})
}

// TestSendFileToASlowReaderTimesOut: a file body to a client that stops
// reading fails the Handler's copy by WriteTimeout, as Write does.
func TestSendFileToASlowReaderTimesOut(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "big")
	if err := os.WriteFile(name, make([]byte, 64<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	forEachPath(t, func(t *testing.T) {
		errs := make(chan error, 1)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f, _ := os.Open(name)
			defer f.Close()
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", fmt.Sprint(64<<20))
			_, err := io.Copy(w, f)
			errs <- err
		})
		c := dial(t, serve(t, &http1.Server{Handler: h, WriteTimeout: 300 * time.Millisecond}))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		select {
		case err := <-errs:
			if err == nil {
				t.Fatal("64 MiB copied to a client that reads nothing")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the copy to a client that reads nothing was still blocked after 10s")
		}
	})
}
