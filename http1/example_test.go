package http1_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/shio-rt/shio/http1"
)

func ExampleServer() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Hello, World!")
	})
	srv := &http1.Server{Handler: mux} // the zero value has safe timeouts and limits
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	res, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.Status, string(body))

	http.DefaultClient.CloseIdleConnections()
	fmt.Println(srv.Shutdown(context.Background()), <-done)
	// Output:
	// 200 OK Hello, World!
	// <nil> http: Server closed
}
