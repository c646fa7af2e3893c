package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/shio-rt/shio/natsbridge/embedded"
	"github.com/shio-rt/shio/task"
)

// The test kills a real aggregator process: the test binary runs itself
// again as one, with this variable set to the NATS URL.
const childEnv = "TELEMETRY_TEST_AGGREGATOR"

func TestMain(m *testing.M) {
	if url := os.Getenv(childEnv); url != "" {
		// An aggregator that hangs mid-batch after 120 readings.
		if err := run(context.Background(), "aggregator", url, 0, "", "doomed", 0, 50, 120); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// TestSurvivesKilledAggregatorAndNATSRestart: an aggregator process is
// killed (SIGKILL) holding a batch it took but never acknowledged, and NATS
// restarts while readings flow; the collector still counts all of them.
func TestSurvivesKilledAggregatorAndNATSRestart(t *testing.T) {
	srv, err := embedded.Start(embedded.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nc, err := nats.Connect(srv.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := setup(ctx, nc); err != nil {
		t.Fatal(err)
	}
	const per = 250
	want := per * len(sensors)

	// The doomed aggregator takes the first readings alone.
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+srv.URL())
	out, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	stalled := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		stalled <- line == "stalled\n"
	}()

	var totals *Totals
	err = task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
		actx, stopAggregator := context.WithCancel(ctx)
		defer stopAggregator()
		s.Go(func(ctx context.Context) error { return produce(ctx, nc, sensors, per, 2*time.Millisecond) })
		select {
		case ok := <-stalled:
			if !ok {
				t.Error("the aggregator process ended before stalling")
			}
		case <-ctx.Done():
		}
		js, _ := jetstream.New(nc)
		cons, _ := js.Consumer(ctx, "TELEMETRY", "aggregators")
		info, _ := cons.Info(ctx)
		child.Process.Kill()
		child.Wait()
		t.Logf("killed the aggregator process mid-batch, holding %d unacknowledged readings", info.NumAckPending)
		if info.NumAckPending == 0 {
			t.Error("the killed aggregator held nothing")
		}
		s.Go(func(context.Context) error { return aggregate(actx, nc, "survivor", 50, 0, nil) })
		restarted := false
		var err error
		totals, err = collect(ctx, nc, want, func(_ Window, tot *Totals) {
			if !restarted && tot.Readings >= want/2 {
				restarted = true
				if err := srv.Restart(); err != nil {
					t.Error(err)
				}
				t.Logf("restarted NATS with %d readings counted", tot.Readings)
			}
		})
		stopAggregator()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("collector: %d of %d readings in %d windows, %d repeats dropped", totals.Readings, want, totals.Windows, totals.Repeats)
	if totals.Readings != want {
		t.Fatalf("%d readings lost", want-totals.Readings)
	}
}
