module github.com/shio-rt/shio/compat

go 1.26.0

replace github.com/shio-rt/shio => ../

require (
	github.com/coder/websocket v1.8.15
	github.com/go-chi/chi/v5 v5.5.0
	github.com/gorilla/websocket v1.5.3
	github.com/shio-rt/shio v0.0.0
	go.uber.org/goleak v1.3.0
)

require golang.org/x/sys v0.50.0 // indirect
