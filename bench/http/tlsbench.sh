#!/usr/bin/env bash
# tlsbench.sh: HTTPS side by side, shio (TLS on the reactor) against
# net/http, servers alternated, pinned (server GOMAXPROCS=1 on CPU 0, wrk on
# CPU 1), with CPU time per request from /proc/PID/stat. Both serve the
# same in-memory ECDSA P-256 certificate config, HTTP/1.1 only.
#
#   bench/http/tlsbench.sh                         # keep-alive hello, 64 conns
#   MODE=handshake bench/http/tlsbench.sh          # a new TLS connection per request
#   CONNS=256 ROUNDS=5 bench/http/tlsbench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
IMPLS=${IMPLS:-"shio net-http"}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
DURATION=${DURATION:-4}
PORT=${PORT:-18991}
MODE=${MODE:-keepalive}
hdr=()
if [ "$MODE" = handshake ]; then hdr=(-H "Connection: close"); fi
bin=$(mktemp -d)/peerserver
go build -o "$bin" ./http/server
tick=$(getconf CLK_TCK)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)  mode=$MODE conns=$CONNS"
for round in $(seq "$ROUNDS"); do
  for impl in $IMPLS; do
    GOMAXPROCS=1 taskset -c 0 "$bin" -impl "$impl" -tls -addr "127.0.0.1:$PORT" 2>/dev/null &
    pid=$!
    sleep 0.5
    read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
    rps=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" "${hdr[@]}" "https://127.0.0.1:$PORT/" | awk '/^Requests\/sec:/{print $2}')
    read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    awk -v i="$impl" -v r="$round" -v rps="$rps" -v d="$DURATION" -v t="$tick" -v du=$((u1 - u0)) -v ds=$((s1 - s0)) 'BEGIN {
      n = rps * d; printf "round %d %-10s %7.0f req/s  user %6.2f us/req  kernel %5.2f us/req  total %6.2f\n",
        r, i, rps, du / t * 1e6 / n, ds / t * 1e6 / n, (du + ds) / t * 1e6 / n }'
    sleep 0.3
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
