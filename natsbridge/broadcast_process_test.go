package natsbridge_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/shio-rt/shio/natsbridge"
)

const (
	bcastProcs = 3
	bcastEach  = 200
)

// runBroadcastChild is one process of the broadcast test: it subscribes,
// prints "ready", waits for "go" on stdin, sends bcastEach notes, and
// receives until it has every process's notes, checking each publisher's
// order. It prints "ok <received>" or what went wrong.
func runBroadcastChild() int {
	id, _ := strconv.Atoi(os.Getenv("CHILD_ID"))
	nc, err := nats.Connect(os.Getenv("NATS_URL"))
	if err != nil {
		fmt.Println("connect:", err)
		return 1
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, rx, err := natsbridge.NewBroadcast(ctx, nc, natsbridge.BroadcastConfig[note]{Subject: "room", Capacity: 4096})
	if err != nil {
		fmt.Println("bridge:", err)
		return 1
	}
	defer b.Close()
	fmt.Println("ready")
	if line, _ := bufio.NewReader(os.Stdin).ReadString('\n'); line != "go\n" {
		fmt.Println("no go")
		return 1
	}
	for i := range bcastEach {
		if err := b.Send(note{id, i}); err != nil {
			fmt.Println("send:", err)
			return 1
		}
	}
	next := make([]int, bcastProcs)
	for got := 0; got < bcastProcs*bcastEach; got++ {
		v, err := rx.Recv(ctx)
		if err != nil {
			fmt.Printf("after %d: %v\n", got, err)
			return 1
		}
		if v.Seq != next[v.From] {
			fmt.Printf("from %d got seq %d, want %d\n", v.From, v.Seq, next[v.From])
			return 1
		}
		next[v.From]++
	}
	fmt.Println("ok", bcastProcs*bcastEach)
	return 0
}

// TestBroadcastAcrossThreeProcesses: three real processes, each with a
// Broadcast on one subject; each sends 200 values and must receive all
// 600, every publisher's in order.
func TestBroadcastAcrossThreeProcesses(t *testing.T) {
	e := start(t)
	type proc struct {
		cmd   *exec.Cmd
		in    io.WriteCloser
		lines *bufio.Reader
	}
	var ps []proc
	for id := range bcastProcs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=broadcast", "NATS_URL="+e.srv.URL(), "CHILD_ID="+strconv.Itoa(id))
		cmd.Stderr = os.Stderr
		in, _ := cmd.StdinPipe()
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			cmd.Process.Kill()
			cmd.Wait()
		}()
		ps = append(ps, proc{cmd, in, bufio.NewReader(out)})
	}
	// The reads below end when a child exits or is killed; a watchdog
	// bounds the test.
	watchdog := time.AfterFunc(30*time.Second, func() {
		for _, p := range ps {
			p.cmd.Process.Kill()
		}
	})
	defer watchdog.Stop()
	for i, p := range ps {
		if line, _ := p.lines.ReadString('\n'); line != "ready\n" {
			t.Fatalf("process %d: %q, want ready", i, line)
		}
	}
	for _, p := range ps {
		io.WriteString(p.in, "go\n")
	}
	for i, p := range ps {
		line, _ := p.lines.ReadString('\n')
		if !strings.HasPrefix(line, "ok ") {
			t.Errorf("process %d: %q", i, line)
		}
	}
}
