package natsbridge_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shio-rt/shio/natsbridge"
)

func TestPublishRetriedWithTheSameIDIsStoredOnce(t *testing.T) {
	e := start(t)
	e.stream(t, "OUT", time.Minute)
	ctx := testCtx(t)
	pub, err := natsbridge.NewPublisher(e.nc, natsbridge.PublisherConfig[int]{Subject: "OUT.y"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	// Each value is published three times, as retries after lost
	// acknowledgements would; with its ID, each is stored once.
	for attempt := range 3 {
		for i := range 50 {
			if err := pub.Publish(ctx, natsbridge.NewMessage("", i, fmt.Sprintf("v-%d", i))); err != nil {
				t.Fatal(attempt, err)
			}
		}
	}
	if err := pub.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := e.stored(t, "OUT")
	if len(got) != 50 {
		t.Fatalf("%d distinct values stored, want 50", len(got))
	}
	for v, n := range got {
		if n != 1 {
			t.Fatalf("value %d stored %d times", v, n)
		}
	}
}

func TestPublishCancelledWhileWaitingForASlotPublishesNothing(t *testing.T) {
	e := start(t)
	e.stream(t, "OUT", time.Minute)
	ctx := testCtx(t)
	pub, err := natsbridge.NewPublisher(e.nc, natsbridge.PublisherConfig[int]{Subject: "OUT.y", MaxInFlight: 1, AckTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	e.srv.Stop() // the first message's acknowledgement cannot come
	if err := pub.Publish(ctx, natsbridge.NewMessage("", 1, "a")); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := pub.Publish(short, natsbridge.NewMessage("", 2, "b")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Publish with no free slot = %v, want DeadlineExceeded", err)
	}
	if err := pub.Flush(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush during the outage = %v, want DeadlineExceeded", err)
	}
	if err := e.srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := pub.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.stored(t, "OUT"); fmt.Sprint(got) != "map[1:1]" {
		t.Fatalf("stored %v, want only the first message", got)
	}
}

// TestPublishDuringOutageIsBoundedAndReportsEveryLoss takes the server away
// while a producer publishes: Publish stops accepting after MaxInFlight
// messages, the failures come back as *PublishError, and every accepted
// message is either stored or reported.
func TestPublishDuringOutageIsBoundedAndReportsEveryLoss(t *testing.T) {
	e := start(t)
	e.stream(t, "OUT", time.Minute)
	ctx := testCtx(t)
	const inFlight = 8
	pub, err := natsbridge.NewPublisher(e.nc, natsbridge.PublisherConfig[int]{
		Subject: "OUT.y", MaxInFlight: inFlight, AckTimeout: 100 * time.Millisecond, Attempts: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	for i := range 10 {
		if err := pub.Publish(ctx, natsbridge.NewMessage("", i, fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	e.srv.Stop()
	accepted := []int{}
	var stopErr error
	for i := 10; i < 1000; i++ {
		if stopErr = pub.Publish(ctx, natsbridge.NewMessage("", i, fmt.Sprint(i))); stopErr != nil {
			break
		}
		accepted = append(accepted, i)
	}
	var perr *natsbridge.PublishError
	if !errors.As(stopErr, &perr) {
		t.Fatalf("Publish during the outage ended with %v, want a *PublishError", stopErr)
	}
	flushErr := pub.Flush(ctx)
	reported := map[string]bool{}
	for _, err := range flushErr.(interface{ Unwrap() []error }).Unwrap() {
		if errors.As(err, &perr) {
			reported[perr.ID] = true
		}
	}
	if err := e.srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// Publishing works again after the Flush that reported the failures.
	if err := pub.Publish(ctx, natsbridge.NewMessage("", 5000, "5000")); err != nil {
		t.Fatal(err)
	}
	if err := pub.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	stored := e.stored(t, "OUT")
	lost := 0
	for _, v := range accepted {
		if stored[v] == 0 && !reported[fmt.Sprint(v)] {
			lost++
			t.Errorf("message %d accepted, neither stored nor reported", v)
		}
	}
	t.Logf("outage: %d accepted (bound %d + the one that hit the failure), %d reported failed, %d of them stored anyway, %d lost silently",
		len(accepted), inFlight, len(reported), countStored(stored, accepted), lost)
	if len(accepted) > 2*inFlight {
		t.Fatalf("Publish accepted %d messages during the outage; the bound is %d in flight", len(accepted), inFlight)
	}
	for v, n := range stored {
		if n != 1 {
			t.Errorf("value %d stored %d times", v, n)
		}
	}
}

func countStored(stored map[int]int, vs []int) int {
	n := 0
	for _, v := range vs {
		if stored[v] > 0 {
			n++
		}
	}
	return n
}

func TestPublisherCloseIsIdempotentAndPublishThenFails(t *testing.T) {
	e := start(t)
	pub, err := natsbridge.NewPublisher(e.nc, natsbridge.PublisherConfig[int]{Subject: "x"})
	if err != nil {
		t.Fatal(err)
	}
	pub.Close()
	pub.Close()
	if err := pub.Publish(testCtx(t), natsbridge.NewMessage("", 1, "")); err != natsbridge.ErrClosed {
		t.Fatalf("Publish after Close = %v", err)
	}
}
