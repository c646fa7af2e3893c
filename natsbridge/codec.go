package natsbridge

import "encoding/json"

// Codec turns values into message payloads and back. A nil Codec in a
// Config means JSON (encoding/json); for T = []byte use [Bytes], which
// copies nothing.
type Codec[T any] interface {
	Encode(v T) ([]byte, error)
	Decode(data []byte) (T, error)
}

// JSON is the default [Codec]: encoding/json.
type JSON[T any] struct{}

// Encode implements [Codec].
func (JSON[T]) Encode(v T) ([]byte, error) { return json.Marshal(v) }

// Decode implements [Codec].
func (JSON[T]) Decode(data []byte) (T, error) {
	var v T
	err := json.Unmarshal(data, &v)
	return v, err
}

// Bytes is the [Codec] for raw payloads: the value is the payload.
type Bytes struct{}

// Encode implements [Codec].
func (Bytes) Encode(v []byte) ([]byte, error) { return v, nil }

// Decode implements [Codec]. The slice is the message's own buffer.
func (Bytes) Decode(data []byte) ([]byte, error) { return data, nil }

func codecOr[T any](c Codec[T]) Codec[T] {
	if c == nil {
		return JSON[T]{}
	}
	return c
}
