#!/usr/bin/env bash
# cpusplit.sh: user and kernel CPU time per request of HTTP servers under
# wrk, read from /proc/PID/stat (utime, stime) around each wrk run, servers
# alternated A B C ... for ROUNDS rounds, then the medians. It answers
# "where does a server's time per request go": the kernel's share (one read
# and one write per request, or per 16 pipelined requests, on loopback) is
# about the same for every server, the user share is the server's own.
#
#   bench/http/cpusplit.sh                   # shio hyper fasthttp gnet, c64 and pipelined, 3 rounds
#   IMPLS="shio fasthttp net-http" ROUNDS=5 CASES="c256" bench/http/cpusplit.sh
#
# Servers: any -impl of bench/http/server (shio, shio-fallback, net-http,
# fasthttp, gnet: a bare responder, nbio) and hyper (0.14 on tokio's
# current-thread runtime, bench/http/hyper, built offline from Debian's
# librust-hyper-dev; skipped if it does not build). Each runs alone on
# CPU 0 (GOMAXPROCS=1); wrk -t1 runs on CPU 1. Cases: cN is N keep-alive
# connections, one request in flight on each; p64x16 is 64 connections
# with 16 pipelined requests per write (http/pipeline.lua).
set -euo pipefail
cd "$(dirname "$0")/.." # bench/
IMPLS=${IMPLS:-"shio hyper fasthttp gnet"}
CASES=${CASES:-"c64 p64x16"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-4}
PORT=${PORT:-19210}
command -v wrk >/dev/null || { echo "cpusplit: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/shio-cpusplit.XXXXXX)
SPID=
trap '[ -z "$SPID" ] || kill "$SPID" 2>/dev/null; rm -rf "$WORK"' EXIT
go build -o "$WORK/peerserver" ./http/server
HYPER=http/hyper/target/release/hyper-hello
if [[ " $IMPLS " == *" hyper "* ]] && ! (cd http/hyper && cargo build --release -q 2>"$WORK/cargo.err"); then
  echo "cpusplit: hyper skipped, it does not build: $(tail -1 "$WORK/cargo.err") (apt-get install librust-hyper-dev)" >&2
  IMPLS=${IMPLS/hyper/}
fi
tick=$(getconf CLK_TCK)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

for round in $(seq "$ROUNDS"); do
  for c in $CASES; do
    conns=${c#[cp]}
    conns=${conns%%x*}
    script=()
    [[ $c == p* ]] && script=(-s http/pipeline.lua)
    for impl in $IMPLS; do
      while [ -n "$(ss -Hltn "sport = :$PORT")" ]; do PORT=$((PORT + 1)); done # another's server
      if [ "$impl" = hyper ]; then
        taskset -c 0 "$HYPER" "127.0.0.1:$PORT" >/dev/null 2>&1 &
      else
        GOMAXPROCS=1 taskset -c 0 "$WORK/peerserver" -impl "$impl" -addr "127.0.0.1:$PORT" >/dev/null 2>&1 &
      fi
      SPID=$!
      for _ in $(seq 100); do
        [ -n "$(ss -Hltn "sport = :$PORT")" ] && break
        kill -0 "$SPID" 2>/dev/null || { echo "cpusplit: $impl did not start" >&2; exit 1; }
        sleep 0.05
      done
      sleep 0.3
      read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$SPID/stat")
      out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" "${script[@]}" "http://127.0.0.1:$PORT/")
      read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$SPID/stat")
      kill "$SPID"; wait "$SPID" 2>/dev/null || true
      SPID=
      n=$(awk '/requests in/{print $1}' <<<"$out")
      rps=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
      awk -v c="$c" -v i="$impl" -v r="$round" -v rps="$rps" -v n="$n" -v t="$tick" -v du=$((u1 - u0)) -v ds=$((s1 - s0)) 'BEGIN {
        printf "%d\t%s\t%s\t%.0f\t%.3f\t%.3f\t%.3f\n", r, c, i, rps, du / t * 1e6 / n, ds / t * 1e6 / n, (du + ds) / t * 1e6 / n }'
      PORT=$((PORT + 1))
      sleep 0.3
    done
  done
done | tee "$WORK/runs.tsv" >&2
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

echo "medians of $ROUNDS rounds; server CPU in µs per request (utime, stime, both from /proc/PID/stat)"
printf '%-8s %-12s %10s %8s %8s %8s\n' case server req/s user kernel total
for c in $CASES; do
  for impl in $IMPLS; do
    for col in 4 5 6 7; do
      awk -F'\t' -v c="$c" -v i="$impl" -v col=$col '$2 == c && $3 == i { print $col }' "$WORK/runs.tsv" | sort -g |
        awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
    done | paste -sd' ' | awk -v c="$c" -v i="$impl" '{ printf "%-8s %-12s %10.0f %8.2f %8.2f %8.2f\n", c, i, $1, $2, $3, $4 }'
  done
done
