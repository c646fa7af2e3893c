#!/usr/bin/env bash
# bulk.sh: bulk bodies, shio against net/http side by side, alternated:
# req/s (wrk) and the server's CPU time per MB moved, from /proc/PID/stat.
# Server pinned to CPU 0 with GOMAXPROCS=1, load on CPU 1.
#
#   bench/http/bulk.sh                          # every shape, 3 rounds
#   SHAPES="/file/bulk1m /1m" ROUNDS=5 bench/http/bulk.sh
#
# Shapes: /1k /64k /1m (from memory), /file/bulk1m (http.FileServer, 1 MiB
# file), upload (50 MB POSTs with curl, hashed by the handler).
set -euo pipefail
cd "$(dirname "$0")/.."
IMPLS=${IMPLS:-"shio net-http"}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-16}
DURATION=${DURATION:-4}
PORT=${PORT:-18992}
SHAPES=${SHAPES:-"/1k /64k /1m /file/bulk1m upload"}
dir=$(mktemp -d)
head -c $((1 << 20)) /dev/urandom >"$dir/bulk1m"
head -c 50000000 /dev/urandom >"$dir/upload50m"
bin=$dir/peerserver
go build -o "$bin" ./http/server
tick=$(getconf CLK_TCK)
for shape in $SHAPES; do
  for round in $(seq "$ROUNDS"); do
    for impl in $IMPLS; do
      GOMAXPROCS=1 taskset -c 0 "$bin" -impl "$impl" -addr "127.0.0.1:$PORT" -dir "$dir" &
      pid=$!
      sleep 0.5
      read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
      if [ "$shape" = upload ]; then
        n=5
        t0=$(date +%s.%N)
        for _ in $(seq $n); do
          taskset -c 1 curl -s -o /dev/null --data-binary @"$dir/upload50m" "http://127.0.0.1:$PORT/upload"
        done
        t1=$(date +%s.%N)
        rate=$(awk -v n=$n -v a="$t0" -v b="$t1" 'BEGIN{print n / (b - a)}')
        mb=$(awk -v n=$n 'BEGIN{print n * 50}')
      else
        out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$PORT$shape")
        rate=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
        size=$(case $shape in /1k) echo 1024;; /64k) echo 65536;; *) echo 1048576;; esac)
        mb=$(awk -v r="$rate" -v d="$DURATION" -v s="$size" 'BEGIN{print r * d * s / 1e6}')
      fi
      read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
      kill "$pid"; wait "$pid" 2>/dev/null || true
      awk -v sh="$shape" -v i="$impl" -v r="$round" -v rate="$rate" -v mb="$mb" -v t="$tick" -v du=$((u1 - u0)) -v ds=$((s1 - s0)) 'BEGIN {
        printf "%-13s round %d %-9s %9.1f req/s  cpu/MB user %6.1f us  kernel %6.1f us  total %6.1f us\n",
          sh, r, i, rate, du / t * 1e6 / mb, ds / t * 1e6 / mb, (du + ds) / t * 1e6 / mb }'
      sleep 0.3
    done
  done
done
rm -rf "$dir"
uptime
