// Command hello is the scalable "Hello, World!" web server: a standard
// net/http Handler served by shio's strict HTTP/1.1 server, shut down
// gracefully on Ctrl-C.
//
//	go run ./examples/hello
//	curl http://127.0.0.1:8080/
package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/signal"

	"github.com/shio-rt/shio/http1"
)

func main() {
	srv := &http1.Server{ // zero-value timeouts and limits are safe
		Addr: "127.0.0.1:8080",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "Hello, World!")
		}),
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		panic(err)
	}
}
