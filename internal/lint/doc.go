// Package lint holds no code: its tests enforce the repository's house rules.
//
// The rules, from the design's layering and the style guide:
//
//   - A package imports shio packages only from its own layer or below
//     (L0 internal, L1 task and sync, L2 stream, L3 reactor, L4 protocols,
//     L5 programs), so L1 and L2 never reach the reactor, tcp or http1.
//   - Internal packages never import public ones.
//   - Library code has no //go:norace directive, no untyped sync/atomic
//     function calls (use atomic.Int64 and friends), and never logs or
//     prints: no "log" import and no fmt.Print calls.
//   - Every package with tests verifies goroutine leaks in its TestMain.
package lint
