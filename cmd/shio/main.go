// Command shio is shio's front door: a web server, a TCP echo server and a
// load generator, all on shio's own runtime.
//
//	shio serve [--addr 127.0.0.1:8080]   the scalable "Hello, World!" web server
//	shio echo  [--addr 127.0.0.1:7000]   a TCP echo server on the reactor
//	shio bench URL                       a load generator
//	shio version                         print the version
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand: it parses its own flags and runs until ctx ends
// (Ctrl-C or SIGTERM) or its work is done.
type command struct {
	name  string
	usage string
	run   func(ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP/1.1 web server", runServe},
		{"echo", "run a TCP echo server", runEcho},
		{"bench", "generate load against a server", runBench},
		{"version", "print the version", func(context.Context, []string) error {
			fmt.Println("shio", version)
			return nil
		}},
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: shio <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(os.Stderr, "  %-8s %s\n", c.name, c.usage)
	}
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	name, args := os.Args[1], os.Args[2:]
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := c.run(ctx, args)
		stop()
		if err != nil {
			fmt.Fprintf(os.Stderr, "shio %s: %v\n", name, err)
			os.Exit(1)
		}
		return
	}
	if name == "-h" || name == "--help" || name == "help" {
		usage()
		return
	}
	fmt.Fprintf(os.Stderr, "shio: unknown command %q\n", name)
	usage()
	os.Exit(2)
}
