#!/usr/bin/env bash
# bulk.sh: bulk bodies, shio against net/http and fasthttp side by side,
# alternated: req/s (wrk; for uploads, MB/s with curl) and the server's CPU
# time per MB moved, user and user + kernel, from /proc/PID/stat, beside the
# client's (wrk's or curl's, user + kernel): on loopback the kernel runs
# part of each transfer in the client's system calls (the receiving copy,
# and the sender's queued segments pushed by the client's ACKs), so a
# client core at 100% bounds req/s whatever the server does. Server
# pinned to CPU 0 with GOMAXPROCS=1, load on CPU 1.
#
#   bench/http/bulk.sh                          # every shape, 3 rounds
#   SHAPES="/file/bulk1m /1m" ROUNDS=5 bench/http/bulk.sh
#   RAW=results.tsv bench/http/bulk.sh          # also append TSV records (bench/run)
#
# Shapes: /1k /64k /1m (from memory), /file/bulk1m (http.FileServer of a
# 1 MiB file; fasthttp: RequestCtx.SendFile, both use sendfile(2)), upload
# and upload-chunked (50 MB POSTs with curl, Content-Length or chunked,
# hashed by the handler as it reads; fasthttp reads its request body
# stream). Every server runs the same handlers (bench/http/server: bulk,
# fastBulk).
set -euo pipefail
cd "$(dirname "$0")/.."
IMPLS=${IMPLS:-"shio net-http fasthttp"}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-16}
DURATION=${DURATION:-4}
DURATION=${DURATION%s}
PORT=${PORT:-18992}
SHAPES=${SHAPES:-"/1k /64k /1m /file/bulk1m upload upload-chunked"}
UPLOADS=${UPLOADS:-5}
RAW=${RAW:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
head -c $((1 << 20)) /dev/urandom >"$dir/bulk1m"
head -c 50000000 /dev/urandom >"$dir/upload50m"
bin=$dir/peerserver
go build -o "$bin" ./http/server
tick=$(getconf CLK_TCK)
TIMEFORMAT='%U %S' # bash's time: the client's CPU seconds, user and kernel
for shape in $SHAPES; do
  for round in $(seq "$ROUNDS"); do
    for impl in $IMPLS; do
      GOMAXPROCS=1 taskset -c 0 "$bin" -impl "$impl" -addr "127.0.0.1:$PORT" -dir "$dir" &
      pid=$!
      for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.05; done
      read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
      case $shape in
      upload*)
        hdr=()
        [ "$shape" = upload-chunked ] && hdr=(-H "Transfer-Encoding: chunked")
        t0=$(date +%s.%N)
        { time for _ in $(seq "$UPLOADS"); do
          taskset -c 1 curl -s -o /dev/null "${hdr[@]}" --data-binary @"$dir/upload50m" "http://127.0.0.1:$PORT/upload"
        done; } 2>"$dir/client"
        t1=$(date +%s.%N)
        mb=$((UPLOADS * 50))
        rate=$(awk -v mb=$mb -v a="$t0" -v b="$t1" 'BEGIN{print mb / (b - a)}') # MB/s
        unit="MB/s "
        ;;
      *)
        { time out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$PORT$shape"); } 2>"$dir/client"
        rate=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
        n=$(awk '/requests in/{print $1}' <<<"$out")
        size=$(case $shape in /1k) echo 1024;; /64k) echo 65536;; *) echo 1048576;; esac)
        mb=$(awk -v n="$n" -v s="$size" 'BEGIN{print n * s / 1e6}')
        unit="req/s"
        ;;
      esac
      read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
      kill "$pid"; wait "$pid" 2>/dev/null || true
      client=$(awk 'NF == 2 {print $1 + $2}' "$dir/client" | tail -1)
      line=$(awk -v sh="$shape" -v i="$impl" -v r="$round" -v rate="$rate" -v unit="$unit" -v mb="$mb" -v t="$tick" -v du=$((u1 - u0)) -v ds=$((s1 - s0)) -v cl="${client:-0}" 'BEGIN {
        printf "%-14s round %d %-9s %9.1f %s  cpu/MB user %6.1f us  kernel %6.1f us  total %6.1f us  client %6.1f us\n",
          sh, r, i, rate, unit, du / t * 1e6 / mb, ds / t * 1e6 / mb, (du + ds) / t * 1e6 / mb, cl * 1e6 / mb }')
      echo "$line"
      if [ -n "$RAW" ]; then
        awk -v sh="$shape" -v i="$impl" -v r="$round" -v rate="$rate" -v mb="$mb" -v t="$tick" -v du=$((u1 - u0)) -v ds=$((s1 - s0)) -v cl="${client:-0}" 'BEGIN {
          printf "bulk\t%s\t%s\t%d\trps\t%s\n", sh, i, r, rate
          printf "bulk\t%s\t%s\t%d\tucpu_mb\t%.2f\n", sh, i, r, du / t * 1e6 / mb
          printf "bulk\t%s\t%s\t%d\tcpu_mb\t%.2f\n", sh, i, r, (du + ds) / t * 1e6 / mb
          printf "bulk\t%s\t%s\t%d\tclient_cpu_mb\t%.2f\n", sh, i, r, cl * 1e6 / mb }' >>"$RAW"
      fi
      sleep 0.3
    done
  done
done
uptime
