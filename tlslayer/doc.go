// Package tlslayer runs TLS (crypto/tls, unmodified) as a [reactor.Layer]:
// a TLS connection lives on the reactor's loops like any other, and an
// idle one holds no goroutine.
//
// A [Handshaker] holds a tls.Config and installs the layer on a
// connection from one of its callbacks ([Handshaker.Server] in OnOpen for a
// server, [Handshaker.Client] for a dialled connection). The protocol above
// then sees plaintext in OnData and writes plaintext with
// [reactor.Conn.Write], exactly as without TLS; it calls [Conn.Close] from
// OnClose, and may ask the layer for its [Conn.ConnectionState].
//
// # How crypto/tls is driven
//
// The handshake cannot be resumed once it has stopped for lack of input
// (crypto/tls keeps its first error of any kind), so it runs on a goroutine
// of its own that may block: the loop passes it ciphertext as it arrives.
// A server starts the handshake only once the peer's first record (the
// ClientHello) has arrived whole, and it ends within [Handshaker.Timeout];
// the goroutine then goes back to a small pool of warm ones.
//
// After the handshake the loop drives crypto/tls itself: Input hands it
// the ciphertext one complete record at a time, and when no complete
// record is left the layer's net.Conn returns a temporary net.Error,
// which crypto/tls does not keep (this is undocumented; a test in this
// package fails if a Go release changes it). A trailing partial record
// waits in the layer, so crypto/tls's own buffers hold at most one record.
// A protocol's goroutine that reads a large body calls
// [reactor.Conn.TryRead] with its own buffer, and the layer
// ([Conn.TryInput]) has crypto/tls decrypt straight into it: one readv(2)
// brings the rest of the record crypto/tls holds the start of into
// crypto/tls's record buffer, and the records after it into the caller's
// buffer, ahead of where their plaintext will go (a record's plaintext is
// shorter than its ciphertext); the partial record a read ends in is
// handed to crypto/tls, which then holds one record, as on the loop's
// path. An upload's plaintext is copied once before the handler, as on
// net/http, and a 64 KiB buffer (http1's io.Copy of a body) takes about
// three 16 KiB records per read (net/http about two).
// Writes go, encrypted, to the connection's bounded outbound queue: they
// never "would block" (crypto/tls keeps every write error), and the
// reactor's backpressure and write deadline apply to them.
//
// A graceful close ([reactor.Conn.Close]) sends close_notify first. A
// close_notify from the peer ends the plaintext stream as a FIN does: the
// handler gets OnEOF, or the connection closes gracefully.
//
// # Bad input
//
// A first record that cannot carry a ClientHello (another record type, a
// bad version, empty or longer than 16 KiB) is answered with a fatal alert
// and the connection closed with [ErrNotTLS] ([Handshaker.NotTLS] may send
// another answer: http1 sends net/http's 400 to a plain HTTP request); what
// crypto/tls rejects it
// answers with its own alert. Input during a handshake is bounded by
// [MaxHandshakeInput] (reading pauses at half of it), output written
// before the handshake by [MaxEarlyWrite]. A peer that stalls before its
// first byte is bounded by the protocol's read deadline, one that stalls
// anywhere after it (inside the ClientHello too) by [Handshaker.Timeout].
//
// # Cost
//
// An idle TLS connection holds no goroutine. Its memory is mostly
// crypto/tls's: measured with bench/http/idleclient (19,000 HTTPS
// keep-alive connections to http1 on one loop, TLS 1.3, ECDSA P-256, a Go
// client, heap after a GC), one connection that has served a small request
// holds about 5.8 KB of heap (5,834 bytes in a heap profile): crypto/tls's
// handshake message buffer, grown to the ClientHello (a Go client's carries
// an ML-KEM key share) and never given back (1,536 bytes: the layer cuts the
// ClientHello into records sized so that it grows no larger than the whole
// message would make it); its record buffer (576 bytes: records of at most
// 571 bytes; a whole ClientHello would make it 2,688); AES-GCM state for
// both directions (2 × 896 bytes); the tls.Conn itself (912 bytes), its
// traffic secrets (128) and key exporter (64); the reactor connection (288
// bytes); this layer's Conn (160 bytes, its size class; what only
// the handshake needs is dropped when it ends, and the handshake-done
// channel is made only for a caller that waits for it); and the protocol's
// own state (http1: 224 bytes). RSS is about 1.9 times that (10.6–11.1 KB a
// connection with GOGC=100; 7.4 KB with GOGC=25): the
// garbage collector's headroom over the handshakes' garbage, which is the
// application's setting (GOGC, GOMEMLIMIT), not the library's. After a 64 KiB upload
// in full-size records crypto/tls's record buffer keeps the capacity of a
// whole 16 KiB record (golang/go#43563), which no layer can shrink without
// forking crypto/tls. net/http holds about 17 KB of heap and a goroutine
// (8 KB of stack) per idle HTTPS connection. bench/http/README.md has the
// side-by-side figures and their commands.
//
// A handshake in progress holds a goroutine; at most
// [Handshaker.MaxHandshakes] run at once, and connections past it wait
// for a slot without one.
package tlslayer
