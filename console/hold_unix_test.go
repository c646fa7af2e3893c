//go:build unix

package console_test

import "syscall"

// connBudget returns how many connections this process can serve beside
// its other descriptors (the listeners, the browser's DevTools connection,
// the console's own connections, pipes): the descriptor limit (which Go
// raises to the hard limit at start) less a reserve of 200.
func connBudget() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 1 << 30
	}
	return int(lim.Cur) - 200
}
