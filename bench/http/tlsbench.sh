#!/usr/bin/env bash
# tlsbench.sh: HTTPS side by side, shio (TLS on the reactor) against
# net/http, servers alternated, pinned (server GOMAXPROCS=1 on CPU 0, wrk on
# CPU 1), with CPU time per request from /proc/PID/stat. Both serve the
# same in-memory ECDSA P-256 certificate config, HTTP/1.1 only.
#
#   bench/http/tlsbench.sh                         # keep-alive hello, 64 conns
#   MODE=handshake bench/http/tlsbench.sh          # a new TLS connection per request
#   CONNS=256 ROUNDS=5 bench/http/tlsbench.sh
#   MODE=bulk bench/http/tlsbench.sh               # 1 MiB bodies, CPU per MB moved
#   IMPLS="shio shio@/tmp/base net-http" ...        # against a baseline checkout too
#
# MODE=bulk moves 1 MiB bodies as bulk.sh does, over HTTPS: /1m (from
# memory), /file/bulk1m (http.FileServer), upload1m (1 MiB POSTs with wrk,
# keep-alive, CONNS=16) and upload50m (50 MB POSTs with curl, hashed by the
# handler); SHAPES picks some. Its figures are req/s and the server's CPU
# time per MB, user and total.
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
dir=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$dir"' EXIT
bin=$dir/peerserver
go build -o "$bin" ./http/server
# An impl written IMPL@DIR runs IMPL from the bench server built from the
# checkout at DIR (a baseline commit: `git archive C | tar -x -C DIR`).
binof() { if [[ $1 == *@* ]]; then echo "$dir/peerserver-$(basename "${1#*@}")"; else echo "$bin"; fi; }
for impl in $IMPLS; do
  if [[ $impl == *@* ]] && [ ! -x "$(binof "$impl")" ]; then
    (cd "${impl#*@}/bench" && go build -o "$(binof "$impl")" ./http/server)
  fi
done
tick=$(getconf CLK_TCK)
# up waits (up to 10 s) until the server accepts connections: a fixed
# sleep is too short on a loaded machine.
up() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "server on port $PORT did not start" >&2
  return 1
}
if [ "$MODE" = bulk ]; then
  CONNS=${BULK_CONNS:-16}
  head -c $((1 << 20)) /dev/urandom >"$dir/bulk1m"
  head -c 50000000 /dev/urandom >"$dir/upload50m"
  cat >"$dir/post1m.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 1048576)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)  mode=bulk conns=$CONNS"
  for shape in ${SHAPES:-/1m /file/bulk1m upload1m upload50m}; do
    for round in $(seq "$ROUNDS"); do
      for impl in $IMPLS; do
        GOMAXPROCS=1 taskset -c 0 "$(binof "$impl")" -impl "${impl%@*}" -tls -addr "127.0.0.1:$PORT" -dir "$dir" 2>/dev/null &
        pid=$!
        up
        read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
        case $shape in
        upload50m)
          n=5
          t0=$(date +%s.%N)
          for _ in $(seq $n); do
            taskset -c 1 curl -sk -o /dev/null --data-binary @"$dir/upload50m" "https://127.0.0.1:$PORT/upload"
          done
          t1=$(date +%s.%N)
          rate=$(awk -v n=$n -v a="$t0" -v b="$t1" 'BEGIN{print n / (b - a)}')
          mb=$(awk -v n=$n 'BEGIN{print n * 50}')
          ;;
        *)
          if [ "$shape" = upload1m ]; then
            out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$dir/post1m.lua" "https://127.0.0.1:$PORT/upload")
          else
            out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" "https://127.0.0.1:$PORT$shape")
          fi
          rate=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
          mb=$(awk -v r="$rate" -v d="$DURATION" 'BEGIN{print r * d * 1048576 / 1e6}')
          ;;
        esac
        read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
        kill "$pid"; wait "$pid" 2>/dev/null || true
        awk -v sh="$shape" -v i="$impl" -v r="$round" -v rate="$rate" -v mb="$mb" -v t="$tick" -v du=$((u1 - u0)) -v ds=$((s1 - s0)) 'BEGIN {
          printf "%-13s round %d %-9s %8.1f req/s  cpu/MB user %6.1f us  kernel %6.1f us  total %6.1f us\n",
            sh, r, i, rate, du / t * 1e6 / mb, ds / t * 1e6 / mb, (du + ds) / t * 1e6 / mb }'
        sleep 0.3
      done
    done
  done
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)  mode=$MODE conns=$CONNS"
for round in $(seq "$ROUNDS"); do
  for impl in $IMPLS; do
    GOMAXPROCS=1 taskset -c 0 "$(binof "$impl")" -impl "${impl%@*}" -tls -addr "127.0.0.1:$PORT" 2>/dev/null &
    pid=$!
    up
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
