package loadgen

import (
	"context"
	"net"
)

// Dialer opens a connection to addr ("host:port"). It must return promptly
// once ctx is done. [NetDial] is the standard library's; `shio bench` also
// passes shio's tcp.Dial.
type Dialer func(ctx context.Context, addr string) (net.Conn, error)

// NetDial dials TCP with the standard library's net.Dialer.
func NetDial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}
