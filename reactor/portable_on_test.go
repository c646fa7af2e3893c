//go:build !linux || reactor_portable

package reactor_test

// portable reports that the tests run against the portable version.
const portable = true
