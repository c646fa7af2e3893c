// Package http1parse is the strict, incremental HTTP/1.1 request parser
// (RFC 9112) behind package http1.
//
// It parses a request head from whatever bytes have arrived so far and
// resumes where it stopped when more arrive, so a connection driven by "here
// are some bytes" callbacks never rescans a partial head. Parsed values are
// slices of the caller's buffer: the hot path allocates nothing.
//
// The parser rejects whatever could be read two ways by two servers (request
// smuggling): Content-Length with Transfer-Encoding, duplicate or malformed
// lengths, whitespace before a colon, obs-fold, bare CR or LF, control bytes,
// a missing or repeated Host. Every rejection is an [*Error] carrying the
// status to answer with; the connection must be closed after it.
package http1parse
