package natsbridge_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/natsbridge"
	"github.com/shio-rt/shio/stream"
)

// The fault tests kill a real consumer process: the test binary runs itself
// again with childEnv set, and TestMain hands control to runChild.
const childEnv = "NATSBRIDGE_TEST_CHILD"

// runChild runs the child named by $NATSBRIDGE_TEST_CHILD.
func runChild() int {
	if os.Getenv(childEnv) == "broadcast" {
		return runBroadcastChild()
	}
	return runConsumerChild()
}

// runConsumerChild runs the pipeline IN → +1000 → OUT against the server at
// $NATS_URL, prints "ready" once it has taken $CHILD_TAKE messages, and
// then hangs mid-batch, with messages taken and neither acknowledged nor
// published, until its parent kills it.
func runConsumerChild() int {
	take, _ := strconv.Atoi(os.Getenv("CHILD_TAKE"))
	nc, err := nats.Connect(os.Getenv("NATS_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx := context.Background()
	js, _ := jetstream.New(nc)
	cons, err := js.Consumer(ctx, "IN", "c")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	pub, err := natsbridge.NewPublisher(nc, natsbridge.PublisherConfig[int]{Subject: "OUT.y"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	n := 0
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{Batch: 50})
	s := stream.Map(src, func(m *natsbridge.Message[int]) *natsbridge.Message[int] {
		if n++; n == take {
			fmt.Println("ready")
			select {} // hang mid-batch until killed
		}
		return natsbridge.Carry(m, m.Value+1000)
	})
	err = pub.PublishAll(ctx, s)
	fmt.Fprintln(os.Stderr, "child pipeline ended:", err)
	return 1
}

// startChild starts the consumer process and waits until it is mid-batch.
func startChild(t *testing.T, url string, take int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=consume", "NATS_URL="+url, "CHILD_TAKE="+strconv.Itoa(take))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line == "ready\n"
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("child ended before it was ready")
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("child not ready in time")
	}
	return cmd
}
