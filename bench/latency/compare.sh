#!/usr/bin/env bash
# compare.sh runs wrk -t1 and `shio bench` alternately against a server
# pinned to CPU 0 (the generator on CPU 1) and prints each run's p50, p90,
# p99, mean and req/s, with the mean that Little's law gives (connections /
# req/s: each connection has one request in flight, so the mean latency can
# be at most that). Against the latency server (SERVER=latency) it also
# prints the truth: the delay tier of each percentile and the server-side
# percentiles, which every client-measured percentile must be at least.
#
#   bench/latency/compare.sh                        # latency server, 3 pairs of 3s
#   SERVER=fasthttp PAIRS=3 bench/latency/compare.sh
#
# Environment: SERVER [latency] (or any -impl of bench/http/server),
# PAIRS [3], DURATION [3s], CONNS [64], PORT [18950], DIST [the server's
# default], SHIO [a fresh build of cmd/shio].
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER=${SERVER:-latency} PAIRS=${PAIRS:-3} DURATION=${DURATION:-3s} CONNS=${CONNS:-64} PORT=${PORT:-18950}
WORK=$(mktemp -d)
if [ -z "${SHIO:-}" ]; then
  (cd .. && go build -o "$WORK/shio" ./cmd/shio)
  SHIO=$WORK/shio
fi
go build -o "$WORK/latency" ./latency
go build -o "$WORK/peer" ./http/server
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; true' EXIT

start() {
  PORT=$((PORT + 1))
  if [ "$SERVER" = latency ]; then
    GOMAXPROCS=1 taskset -c 0 "$WORK/latency" -addr "127.0.0.1:$PORT" ${DIST:+-dist "$DIST"} >"$WORK/truth" 2>&1 &
  else
    GOMAXPROCS=1 taskset -c 0 "$WORK/peer" -impl "$SERVER" -addr "127.0.0.1:$PORT" >"$WORK/truth" 2>&1 &
  fi
  SPID=$!
  for _ in $(seq 100); do
    [ -n "$(ss -Hltn "sport = :$PORT")" ] && return 0
    sleep 0.05
  done
  echo "server did not start: $(cat "$WORK/truth")" >&2
  exit 1
}
stop() { kill -TERM "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=; }
# us converts wrk's "412.00us", "1.23ms", "1.00s" to microseconds.
us() { awk -v v="$1" 'BEGIN{n=v+0; if (v ~ /us$/) m=1; else if (v ~ /ms$/) m=1000; else m=1e6; printf "%.0f", n*m}'; }

printf '%-10s %4s %8s %8s %8s %8s %8s %9s\n' tool pair p50_us p90_us p99_us mean_us little req/s
for pair in $(seq "$PAIRS"); do
  for tool in wrk shio; do
    start
    url=http://127.0.0.1:$PORT/
    if [ $tool = wrk ]; then
      out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" --latency "$url")
      p50=$(us "$(awk '$1=="50%"{print $2}' <<<"$out")")
      p90=$(us "$(awk '$1=="90%"{print $2}' <<<"$out")")
      p99=$(us "$(awk '$1=="99%"{print $2}' <<<"$out")")
      mean=$(us "$(awk '$1=="Latency"{print $2; exit}' <<<"$out")")
      rps=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
    else
      out=$(GOMAXPROCS=1 taskset -c 1 "$SHIO" bench "$url" -c "$CONNS" -d "$DURATION" --json)
      get() { awk -F'[:,]' -v k="\"$1\"" '$1 ~ k {gsub(/ /,"",$2); print $2; exit}' <<<"$out"; }
      p50=$(printf '%.0f' "$(get p50)") p90=$(printf '%.0f' "$(get p90)") p99=$(printf '%.0f' "$(get p99)")
      mean=$(printf '%.0f' "$(get mean)") rps=$(get requests_per_s)
    fi
    stop
    little=$(awk -v c="$CONNS" -v r="$rps" 'BEGIN{printf "%.0f", c/r*1e6}')
    printf '%-10s %4s %8s %8s %8s %8s %8s %9.0f\n' $tool "$pair" "$p50" "$p90" "$p99" "$mean" "$little" "$rps"
    [ "$SERVER" = latency ] && sed 's/^/    truth: /' "$WORK/truth"
  done
done
rm -rf "$WORK"
