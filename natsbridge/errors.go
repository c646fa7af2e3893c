package natsbridge

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed is returned by the methods of a closed [Source],
	// [Publisher], [Queue], [Broadcast] or [Watch].
	ErrClosed = errors.New("natsbridge: closed")
	// ErrPoison marks a message that can never be processed: a stage error
	// wrapping it makes [TryMap] terminate the message instead of asking
	// for redelivery. See [Poison].
	ErrPoison = errors.New("natsbridge: poison message")
)

// Poison wraps err so that [TryMap] terminates the message it failed on
// (JetStream's Term) rather than nak it for redelivery: for input that no
// retry will fix. errors.Is(Poison(err), ErrPoison) reports true, and
// errors.Is(Poison(err), err) too.
func Poison(err error) error { return &poisonError{err} }

type poisonError struct{ err error }

func (e *poisonError) Error() string   { return "natsbridge: poison message: " + e.err.Error() }
func (e *poisonError) Unwrap() []error { return []error{ErrPoison, e.err} }

// PublishError reports a message whose storing was not confirmed: every
// attempt failed or was not acknowledged in time. Subject and ID identify
// the message; Err is the last attempt's error. The message may still have
// been stored (during an outage nats.go keeps unsent messages in its
// reconnect buffer and sends them when it reconnects); publishing it again
// with the same ID is safe within the stream's de-duplication window.
type PublishError struct {
	Subject  string
	ID       string
	Attempts int
	Err      error
}

// Error implements the error interface.
func (e *PublishError) Error() string {
	return fmt.Sprintf("natsbridge: publish to %s (id %q) failed after %d attempts: %v", e.Subject, e.ID, e.Attempts, e.Err)
}

// Unwrap returns Err.
func (e *PublishError) Unwrap() error { return e.Err }

// DecodeError is what a [Source] hands to [SourceConfig.OnPoison] for a
// message whose payload its codec could not decode; the message has been
// terminated.
type DecodeError struct {
	Subject string
	Data    []byte
	Err     error
}

// Error implements the error interface.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("natsbridge: cannot decode message on %s: %v", e.Subject, e.Err)
}

// Unwrap returns Err.
func (e *DecodeError) Unwrap() error { return e.Err }
