#!/usr/bin/env bash
# run.sh compares TCP echo servers: shio's reactor, gnet/v2, nbio, a
# goroutine per connection and tokio (current-thread runtime; built offline
# from Debian's librust-tokio-dev, skipped if cargo cannot build it). Each server runs alone on CPU 0 (GOMAXPROCS=1),
# the load generator (echoload, on shio's reactor.Dial) on CPU 1. Servers
# are alternated A B A B ... for ROUNDS rounds and the median is reported.
#
#   bench/echo/run.sh                      # throughput table + idle memory
#   ROUNDS=5 DURATION=3s bench/echo/run.sh
#   IDLE=0 bench/echo/run.sh               # skip the idle-memory part
#   RAW=file bench/echo/run.sh             # also append every run to file
#                                          # (tab-separated, for bench/report)
#
# Columns: msgs/s (64-byte request/response, median of ROUNDS), server CPU
# microseconds per message (utime+stime from /proc/PID/stat over the
# counting window, read by echoload; 10 ms resolution), and the ratio to
# gnet of each, then the user share (utime alone) per message.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-2s}
IMPLS=${IMPLS:-"shio gnet nbio goroutine tokio"}
IDLE=${IDLE:-19000}
CASES=${CASES:-"64:1 256:1 64:16"} # conns:pipeline
PORT=${PORT:-17100}
BIN=$(mktemp -d)
SPID=
trap '[ -z "$SPID" ] || kill "$SPID" 2>/dev/null; rm -rf "$BIN"' EXIT
go build -o "$BIN/echoserver" ./echo/echoserver
go build -o "$BIN/echoload" ./echo/echoload
# tokio builds offline from Debian's librust-tokio-dev; without it, skip it.
if [[ " $IMPLS " == *" tokio "* ]]; then
  if ! (cd echo/tokio && cargo build --release -q 2>"$BIN/cargo.err"); then
    echo "tokio skipped: $(tail -1 "$BIN/cargo.err")" >&2
    IMPLS=${IMPLS/tokio/}
  fi
fi

start_server() { # impl -> sets SPID
  PORT=$((PORT + 1))
  # The background job truncates $BIN/out only once it runs: remove the last
  # server's "ready" first, or the wait below can see it.
  rm -f "$BIN/out"
  if [ "$1" = tokio ]; then
    taskset -c 0 echo/tokio/target/release/tokio-echo "127.0.0.1:$PORT" >"$BIN/out" 2>&1 &
  else
    GOMAXPROCS=1 taskset -c 0 "$BIN/echoserver" -impl "$1" -addr "127.0.0.1:$PORT" >"$BIN/out" 2>&1 &
  fi
  SPID=$!
  for _ in $(seq 100); do grep -qs ready "$BIN/out" && return 0; sleep 0.05; done
  echo "server $1 did not start: $(cat "$BIN/out" 2>/dev/null)" >&2; exit 1
}
stop_server() { kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=; }
rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

declare -A MSGS CPU USER
for c in $CASES; do
  conns=${c%%:*}; pipe=${c##*:}
  for round in $(seq "$ROUNDS"); do
    for impl in $IMPLS; do
      echo "echo $c round $round/$ROUNDS: $impl" >&2
      start_server "$impl"
      if ! out=$(GOMAXPROCS=1 taskset -c 1 "$BIN/echoload" -addr "127.0.0.1:$PORT" -conns "$conns" -pipeline "$pipe" -duration "$DURATION" -serverpid "$SPID"); then
        echo "echoload failed against $impl ($c, round $round): run dropped" >&2
        stop_server
        continue
      fi
      stop_server
      rate=$(echo "$out" | awk '{print $3}'); us=$(echo "$out" | awk '{print $5}'); uu=$(echo "$out" | awk '{print $7}')
      MSGS[$c,$impl]+="$rate "; CPU[$c,$impl]+="$us "; USER[$c,$impl]+="$uu "
      if [ -n "${RAW:-}" ]; then
        printf 'echo\t%s\t%s\t%s\trps\t%s\n' "$c" "$impl" "$round" "$rate" >>"$RAW"
        printf 'echo\t%s\t%s\t%s\tcpu_us\t%s\n' "$c" "$impl" "$round" "$us" >>"$RAW"
        printf 'echo\t%s\t%s\t%s\tuser_us\t%s\n' "$c" "$impl" "$round" "$uu" >>"$RAW"
      fi
    done
  done
done

printf '\n%-10s %-10s %12s %9s %14s %9s %15s\n' case server msgs/s "vs gnet" "cpu us/msg" "vs gnet" "user us/msg"
for c in $CASES; do
  g=$(echo "${MSGS[$c,gnet]:-0}" | tr ' ' '\n' | grep . | median)
  gc=$(echo "${CPU[$c,gnet]:-0}" | tr ' ' '\n' | grep . | median)
  for impl in $IMPLS; do
    m=$(echo "${MSGS[$c,$impl]:-0}" | tr ' ' '\n' | grep . | median)
    u=$(echo "${CPU[$c,$impl]:-0}" | tr ' ' '\n' | grep . | median)
    uu=$(echo "${USER[$c,$impl]:-0}" | tr ' ' '\n' | grep . | median)
    printf '%-10s %-10s %12.0f %9s %14s %9s %15s   runs: %s\n' "$c" "$impl" "$m" \
      "$(awk -v a="$m" -v b="$g" 'BEGIN{printf "%.2f", (b>0?a/b:0)}')" "$u" \
      "$(awk -v a="$u" -v b="$gc" 'BEGIN{printf "%.2f", (b>0?a/b:0)}')" "$uu" "${MSGS[$c,$impl]:-}"
  done
done

if [ "$IDLE" -gt 0 ]; then
  printf '\nidle memory: %d connections, server RSS growth per connection\n' "$IDLE"
  for impl in $IMPLS; do
    echo "echo idle $IDLE: $impl" >&2
    start_server "$impl"
    r0=$(rss_kib "$SPID")
    mkfifo "$BIN/hold"
    GOMAXPROCS=1 taskset -c 1 "$BIN/echoload" -addr "127.0.0.1:$PORT" -idle "$IDLE" <"$BIN/hold" >"$BIN/load.out" 2>&1 &
    LPID=$!
    exec 9>"$BIN/hold"
    for _ in $(seq 600); do grep -q ready "$BIN/load.out" && break; sleep 0.1; done
    grep -q ready "$BIN/load.out" || { echo "idle load failed: $(cat "$BIN/load.out")" >&2; }
    sleep 1 # let the server settle (nothing to synchronise with: it is idle)
    r1=$(rss_kib "$SPID")
    exec 9>&-
    wait "$LPID" || true
    rm -f "$BIN/hold"
    stop_server
    [ -n "${RAW:-}" ] && awk -v i="$impl" -v a="$r0" -v b="$r1" -v n="$IDLE" \
      'BEGIN{printf "echo\tidle\t%s\t1\tkib_per_conn\t%.3f\n", i, (b-a)/n}' >>"$RAW"
    awk -v i="$impl" -v a="$r0" -v b="$r1" -v n="$IDLE" 'BEGIN{printf "%-10s RSS %6d KiB -> %6d KiB   %.2f KiB per connection\n", i, a, b, (b-a)/n}'
  done
fi
