// Package natsbridge carries shio's streams and channels across processes
// over NATS and its persistence layer, JetStream.
//
//   - [Source] is a [stream.Stream] fed by a JetStream pull consumer. It
//     pulls only as fast as the pipeline asks (a slow pipeline is
//     backpressure, not memory), and each [Message] is acknowledged only
//     when the pipeline says it is done with it: at-least-once delivery.
//     [TryMap] runs a stage that may fail: a failure naks the message with
//     a delay, a [Poison] error terminates it, and [Message.Delivered]
//     shows how often it came.
//   - [Publisher] publishes values with asynchronous acknowledgements, a
//     bound on the messages in flight and message IDs for JetStream's
//     de-duplication window; [Publisher.PublishAll] is the sink of a
//     Source → stages → JetStream pipeline, acknowledging each source
//     message once its result is stored.
//   - [Queue] is an mpsc-shaped work queue over a work-queue stream:
//     senders in any process, competing receivers in several.
//   - [Broadcast] mirrors a local [broadcast] channel to a subject, so that
//     every process's receivers see every process's values, a slow
//     receiver still told exactly how many it missed.
//   - [Watch] mirrors a local [watch] channel to a key of a KV bucket: the
//     latest value across processes.
//
// Every constructor takes a *nats.Conn the caller made: URLs, credentials,
// TLS and the reconnect policy are nats.Options, passed through untouched.
// Package embedded runs a server in-process for tests and local runs.
//
// The package is named natsbridge, not nats or jetstream, so that it can
// be imported beside nats.go's own packages (nats, jetstream, micro)
// without renaming any of them.
//
// # Conventions
//
// As in the rest of shio: every call that can block takes a ctx first and
// documents in a Cancellation paragraph what a cancelled call leaves
// behind; configuration is a Config struct whose zero fields have
// documented defaults; every goroutine the package starts is owned by a
// value whose Close waits for it; errors carry the "natsbridge:" prefix.
package natsbridge
