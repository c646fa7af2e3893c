package natsbridge_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shio-rt/shio/natsbridge"
	"github.com/shio-rt/shio/watch"
)

type config struct {
	Version int
	Mode    string
}

func TestWatchLatestValueAcrossProcesses(t *testing.T) {
	e := start(t)
	ctx := testCtx(t)
	cfg := natsbridge.WatchConfig[config]{Bucket: "settings", Key: "app", Initial: config{Mode: "default"}}
	w1, rx1, err := natsbridge.OpenWatch(ctx, connect(t, e.srv.URL()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w1.Close()
	w2, rx2, err := natsbridge.OpenWatch(ctx, connect(t, e.srv.URL()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if v := rx2.Load(); v.Mode != "default" {
		t.Fatalf("initial = %+v", v)
	}
	if changed, _ := rx2.HasChanged(); changed {
		t.Fatal("the first receiver must count the initial value as seen")
	}
	for i := 1; i <= 5; i++ {
		if err := w1.Send(ctx, config{Version: i, Mode: "live"}); err != nil {
			t.Fatal(err)
		}
	}
	// Process 2 sees the latest value; intermediate ones may coalesce.
	v, err := rx2.WaitFor(ctx, func(c config) bool { return c.Version == 5 })
	if err != nil || v.Mode != "live" {
		t.Fatalf("WaitFor = %+v, %v", v, err)
	}
	if err := rx1.Changed(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rx1.LoadAndMarkSeen(); got.Version == 0 {
		t.Fatalf("process 1 after Changed = %+v", got)
	}
	// A process that opens later starts from the stored value.
	w3, rx3, err := natsbridge.OpenWatch(ctx, connect(t, e.srv.URL()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if v := rx3.Load(); v.Version != 5 {
		t.Fatalf("late opener starts at %+v, want version 5", v)
	}
	w3.Close()
	if err := rx3.Changed(ctx); err != watch.ErrClosed {
		t.Fatalf("Changed after Close = %v, want watch.ErrClosed", err)
	}
}

func TestWatchSendAndWaitForCancelled(t *testing.T) {
	e := start(t)
	ctx := testCtx(t)
	w, rx, err := natsbridge.OpenWatch(ctx, e.nc, natsbridge.WatchConfig[int]{Bucket: "b", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := w.Send(cancelled, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send with a cancelled ctx = %v", err)
	}
	if _, err := rx.WaitFor(cancelled, func(v int) bool { return v == 99 }); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitFor with a cancelled ctx = %v", err)
	}
	if _, _, err := natsbridge.OpenWatch(cancelled, e.nc, natsbridge.WatchConfig[int]{Bucket: "b", Key: "k"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("OpenWatch with a cancelled ctx = %v", err)
	}
}
