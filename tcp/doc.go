// Package tcp gives the reactor's connections the standard library's
// shape: [Listener] implements net.Listener and [Conn] implements
// net.Conn, deadlines included, for code that prefers blocking reads.
//
// The connections still run on the reactor's event loops; a blocking Read
// parks only the calling goroutine. Unlike the reactor's event API, a Conn
// buffers input that has arrived but not been read (up to 256 KiB, after
// which the reactor stops reading it), so it does not obey the reactor's
// memory rule while data is waiting; the buffer is released whenever Read
// has drained it.
//
// A [Network] is a reactor dedicated to this package: create one with
// [New], then Listen and Dial on it, and Close it when done. The
// package-level [Listen] and [Dial] create a private Network that closes
// itself once its Listener or Conn and every connection it produced have
// been closed.
//
// A protocol server can take a Listener's connections on the event API
// instead of as Conns with [Listener.ServeEvents]; http1.Server.Serve does,
// so that a tcp.Listener is served with no goroutine per idle connection.
//
// [Network.ListenTLS] and [Network.DialTLS] (and the package-level
// [ListenTLS] and [DialTLS]) give Conns that speak TLS on the same loops,
// with a layer of package tlslayer under each: crypto/tls unmodified, a
// goroutine only while a handshake runs.
package tcp
