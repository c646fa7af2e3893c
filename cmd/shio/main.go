// Command shio is shio's front door: a web server, a TCP echo server and a
// load generator, all on shio's own runtime.
//
//	shio serve [--addr 127.0.0.1:8080]   the scalable "Hello, World!" web server
//	shio echo  [--addr 127.0.0.1:7000]   a TCP echo server on the reactor
//	shio bench URL                       a load generator
//	shio version                         print the version
//
// Every command takes -h for its flags. The exit status is 0 on success
// (and for -h), 1 when the command failed and 2 for a command line it
// cannot run.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: it parses its own flags and runs until ctx ends
// (Ctrl-C or SIGTERM) or its work is done. Its results go to stdout, its
// logs to os.Stderr.
type command struct {
	name  string
	usage string
	run   func(ctx context.Context, args []string, stdout io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP/1.1 web server", runServe},
		{"echo", "run a TCP echo server", runEcho},
		{"bench", "generate load against a server", runBench},
		{"version", "print the version and the commit it was built from", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: shio <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nshio <command> -h describes a command's flags.")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args (without the program name) and returns
// the exit status: 0 on success and for -h (usage on stdout), 1 when the
// command failed, 2 for a command line it cannot run (usage on stderr).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name, args := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) == 0 {
			usage(stdout)
			return 0
		}
		name, args = args[0], []string{"-h"} // shio help serve
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, args, stdout)
		var ue *usageError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ue) && errors.Is(ue.err, flag.ErrHelp):
			io.WriteString(stdout, ue.usage)
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "shio %s: %v\n%s", name, ue.err, ue.usage)
			return 2
		}
		fmt.Fprintf(stderr, "shio %s: %v\n", name, err)
		return 1
	}
	fmt.Fprintf(stderr, "shio: unknown command %q\n", name)
	usage(stderr)
	return 2
}

// usageError is a command line a command cannot run, or a request for
// help (err is flag.ErrHelp); usage is the command's usage text.
type usageError struct {
	err   error
	usage string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// newFlagSet returns a flag set for the command name whose usage text is
// synopsis, then the flags.
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), synopsis)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(fs.Output(), "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args with fs. A bad flag, or -h, is returned as a
// *usageError holding fs's usage, for run to print; the flag package
// itself prints nothing.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if err == nil {
		return nil
	}
	return usageErr(fs, err)
}

// usageErr returns err as a *usageError with fs's usage text.
func usageErr(fs *flag.FlagSet, err error) error {
	var b bytes.Buffer
	fs.SetOutput(&b)
	fs.Usage()
	fs.SetOutput(io.Discard)
	return &usageError{err: err, usage: b.String()}
}
