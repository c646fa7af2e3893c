// Package cdp drives a headless Chromium from tests over the Chrome
// DevTools Protocol, without a dependency: it starts the browser ([Start]),
// finds its page's DevTools WebSocket ([Browser.PageURL]) and sends
// commands on it ([Client]), recording the errors the page reports
// (exceptions, console.error calls, error log entries).
//
// The protocol runs over a [Transport]: [Dial] is a minimal WebSocket
// client of its own (RFC 6455 text frames, enough for DevTools), for tests
// of something else than a WebSocket client; a test of one passes its own.
//
// It is for tests only (console's and ws's browser tests); Chromium is
// Debian's package, which .ci/run installs.
package cdp
