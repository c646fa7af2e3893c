package console_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// holdEnv names the environment variable that makes the test binary a
// holder of client connections (see holdConns): the address to dial.
const holdEnv = "SHIO_CONSOLE_HOLD_ADDR"

// holdConns starts the test binary again as a child process that opens n
// TCP connections to addr and holds them, idle, until cleanup: the clients
// of the connections the browser test shows, in a process of their own so
// that the test's process spends one descriptor per connection, not two.
// It returns once the child holds all n.
func holdConns(t *testing.T, addr string, n int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"="+addr, "SHIO_CONSOLE_HOLD_N="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 10 * time.Second
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close() // the child closes its connections and exits at EOF
		if err := cmd.Wait(); err != nil {
			t.Errorf("the connection holder: %v", err)
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if want := fmt.Sprintf("holding %d\n", n); line != want {
		t.Fatalf("the connection holder said %q (%v), want %q", line, err, want)
	}
}

// holdConnsChild is the child of holdConns: it dials, says "holding N" on
// its stdout, and waits for its stdin to end.
func holdConnsChild(addr string) int {
	n, err := strconv.Atoi(os.Getenv("SHIO_CONSOLE_HOLD_N"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "holder:", err)
		return 2
	}
	cs := make([]net.Conn, 0, n)
	for range n {
		c, err := net.DialTimeout("tcp", addr, 30*time.Second)
		if err != nil {
			fmt.Printf("error after %d connections: %v\n", len(cs), err)
			return 1
		}
		cs = append(cs, c)
	}
	fmt.Printf("holding %d\n", n)
	io.Copy(io.Discard, os.Stdin)
	for _, c := range cs {
		c.Close()
	}
	return 0
}
