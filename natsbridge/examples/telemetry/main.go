// A telemetry pipeline over NATS JetStream: producers → TELEMETRY →
// windowed aggregation in competing aggregators → WINDOWS → a collector.
// It survives an aggregator killed mid-batch (its readings go to another
// aggregator after AckWait) and a NATS restart (clients reconnect,
// publishers retry with the same message IDs, file storage keeps the rest):
// the collector counts every reading, once.
//
// One process, everything in it (embedded NATS, a producer, two aggregators,
// the collector):
//
//	go run ./examples/telemetry
//
// Across processes, from the natsbridge directory:
//
//	go run ./examples/telemetry -role nats -port 4222          # NATS, embedded, file storage
//	go run ./examples/telemetry -role aggregator -name a1      # two or more of these
//	go run ./examples/telemetry -role aggregator -name a2
//	go run ./examples/telemetry -role collector
//	go run ./examples/telemetry -role producer
//
// Kill an aggregator (kill -9) or restart the nats process while it runs:
// the collector still reaches every reading.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/shio-rt/shio/natsbridge/embedded"
	"github.com/shio-rt/shio/task"
)

var sensors = []string{"boiler", "pump", "valve", "fan"}

func main() {
	role := flag.String("role", "all", "all, nats, producer, aggregator or collector")
	url := flag.String("nats", "nats://127.0.0.1:4222", "NATS URL (roles other than all and nats)")
	port := flag.Int("port", 4222, "loopback port of the embedded NATS (role nats)")
	dir := flag.String("dir", "", "JetStream store directory (role nats; default: a temporary one)")
	name := flag.String("name", "a1", "aggregator name")
	per := flag.Int("n", 250, "readings per sensor")
	window := flag.Int("window", 50, "readings per aggregation batch at most")
	stall := flag.Int("stall-after", 0, "aggregator: hang after taking this many readings (to kill it mid-batch)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *role, *url, *port, *dir, *name, *per, *window, *stall); err != nil {
		fmt.Fprintln(os.Stderr, "telemetry:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, role, url string, port int, dir, name string, per, window, stall int) error {
	want := per * len(sensors)
	switch role {
	case "nats":
		srv, err := embedded.Start(embedded.Config{Port: port, StoreDir: dir})
		if err != nil {
			return err
		}
		defer srv.Close()
		fmt.Fprintln(os.Stderr, "telemetry: NATS at", srv.URL(), "storing in", srv.StoreDir())
		<-ctx.Done()
		return nil
	case "all":
		srv, err := embedded.Start(embedded.Config{})
		if err != nil {
			return err
		}
		defer srv.Close()
		url = srv.URL()
	}
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		return err
	}
	defer nc.Close()
	if err := setup(ctx, nc); err != nil {
		return err
	}
	switch role {
	case "producer":
		return produce(ctx, nc, sensors, per, time.Millisecond)
	case "aggregator":
		return aggregate(ctx, nc, name, window, stall, func() { fmt.Println("stalled") })
	case "collector":
		t, err := collect(ctx, nc, want, printWindow)
		fmt.Printf("collector: %d of %d readings in %d windows (%d repeats dropped)\n", t.Readings, want, t.Windows, t.Repeats)
		return err
	case "all":
		return task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
			actx, stopAggregators := context.WithCancel(ctx)
			for _, a := range []string{"a1", "a2"} {
				s.Go(func(context.Context) error { return aggregate(actx, nc, a, window, 0, nil) })
			}
			s.Go(func(ctx context.Context) error { return produce(ctx, nc, sensors, per, time.Millisecond) })
			t, err := collect(ctx, nc, want, printWindow)
			stopAggregators()
			if err == nil {
				fmt.Printf("collector: %d of %d readings in %d windows (%d repeats dropped)\n", t.Readings, want, t.Windows, t.Repeats)
			}
			return err
		})
	}
	return fmt.Errorf("unknown role %q", role)
}

func printWindow(w Window, t *Totals) {
	fmt.Printf("%-8s by %s: %3d readings, mean %5.2f, min %4.1f, max %4.1f   (total %d)\n",
		w.Sensor, w.By, w.Count, w.Sum/float64(w.Count), w.Min, w.Max, t.Readings)
}
