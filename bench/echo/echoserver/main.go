// Command echoserver runs one TCP echo server implementation for the
// side-by-side comparison in bench/echo/run.sh:
//
//	echoserver -impl shio|gnet|nbio|goroutine -addr 127.0.0.1:7000
//
// It prints "ready" on stdout once listening and exits on SIGINT/SIGTERM.
// SHIO_REUSEPORT=1 gives shio one SO_REUSEPORT listener per loop;
// ECHO_CPUPROFILE=file writes a CPU profile.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/shio-rt/shio/bench/echo"
)

func main() {
	impl := flag.String("impl", "shio", "shio, gnet, nbio or goroutine")
	addr := flag.String("addr", "127.0.0.1:7000", "listen address")
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if path := os.Getenv("ECHO_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	stop, err := echo.Start(*impl, *addr, os.Getenv("SHIO_REUSEPORT") == "1")
	if err != nil {
		fmt.Fprintln(os.Stderr, "echoserver:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	<-ctx.Done()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "echoserver:", err)
	}
}
