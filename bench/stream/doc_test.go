// Package stream_test compares shio's stream and timer packages with what
// Go programs use instead: a hand-written goroutine-and-channel pipeline,
// a plain loop, errgroup with SetLimit, and one time.AfterFunc per key.
//
//	cd bench && go test -run '^$' -bench . -benchmem -benchtime=200ms -count=3 ./stream/
package stream_test
