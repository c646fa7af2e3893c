package loadgen

import "time"

// Result is what a generator's Run measured. Its fields are final once Run
// has returned.
type Result struct {
	Elapsed      time.Duration
	Conns        int   // connections asked for
	Connects     int64 // successful dials, reconnections included
	Requests     int64 // responses (or echo messages) received in full
	BytesRead    int64
	BytesWritten int64
	// Errors counts errors by Kind; see Kind for what each counts.
	Errors [numKinds]int64
	// ErrorExamples holds the first error message seen of each Kind.
	ErrorExamples [numKinds]string
	// Status counts HTTP responses by status code (HTTP only).
	Status map[int]int64
	// Latency holds one sample per completed request or message.
	Latency *Histogram
}

// ErrorCount returns the number of errors of every Kind.
func (r *Result) ErrorCount() int64 {
	var n int64
	for _, e := range r.Errors {
		n += e
	}
	return n
}

// Rate returns completed requests per second.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}
