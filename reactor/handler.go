package reactor

// Handler receives a connection's events. The Handler given to [New]
// serves every connection of a [Reactor] until [Conn.Handoff] gives a
// connection a handler of its own; per-connection state goes in
// [Conn.Attach] or in such a handler.
//
// Callbacks for one connection are never concurrent with each other and
// run on the connection's loop goroutine: they must return quickly and
// never block (hand slow work to a goroutine and write from there).
type Handler interface {
	// OnOpen is called once when the connection is established, before
	// any OnData.
	OnOpen(c *Conn)

	// OnData is called with bytes read from the connection, preceded by
	// any bytes an earlier call left unconsumed. It returns how many bytes
	// of data it consumed, between 0 and len(data); the rest is kept and
	// presented again. data is valid only during the call.
	OnData(c *Conn, data []byte) (consumed int)

	// OnClose is called once when the connection is closed, by either side
	// or by a deadline. err is nil after a clean close, or says why:
	// [ErrIdleTimeout], a reset from the peer, [ErrReactorClosed], ...
	OnClose(c *Conn, err error)
}

// EOFHandler is implemented by handlers that want to keep writing after
// the peer has closed its side (half-close). Without it, a connection
// whose peer sends FIN is closed as soon as its outbound queue drains.
// With it, OnEOF is called instead and the handler calls [Conn.Close] when
// it is done.
type EOFHandler interface {
	OnEOF(c *Conn)
}

// DrainHandler is implemented by handlers that want to know when a
// connection's outbound queue has emptied after a write had to be queued,
// or after [Conn.Buffered] reported bytes: a writer that saw a non-zero
// Buffered can wait for OnDrain. OnDrain runs on the loop goroutine.
type DrainHandler interface {
	OnDrain(c *Conn)
}

// ShutdownHandler is implemented by handlers that take part in
// [Reactor.Shutdown]: OnShutdown is called once for every open connection
// when shutdown begins, and the handler closes each when it is finished
// with it. Without it, shutdown processes the bytes that have already
// arrived, flushes the queue and closes each connection itself.
type ShutdownHandler interface {
	OnShutdown(c *Conn)
}

// ReadTimeoutHandler is implemented by handlers that decide what a passed
// read deadline means. It is the general mechanism for a protocol whose
// read deadline is a policy rather than a verdict: an HTTP server whose
// idle deadline passes while it is still answering a request keeps the
// connection, a protocol with keep-alive pings may send one and set a new
// deadline, where a read that is really overdue should close.
//
// OnReadTimeout runs on the loop, like any callback, when the deadline set
// with [Conn.SetReadDeadline] passes; the deadline is cleared before the
// call. Returning true keeps the connection open (the handler may set a
// new deadline meanwhile); returning false closes it with
// [ErrReadTimeout], as without the interface. The reactor's own idle
// timeout ([Config.IdleTimeout]) and the linger after Close are not
// offered to it.
type ReadTimeoutHandler interface {
	OnReadTimeout(c *Conn) (keep bool)
}
