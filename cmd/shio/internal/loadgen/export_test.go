package loadgen

import "net"

// ReadResponse exposes readResponse to the external tests.
var ReadResponse = readResponse

// IdleSource exposes (*Idle).local, the source address of connection i, to
// the external tests.
func IdleSource(g *Idle, i int) *net.TCPAddr { return g.local(i) }
