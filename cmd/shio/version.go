package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// version, when set at build time with -ldflags "-X main.version=...",
// replaces the module version read from the build information.
var version string

const versionSynopsis = `usage: shio version

Prints the module version of shio, the commit it was built from and the Go
toolchain. go install ...@version records the version; go build and
go install inside a git checkout record the commit (and a pseudo-version
from it); go run and -buildvcs=false builds record neither: "(devel)".`

// runVersion is `shio version`.
func runVersion(_ context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("version", versionSynopsis)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr(fs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(bi, version))
	return nil
}

// versionLine describes the build bi, as in
//
//	shio v0.3.0 go1.26.0 linux/amd64                       (go install ...@v0.3.0)
//	shio v0.3.1-0.20261207012513-211c990abcde+dirty (commit 211c990abcde, 2026-12-07T01:25:13Z, modified) go1.26.0 linux/amd64
//
// override, if not empty, replaces the module version; bi may be nil.
func versionLine(bi *debug.BuildInfo, override string) string {
	v, goVersion := "(devel)", runtime.Version()
	var rev, at string
	modified := false
	if bi != nil {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if override != "" {
		v = override
	}
	var b strings.Builder
	fmt.Fprintf(&b, "shio %s", v)
	if rev != "" {
		fmt.Fprintf(&b, " (commit %.12s", rev)
		if at != "" {
			b.WriteString(", " + at)
		}
		if modified {
			b.WriteString(", modified")
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, " %s %s/%s", goVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}
