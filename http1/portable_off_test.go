//go:build linux && !reactor_portable

package http1_test

// portable reports that the reactor is the portable one (a goroutine per
// connection: reactor's package doc, "Portability").
const portable = false
