#!/usr/bin/env bash
# cpusplit.sh: user and kernel CPU time per request of HTTP servers under
# wrk, read from /proc/PID/stat (utime, stime) around one wrk run, servers
# alternated. It answers "where does a server's time per request go": the
# kernel's share (one read and one write per request on loopback) is the
# same for every server, the user share is the server's own.
#
#   bench/http/cpusplit.sh                      # shio and fasthttp, 3 rounds
#   IMPLS="shio fasthttp net-http" ROUNDS=5 CONNS=256 bench/http/cpusplit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
IMPLS=${IMPLS:-"shio fasthttp"}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
DURATION=${DURATION:-4}
PORT=${PORT:-18990}
bin=$(mktemp -d)/peerserver
go build -o "$bin" ./http/server
tick=$(getconf CLK_TCK)
for round in $(seq "$ROUNDS"); do
  for impl in $IMPLS; do
    GOMAXPROCS=1 taskset -c 0 "$bin" -impl "$impl" -addr "127.0.0.1:$PORT" &
    pid=$!
    sleep 0.5
    read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
    rps=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$PORT/" | awk '/^Requests\/sec:/{print $2}')
    read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    awk -v i="$impl" -v r="$round" -v rps="$rps" -v d="$DURATION" -v t="$tick" -v du=$((u1 - u0)) -v ds=$((s1 - s0)) 'BEGIN {
      n = rps * d; printf "round %d %-10s %7.0f req/s  user %5.2f us/req  kernel %5.2f us/req  total %5.2f\n",
        r, i, rps, du / t * 1e6 / n, ds / t * 1e6 / n, (du + ds) / t * 1e6 / n }'
    sleep 0.3
  done
done
