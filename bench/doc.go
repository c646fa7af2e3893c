// Package bench holds shio's side-by-side benchmarks against its peers
// (golang.org/x/sync, sourcegraph/conc, fasthttp, gnet, nbio). It is a
// separate module so that users of shio never download the peers.
//
// Each subdirectory compares one shio package with its peers in one run:
//
//	cd bench && go test -bench . -benchmem ./...
package bench
