package reactor

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawRead and rawWrite are read(2) and write(2) on a connection's
// non-blocking socket, made without the runtime's entersyscall and
// exitsyscall (unix.Read and unix.Write make them), as the runtime's own
// netpoller does: a non-blocking socket call never waits, so the loop's P
// has no reason to be handed to another thread meanwhile. With the
// bookkeeping, a loop pinned to one CPU (GOMAXPROCS=1) lost its P to
// sysmon whenever a call spanned one of its ticks (20 µs: a 4 KiB loopback
// write that wakes the reader does), and got it back through a futex wake
// of another thread on the same CPU; a WebSocket echo spent about a third
// of its server CPU per message on that (bench/ws: 19.9 → 13.2 µs per
// 64-byte message, 20.9 → 13.8 µs per 4 KiB one, six alternated pairs).
// sendfile(2) keeps unix.Sendfile: it reads a file, which may wait for the
// disk. The race detector does not see the kernel's accesses to p.
func rawRead(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	r, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// rawWrite: see rawRead.
func rawWrite(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	r, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// rawWritev is writev(2) of a then b: see rawRead. Neither may be empty.
func rawWritev(fd int, a, b []byte) (int, error) {
	iov := [2]unix.Iovec{{Base: &a[0]}, {Base: &b[0]}}
	iov[0].SetLen(len(a))
	iov[1].SetLen(len(b))
	r, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), 2)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}
