#!/usr/bin/env bash
# strip.sh DIR: removes the collector's hooks from the shio source tree in
# DIR (a copy: it edits in place), making "a build without the feature" for
# the overhead table of docs/observability.md: the task record inside each
# task and its calls (spawn, start, finish, Join's park), the request tasks
# and request arrival times of http1, the reactor's per-connection byte
# counters and loop-pass histogram. internal/obs itself stays (task IDs come
# from it); nothing on the measured paths calls it. It checks that the tree
# builds and that no hook is left on those paths.
set -euo pipefail
D=$1
cd "$D"
# task: the record field and its calls; a nil record where one was taken.
perl -0pi -e 's/\n\trec +obs\.Task[^\n]*//g; s/\n\t+case obs\.Key:\n\t+return c\.rec\.Recorded\(\)//g; s/\n\t+c(\.ctx)?\.rec\.Init\([^\n]*//g;
  s/(h|m|c\.ctx)\.rec\.Recorded\(\)/nilRecord()/g; s/obs\.ParkJoin\(ctx, uint64\(h\.info\.ID\)\)/(*obs.Task)(nil)/g;
  s/obs\.Park\(s\.ctx, obs\.KindScope, s\)/(*obs.Task)(nil)/g; s/if obs\.Current\(\) == obs\.Off \{/if true {/g' \
  task/core.go task/id.go task/handle.go task/scope.go task/set.go
printf '\n// nilRecord stands for the record a task had (strip.sh).\nfunc nilRecord() *obs.Task { return nil }\n' >>task/core.go
# http1: no request task, no arrival time.
perl -0pi -e 's/(func beginTask\(ctx \*requestContext, at int64\) \{)\n.*?\n\}/$1}/s; s/(func endTask\(ctx \*requestContext\) \{)\n.*?\n\}/$1}/s' http1/describe.go
perl -0pi -e 's/\n\t+rc\.reqAt = obs\.At\([^\n]*//g' http1/rconn.go http1/reactorhandler.go
perl -0pi -e 's/\n\t+t\.reqAt = obs\.At\([^\n]*//g' http1/netconn.go
perl -0pi -e 's/\n\tcase c\.task\.Recorded\(\) != nil && key == obs\.Key\{\}:\n\t\treturn &c\.task//' http1/reqctx.go
# reactor: no byte counts per connection, no pass-time histogram.
perl -0pi -e 's/\n\t+c\.bytes(In|Out)\.Add\([^\n]*//g; s/\n\t+l\.stats\.passTimes\.Observe\([^\n]*//g' reactor/*_linux.go
# Imports the edits left unused stay used.
for f in task/id.go task/handle.go task/scope.go task/set.go http1/describe.go http1/rconn.go http1/reactorhandler.go http1/reqctx.go http1/netconn.go; do
  grep -q '"github.com/shio-rt/shio/internal/obs"' "$f" && echo 'var _ = obs.Now' >>"$f"
done
if grep -nE 'rec\.(Init|Recorded)|obs\.Park|bytes(In|Out)\.Add|passTimes\.Observe|\.Begin\(|obs\.Key\{\}|reqAt = obs' task/*.go http1/*.go reactor/*_linux.go | grep -v _test.go; then
  echo "strip.sh: hooks left (above)" >&2; exit 1
fi
go build ./... && go vet ./task ./http1 ./reactor >/dev/null
