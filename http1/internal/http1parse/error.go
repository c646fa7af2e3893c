package http1parse

import "errors"

// ErrIncomplete reports that the bytes given so far hold no complete request
// head (or chunk framing). Call again with the same bytes plus more.
var ErrIncomplete = errors.New("http1parse: incomplete message")

// Error is a request the server must refuse. Status is the response status
// (400, 413, 414, 417, 431, 501 or 505) and Reason a short constant
// description. After an Error the connection must be closed: the framing of
// whatever follows is unknown.
//
// The parser returns shared, immutable *Error values, so returning one
// allocates nothing; callers must not modify them.
type Error struct {
	Status int
	Reason string
}

// Error returns "http1parse: <status> <reason>".
func (e *Error) Error() string { return "http1parse: " + itoa(e.Status) + " " + e.Reason }

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func bad(reason string) *Error { return &Error{Status: 400, Reason: reason} }

// The rejections. Each is one shared value so that rejecting allocates nothing.
var (
	errBareLF           = bad("bare LF or CR in message head")
	errRequestLine      = bad("malformed request line")
	errMethod           = bad("malformed method")
	errTarget           = bad("malformed request target")
	errVersion          = bad("malformed HTTP version")
	errFieldName        = bad("malformed field name")
	errSpaceBeforeColon = bad("whitespace between field name and colon")
	errObsFold          = bad("obsolete line folding")
	errFieldValue       = bad("control byte in field value")
	errHost             = bad("missing or repeated Host")
	errHostValue        = bad("malformed Host")
	errContentLength    = bad("malformed or repeated Content-Length")
	errCLAndTE          = bad("both Content-Length and Transfer-Encoding")
	errTENotChunked     = bad("final transfer coding is not chunked")
	errTEInHTTP10       = bad("Transfer-Encoding in an HTTP/1.0 request")
	errTEList           = bad("malformed Transfer-Encoding")
	errChunkSize        = bad("malformed chunk size")
	errChunkExt         = bad("malformed or oversized chunk extension")
	errChunkCRLF        = bad("missing CRLF after chunk data")
	errTrailer          = bad("malformed trailer section")

	errTooLongLine     = &Error{Status: 414, Reason: "request line too long"}
	errTooManyBytes    = &Error{Status: 431, Reason: "header section too large"}
	errTooManyFields   = &Error{Status: 431, Reason: "too many header fields"}
	errTrailerTooLarge = &Error{Status: 431, Reason: "trailer section too large"}
	errExpectation     = &Error{Status: 417, Reason: "unsupported expectation"}
	errCoding          = &Error{Status: 501, Reason: "unsupported transfer coding"}
	errLongMethod      = &Error{Status: 501, Reason: "method longer than any implemented"}
	errHTTPVersion     = &Error{Status: 505, Reason: "HTTP version not supported"}
)
