// Package compat_test serves the same handlers — real routers, middleware,
// file servers, proxies, WebSocket libraries — with net/http and with shio's
// http1.Server, and compares what a client sees. See README.md.
package compat_test

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
