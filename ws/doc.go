// Package ws speaks WebSocket (RFC 6455) on shio's reactor: a connection
// that an HTTP Upgrade request opened becomes a WebSocket connection on the
// same event loop, with no goroutine and no copy, and while idle it holds
// neither a goroutine nor a buffer: 900–990 bytes of a server's memory
// per idle connection at 19,000 (about 500 live — a 144-byte Conn, the
// reactor's connection, a timer slot — and the garbage-collected heap's
// headroom over each handshake's garbage; bench/ws).
//
// # Serving
//
// An [Upgrader] answers the opening handshake inside an http.Handler served
// by an http1.Server (or, through http.Hijacker, by any net/http server,
// with a goroutine per connection):
//
//	var up ws.Upgrader
//	http.HandleFunc("/chat", func(w http.ResponseWriter, r *http.Request) {
//		up.Accept(w, r, room) // room implements ws.Handler
//	})
//
// Two ways to read, as in package reactor: the event API ([Handler]:
// OnOpen, OnMessage with the message's bytes valid during the call,
// OnClose), which costs nothing between messages; and [Conn.ReadMessage]
// for blocking code ([Upgrader.Upgrade]), which pauses reading while the
// reader is busy, so a slow reader holds the peer back instead of growing
// memory.
//
// Large messages can be streamed instead of assembled, both ways: a
// [StreamHandler] gets each piece of a message as it arrives (OnFragment),
// [Conn.NextReader] reads one as an io.Reader, and [Conn.NextWriter]
// writes one in 16 KiB fragments as its bytes come; memory stays bounded
// by a read of the socket or a fragment, whatever the message's size.
//
// # Writing
//
// [Conn.WriteMessage] and [Conn.TryWriteMessage] are safe from any
// goroutine and never panic. Each connection's outbound queue is bounded
// by [Config].MaxOutbound; a write that would pass it waits, is dropped,
// or closes the connection (1008 or 1013), as [Config].Overflow says.
// Messages over 64 KiB go out in fragments, between which a pong or a
// close frame may pass. No write waits on the peer: on the epoll reactor
// the queue is the reactor's; on the portable reactor (outside Linux), on
// a client's connection and on one upgraded through http.Hijacker, a
// goroutine of the connection's, running only while bytes are queued,
// writes them out, so a ping, pong or close is queued at once even behind
// a data message stuck on a peer that does not read. A write the peer
// takes nothing of for PongTimeout (CloseTimeout without one) closes the
// connection.
//
// [Config].HandlerTasks runs OnMessage on a goroutine instead of the loop,
// one message at a time, for handlers that block.
//
// # Broadcast
//
// A [PreparedMessage] is encoded once and written to many connections, its
// compressed variant made once too. A [Hub] connects a broadcast channel
// (package broadcast) to a set of connections with one goroutine: every
// message sent on the channel goes to every member, a member whose queue
// is full is skipped instead of waited for, and when it catches up it is
// told how many messages it missed (the channel's lag).
//
// # Clients
//
// [Dial] and [Dialer] open client connections over the same core, served
// by a goroutine per connection (as are connections upgraded under a
// server that is not on the reactor).
//
// # Compression
//
// [Config].Compression negotiates permessage-deflate (RFC 7692): every
// valid offer is accepted, this side never keeps a compression context
// (compressors are pooled), and decompressed messages are bounded by
// MaxMessageSize.
//
// # Protocol
//
// Input is parsed as it arrives, resuming across any split of the bytes;
// frames are checked against the RFC (masking both ways, reserved bits and
// opcodes, control frames at most 125 bytes and never fragmented,
// continuation rules) and the limits ([Config].MaxFrameSize and
// MaxMessageSize, checked from the frame headers before the payload
// arrives); text is validated as UTF-8 incrementally, failing at the first
// invalid byte even inside a fragment. A violation fails the connection
// with 1002, 1007 or 1009. The close handshake is answered, or awaited up
// to [Config].CloseTimeout; close codes are checked (1000-1003, 1007-1014,
// 3000-4999). A server shutting down (reactor.ShutdownHandler) sends
// 1001.
//
// # Keep-alive
//
// A connection silent for [Config].PingInterval is pinged and closed if
// nothing arrives within PongTimeout; the peer's pings are answered on the
// loop. The timers are the reactor's read deadline, set once per interval,
// not per message.
package ws
