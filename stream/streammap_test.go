package stream_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/stream"
)

func TestStreamMapYieldsKeyedValuesAndDropsEndedStreams(t *testing.T) {
	var m stream.StreamMap[string, int]
	defer m.Close()
	m.Insert("a", stream.FromSlice([]int{1, 2}))
	m.Insert("b", stream.FromSlice([]int{10}))
	got := map[string][]int{}
	for {
		e, err := m.Next(t.Context())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[e.Key] = append(got[e.Key], e.Value)
	}
	if !slices.Equal(got["a"], []int{1, 2}) || !slices.Equal(got["b"], []int{10}) || m.Len() != 0 {
		t.Errorf("got %v, Len %d", got, m.Len())
	}
	// io.EOF from an empty map does not end it.
	m.Insert("c", stream.FromSlice([]int{5}))
	if e, err := m.Next(t.Context()); err != nil || e.Key != "c" || e.Value != 5 {
		t.Errorf("after re-insert: %+v, %v", e, err)
	}
}

func TestStreamMapFailedStreamIsReportedAndRemoved(t *testing.T) {
	var m stream.StreamMap[int, int]
	defer m.Close()
	m.Insert(1, &counter{fail: 1})
	m.Insert(2, stream.Take[int](&counter{}, 50))
	var ke *stream.KeyError[int]
	n := 0
	for {
		_, err := m.Next(t.Context())
		if err == io.EOF {
			break
		}
		if errors.As(err, &ke) {
			if ke.Key != 1 || !errors.Is(err, errBoom) {
				t.Errorf("KeyError %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if ke == nil || n != 51 {
		t.Errorf("KeyError %v, %d values; want a KeyError for key 1 and 51 values", ke, n)
	}
}

func TestStreamMapRemoveAndReplaceCloseTheOldStream(t *testing.T) {
	defer leakCheck(t)()
	var m stream.StreamMap[string, int]
	a, b := &counter{}, &blocker{}
	m.Insert("k", a)
	m.Insert("k", b) // replaces a
	if !a.closed.Load() || m.Len() != 1 {
		t.Fatalf("replaced stream closed %v, Len %d", a.closed.Load(), m.Len())
	}
	if !m.Remove("k") || !b.closed.Load() || m.Remove("k") {
		t.Errorf("Remove did not close the stream exactly once")
	}
	c := &counter{}
	m.Insert("x", c)
	m.Close()
	if !c.closed.Load() {
		t.Error("Close did not close the streams")
	}
	d := &counter{}
	m.Insert("y", d)
	if !d.closed.Load() {
		t.Error("Insert into a closed map did not close the stream")
	}
	if _, err := m.Next(t.Context()); !errors.Is(err, stream.ErrClosed) {
		t.Errorf("Next after Close = %v", err)
	}
}

func TestStreamMapNextWakesWhenLastStreamIsRemoved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m stream.StreamMap[int, int]
		m.Insert(1, &blocker{})
		errc := make(chan error)
		go func() {
			_, err := m.Next(t.Context())
			errc <- err
		}()
		time.Sleep(time.Second)
		m.Remove(1)
		if err := <-errc; err != io.EOF {
			t.Errorf("Next = %v, want EOF once the map is empty", err)
		}
		m.Close()
	})
}

// TestStreamMapCancelledNextTakesNothing proves Next's # Cancellation
// paragraph: the value that arrives after a cancelled Next is the next
// call's, and the stream is still in the map.
func TestStreamMapCancelledNextTakesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m stream.StreamMap[string, int]
		defer m.Close()
		m.Insert("slow", delayed(time.Minute, time.Minute))
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		if _, err := m.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Next = %v; want DeadlineExceeded", err)
		}
		if m.Len() != 1 {
			t.Fatalf("Len after a cancelled Next = %d; want 1", m.Len())
		}
		for want := range 2 {
			if e, err := m.Next(t.Context()); err != nil || e.Key != "slow" || e.Value != want {
				t.Fatalf("Next = %+v, %v; want {slow %d}", e, err, want)
			}
		}
	})
}

func TestStreamMapAcceptsInsertsWhileNextWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m stream.StreamMap[int, int]
		defer m.Close()
		m.Insert(1, &blocker{})
		got := make(chan stream.Entry[int, int])
		go func() {
			e, _ := m.Next(t.Context())
			got <- e
		}()
		synctest.Wait()
		m.Insert(2, stream.FromSlice([]int{42}))
		if e := <-got; e.Key != 2 || e.Value != 42 {
			t.Errorf("got %+v, want {2 42}", e)
		}
	})
}

func TestStreamMapServesReadyStreamsInTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m stream.StreamMap[string, int]
		defer m.Close()
		for _, k := range []string{"a", "b", "c"} {
			m.Insert(k, &counter{})
		}
		var got []string
		for range 7 {
			synctest.Wait() // every stream has parked its next value
			e, err := m.Next(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, e.Key)
		}
		if want := []string{"a", "b", "c", "a", "b", "c", "a"}; !slices.Equal(got, want) {
			t.Errorf("served %v, want %v", got, want)
		}
	})
}
