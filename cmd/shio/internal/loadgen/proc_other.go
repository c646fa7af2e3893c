//go:build !linux

package loadgen

import "errors"

var errNoProc = errors.New("loadgen: process sampling needs Linux's /proc")

// ReadProc samples process pid's resident memory and CPU time from Linux's
// /proc; on other systems it returns an error.
func ReadProc(pid int) (ProcSample, error) { return ProcSample{}, errNoProc }

// raiseFileLimit reports no limit where it cannot be read.
func raiseFileLimit() (uint64, error) { return 1 << 62, nil }
