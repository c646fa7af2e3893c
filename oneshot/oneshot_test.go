package oneshot_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/oneshot"
)

func TestSendThenRecvDeliversTheValue(t *testing.T) {
	tx, rx := oneshot.New[int]()
	if err := tx.Send(42); err != nil {
		t.Fatal(err)
	}
	v, err := rx.Recv(context.Background())
	if err != nil || v != 42 {
		t.Fatalf("Recv = %d, %v; want 42, nil", v, err)
	}
	if _, err := rx.Recv(context.Background()); !errors.Is(err, oneshot.ErrClosed) {
		t.Fatalf("second Recv err = %v; want ErrClosed", err)
	}
}

func TestRecvWaitsForALaterSend(t *testing.T) {
	tx, rx := oneshot.New[string]()
	go func() { _ = tx.Send("late") }()
	v, err := rx.Recv(context.Background())
	if err != nil || v != "late" {
		t.Fatalf("Recv = %q, %v", v, err)
	}
}

func TestSendToClosedReceiverHandsTheValueBack(t *testing.T) {
	tx, rx := oneshot.New[[]byte]()
	rx.Close()
	select {
	case <-tx.Closed():
	default:
		t.Fatal("Closed() not closed after Receiver.Close")
	}
	if !tx.IsClosed() {
		t.Fatal("IsClosed = false")
	}
	buf := []byte("payload")
	err := tx.Send(buf)
	var se *oneshot.SendError[[]byte]
	if !errors.As(err, &se) || string(se.Value) != "payload" {
		t.Fatalf("Send err = %v; want *SendError carrying the value", err)
	}
	if !errors.Is(err, oneshot.ErrClosed) {
		t.Fatalf("errors.Is(%v, ErrClosed) = false", err)
	}
}

func TestSenderCloseWakesReceiverWithErrClosed(t *testing.T) {
	tx, rx := oneshot.New[int]()
	done := make(chan error)
	go func() {
		_, err := rx.Recv(context.Background())
		done <- err
	}()
	tx.Close()
	if err := <-done; !errors.Is(err, oneshot.ErrClosed) {
		t.Fatalf("Recv err = %v; want ErrClosed", err)
	}
	tx.Close() // idempotent
}

func TestTryRecvReportsEmptyValueAndClosed(t *testing.T) {
	tx, rx := oneshot.New[int]()
	if _, err := rx.TryRecv(); !errors.Is(err, oneshot.ErrEmpty) {
		t.Fatalf("TryRecv before send: %v; want ErrEmpty", err)
	}
	_ = tx.Send(7)
	if v, err := rx.TryRecv(); err != nil || v != 7 {
		t.Fatalf("TryRecv = %d, %v", v, err)
	}
	if _, err := rx.TryRecv(); !errors.Is(err, oneshot.ErrClosed) {
		t.Fatalf("TryRecv after take: %v; want ErrClosed", err)
	}
}

func TestValueSentBeforeReceiverCloseIsStillReceivable(t *testing.T) {
	tx, rx := oneshot.New[int]()
	_ = tx.Send(3)
	rx.Close()
	if v, err := rx.TryRecv(); err != nil || v != 3 {
		t.Fatalf("TryRecv = %d, %v; want 3, nil", v, err)
	}
}

func TestSecondSendPanics(t *testing.T) {
	tx, _ := oneshot.New[int]()
	_ = tx.Send(1)
	defer func() {
		if recover() == nil {
			t.Fatal("second Send did not panic")
		}
	}()
	_ = tx.Send(2)
}

// TestCancelledRecvLeavesTheValueForTheNextRecv proves the # Cancellation
// contract of Recv: cancellation consumes nothing.
func TestCancelledRecvLeavesTheValueForTheNextRecv(t *testing.T) {
	tx, rx := oneshot.New[int]()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rx.Recv(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Recv on cancelled ctx: %v", err)
	}
	_ = tx.Send(9)
	// A done ctx with a value present still delivers the value.
	if v, err := rx.Recv(ctx); err != nil || v != 9 {
		t.Fatalf("Recv after send = %d, %v; want 9, nil", v, err)
	}
}

// TestRecvIsDurablyBlockedInSynctest proves that a waiting receiver parks on a
// channel: the bubble's clock advances to the ctx deadline while it waits.
func TestRecvIsDurablyBlockedInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := oneshot.New[int]()
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		start := time.Now()
		_, err := rx.Recv(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Hour {
			t.Fatalf("Recv = %v after %v; want DeadlineExceeded after 1h", err, time.Since(start))
		}
		go func() {
			time.Sleep(time.Minute)
			_ = tx.Send(5)
		}()
		if v, err := rx.Recv(t.Context()); err != nil || v != 5 {
			t.Fatalf("Recv = %d, %v", v, err)
		}
	})
}
