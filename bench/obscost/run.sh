#!/usr/bin/env bash
# run.sh: the overhead table of docs/observability.md, measured on the
# current tree (HEAD) beside "a build without the feature" (HEAD with the
# collector's hooks removed by strip.sh), alternated.
#
#   bench/obscost/run.sh            # 8 pairs of spawn+join, 5 rounds of hello world
#   PAIRS=6 ROUNDS=3 DURATION=3 bench/obscost/run.sh
#   WHAT=spawn bench/obscost/run.sh # only spawn+join (WHAT=http: only hello world)
#
# spawn+join: task's BenchmarkSpawnJoinLevels (400,000 spawn+join of a task
# that does nothing) at each level, and at "off" in the stripped build
# ("none"), CPU 0 only, one P; the order of the two binaries swapped at
# every pair. Figures: CPU time per op (cpu-ns/op, getrusage), wall ns/op.
#
# hello world: bench/http/server -impl shio, GOMAXPROCS=1 on CPU 0, at each
# -level, and the stripped build ("none"); wrk -t1 -c64 on CPU 1 for
# DURATION seconds; the four servers in a rotated order every round.
# Figures: req/s and the server's CPU per request (µs, user and total, from
# /proc/PID/stat).
#
# It prints every run, then the medians and the medians of the per-pair
# (per-round) ratios to "none", with the load average before and after.
set -euo pipefail
cd "$(dirname "$0")/.." # bench/
PAIRS=${PAIRS:-8}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-4}
WHAT=${WHAT:-all}
PORT=${PORT:-18960}
ROOT=$(git rev-parse --show-toplevel)
WORK=$(mktemp -d /tmp/shio-obscost.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
tick=$(getconf CLK_TCK)

for side in cur none; do
  mkdir "$WORK/src-$side"
  git -C "$ROOT" archive HEAD | tar -x -C "$WORK/src-$side"
  [ $side = none ] && "$ROOT/bench/obscost/strip.sh" "$WORK/src-$side"
  (cd "$WORK/src-$side" && go test -c -o "$WORK/$side-task.test" ./task/)
  (cd "$WORK/src-$side/bench" && go build -o "$WORK/$side-http" ./http/server)
done
echo "HEAD $(git -C "$ROOT" rev-parse --short HEAD); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

if [ "$WHAT" != http ]; then
  bench() { # binary, pattern -> lines "name ns/op cpu-ns/op"
    taskset -c 0 "$1" -test.run '^$' -test.bench "$2" -test.benchtime 400000x -test.cpu 1 |
      awk '/^BenchmarkSpawnJoinLevels/ { n = $1; sub(/^BenchmarkSpawnJoinLevels\//, "", n); for (i = 2; i < NF; i++) { if ($(i+1) == "ns/op") w = $i; if ($(i+1) == "cpu-ns/op") c = $i } print n, w, c }'
  }
  for p in $(seq "$PAIRS"); do
    sides="none cur"; [ $((p % 2)) = 0 ] && sides="cur none"
    for side in $sides; do
      if [ $side = none ]; then
        bench "$WORK/none-task.test" 'SpawnJoinLevels/off$' | sed 's/^off/none/'
      else
        bench "$WORK/cur-task.test" 'SpawnJoinLevels'
      fi
    done | awk -v p=$p '{ print p "\t" $1 "\t" $2 "\t" $3 }'
  done | tee "$WORK/spawn.tsv"
  echo
  echo "spawn+join: medians of $PAIRS pairs; ratios are the medians of the per-pair ratios to none (CPU time)"
  printf '%-9s %10s %10s %10s\n' level ns/op cpu-ns/op 'cpu/none'
  for l in none off counters full; do
    w=$(awk -F'\t' -v l=$l '$2 == l { print $3 }' "$WORK/spawn.tsv" | median)
    c=$(awk -F'\t' -v l=$l '$2 == l { print $4 }' "$WORK/spawn.tsv" | median)
    r=$(awk -F'\t' -v l=$l '$2 == "none" { base[$1] = $4 } $2 == l { v[$1] = $4 } END { for (p in v) if (base[p] > 0) print v[p] / base[p] }' "$WORK/spawn.tsv" | median)
    printf '%-9s %10.0f %10.0f %10.3f\n' $l "$w" "$c" "$r"
  done
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
fi

if [ "$WHAT" != spawn ]; then
  cpu() { awk '{print $14 + $15, $14}' "/proc/$1/stat"; } # total and user ticks
  run() { # variant round
    local bin=cur-http level=$1
    [ $1 = none ] && bin=none-http level=off
    GOMAXPROCS=1 taskset -c 0 "$WORK/$bin" -impl shio -level $level -addr "127.0.0.1:$PORT" &
    local pid=$!
    sleep 0.5
    read -r t0 u0 < <(cpu $pid)
    local rps
    rps=$(taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" "http://127.0.0.1:$PORT/" | awk '/^Requests\/sec:/{print $2}')
    read -r t1 u1 < <(cpu $pid)
    kill $pid; wait $pid 2>/dev/null || true
    awk -v v=$1 -v r=$2 -v rps="$rps" -v d="$DURATION" -v k="$tick" -v dt=$((t1 - t0)) -v du=$((u1 - u0)) \
      'BEGIN { n = rps * d; printf "%d\t%s\t%.0f\t%.3f\t%.3f\n", r, v, rps, du / k * 1e6 / n, dt / k * 1e6 / n }'
    sleep 0.3
  }
  command -v wrk >/dev/null || { echo "run.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
  variants=(none off counters full)
  for r in $(seq "$ROUNDS"); do
    for i in 0 1 2 3; do run "${variants[$(((i + r) % 4))]}" $r; done
  done | tee "$WORK/http.tsv"
  echo
  echo "hello world, 64 connections: medians of $ROUNDS rounds; ratios are the medians of the per-round ratios to none"
  printf '%-9s %9s %9s %10s %10s %11s %10s\n' level req/s 'user µs' 'total µs' 'user/none' 'total/none' 'req/s/none'
  for l in none off counters full; do
    m() { awk -F'\t' -v l=$l -v c=$1 '$2 == l { print $c }' "$WORK/http.tsv" | median; }
    ratio() { awk -F'\t' -v l=$l -v c=$1 '$2 == "none" { base[$1] = $c } $2 == l { v[$1] = $c } END { for (r in v) if (base[r] > 0) print v[r] / base[r] }' "$WORK/http.tsv" | median; }
    printf '%-9s %9.0f %9.2f %10.2f %10.3f %11.3f %10.3f\n' $l "$(m 3)" "$(m 4)" "$(m 5)" "$(ratio 4)" "$(ratio 5)" "$(ratio 3)"
  done
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
