//go:build linux && !reactor_portable

package reactor_test

const portable = false
