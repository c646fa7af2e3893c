package http1_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/shio-rt/shio/http1"
)

func TestManyConnectionsConcurrently(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		addr := serve(t, &http1.Server{Handler: http.HandlerFunc(hello)})
		var wg sync.WaitGroup
		for range 64 {
			c := dial(t, addr)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
					res, err := http.ReadResponse(c.br, nil)
					if err != nil {
						t.Error(err)
						return
					}
					buf := make([]byte, 13)
					if _, err := res.Body.Read(buf); err != nil && string(buf) != "Hello, World!" {
						t.Error(err)
						return
					}
					res.Body.Close()
				}
			}()
		}
		wg.Wait()
	})
}
