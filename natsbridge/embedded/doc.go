// Package embedded runs a NATS server with JetStream inside the current
// process, for tests and for the examples' default: no external server, no
// port to pick, storage in a temporary directory that is removed on Close.
//
// A [Server] can be stopped and started again on the same port and the same
// store directory ([Server.Stop], [Server.Restart]), so that fault tests can
// take NATS away from running clients and give it back with its file storage
// intact; clients configured to reconnect (nats.go does by default) carry on.
//
// The server listens on loopback only and logs nothing.
package embedded
