package loadgen_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

func ExampleHTTP() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Hello, World!")
	}))
	defer srv.Close()

	g, err := loadgen.NewHTTP(loadgen.HTTPConfig{URL: srv.URL, Conns: 4, Requests: 1000, Pipeline: 2})
	if err != nil {
		panic(err)
	}
	res, err := g.Run(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Requests, "requests,", res.Status[200], "OK,", res.ErrorCount(), "errors,", res.Latency.Count(), "latencies")
	// Output: 1000 requests, 1000 OK, 0 errors, 1000 latencies
}

func ExampleHistogram() {
	h := loadgen.NewHistogram()
	for i := 1; i <= 100; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	fmt.Println("p50", h.Percentile(50).Round(time.Millisecond), "p99", h.Percentile(99).Round(time.Millisecond), "max", h.Max().Round(time.Millisecond))
	// Output: p50 50ms p99 99ms max 100ms
}

func ExampleReport_WriteText() {
	h := loadgen.NewHistogram()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	res := &loadgen.Result{Elapsed: 2 * time.Second, Conns: 2, Requests: 1000, BytesRead: 120000, BytesWritten: 40000,
		Status: map[int]int64{200: 990, 503: 10}, Latency: h}
	res.Errors[loadgen.KindTruncated] = 3
	rep := res.Report()
	rep.Mode, rep.Target, rep.Loop = "http", "http://127.0.0.1:8080/", "closed"
	rep.WriteText(os.Stdout)
	// Output:
	// http http://127.0.0.1:8080/, closed loop, 2 connections
	//   requests   1000 in 2.00s: 500.0/s; read 117.2 KiB, wrote 39.1 KiB
	//   latency    p50 500µs  p90 900µs  p99 990µs  p99.9 999µs  max 1ms  (min 1µs, mean 500µs)
	//           1µs – 2µs       #                                0.1%  1
	//           2µs – 3.98µs    #                                0.2%  2
	//        3.98µs – 7.94µs    #                                0.4%  4
	//        7.94µs – 15.8µs    #                                0.8%  8
	//        15.8µs – 31.6µs    #                                1.6%  16
	//        31.6µs – 63.1µs    ##                               3.2%  32
	//        63.1µs – 126µs     ####                             6.2%  62
	//         126µs – 251µs     ########                        12.6%  126
	//         251µs – 501µs     ################                25.0%  250
	//         501µs – 1ms       ##############################  49.9%  499
	//   status     200 ×990 503 ×10
	//   errors     closed mid-response 3
}

func ExampleEcho() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go func() { // a TCP echo server
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()

	g, err := loadgen.NewEcho(loadgen.EchoConfig{Addr: ln.Addr().String(), Size: 128, Pipeline: 4, Messages: 500})
	if err != nil {
		panic(err)
	}
	res, err := g.Run(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Requests, "messages,", res.BytesRead, "bytes verified,", res.ErrorCount(), "errors")
	// Output: 500 messages, 64000 bytes verified, 0 errors
}
