#!/usr/bin/env bash
# abcompare.sh: shio at two git revisions, side by side, alternated — the
# "before and after" of a change for hello-world HTTP at 64 connections,
# 64 connections × 16 pipelined requests, and a 64-byte TCP echo over 64
# connections. Each server runs alone on CPU 0 (GOMAXPROCS=1); wrk and
# echoload run on CPU 1. Prints one line per run, then the medians of the
# rounds: req/s (msgs/s) and server CPU per request (message), user and
# user + kernel, from /proc/PID/stat around the run.
#
#   bench/abcompare.sh a643b16 HEAD            # 5 rounds of 4 s
#   ROUNDS=3 DURATION=3 bench/abcompare.sh main my-branch
set -euo pipefail
cd "$(dirname "$0")" # bench/
[ $# -eq 2 ] || { echo "usage: $0 OLD-REV NEW-REV" >&2; exit 2; }
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-4}
PORT=${PORT:-18940}
WORK=$(mktemp -d /tmp/shio-ab.XXXXXX)
ROOT=$(git rev-parse --show-toplevel)
tick=$(getconf CLK_TCK)
command -v wrk >/dev/null || { echo "abcompare: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

for side in old new; do
  rev=$1; [ $side = new ] && rev=$2
  git -C "$ROOT" worktree add -q --detach "$WORK/src-$side" "$rev"
  (cd "$WORK/src-$side/bench" &&
    go build -o "$WORK/$side-http" ./http/server &&
    go build -o "$WORK/$side-echo" ./echo/echoserver)
  git -C "$ROOT" worktree remove --force "$WORK/src-$side"
done
go build -o "$WORK/echoload" ./echo/echoload

cpu() { awk '{print $14 + $15, $14}' "/proc/$1/stat"; } # total and user ticks

for round in $(seq "$ROUNDS"); do
  for side in old new; do
    for c in c64 p64x16; do
      GOMAXPROCS=1 taskset -c 0 "$WORK/$side-http" -impl shio -addr "127.0.0.1:$PORT" &
      pid=$!
      sleep 0.5
      read -r t0 u0 < <(cpu $pid)
      script=(); [ $c = p64x16 ] && script=(-s http/pipeline.lua)
      rps=$(taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" "${script[@]}" "http://127.0.0.1:$PORT/" | awk '/^Requests\/sec:/{print $2}')
      read -r t1 u1 < <(cpu $pid)
      kill $pid; wait $pid 2>/dev/null || true
      awk -v s=$side -v c=$c -v r=$round -v rps="$rps" -v d="$DURATION" -v k="$tick" -v dt=$((t1 - t0)) -v du=$((u1 - u0)) \
        'BEGIN { n = rps * d; printf "%d\t%s\thttp-%s\t%.0f\t%.2f\t%.2f\n", r, s, c, rps, du / k * 1e6 / n, dt / k * 1e6 / n }'
      sleep 0.3
    done
    GOMAXPROCS=1 taskset -c 0 "$WORK/$side-echo" -impl shio -addr "127.0.0.1:$((PORT + 1))" >/dev/null 2>&1 &
    pid=$!
    sleep 0.5
    read -r t0 u0 < <(cpu $pid)
    out=$(GOMAXPROCS=1 taskset -c 1 "$WORK/echoload" -addr "127.0.0.1:$((PORT + 1))" -conns 64 -duration "${DURATION}s" -warmup 0s)
    read -r t1 u1 < <(cpu $pid)
    kill $pid; wait $pid 2>/dev/null || true
    msgs=$(awk '{for (i = 1; i < NF; i++) if ($(i + 1) == "msgs/s") print $i}' <<<"$out" | head -1)
    awk -v s=$side -v r=$round -v m="$msgs" -v d="$DURATION" -v k="$tick" -v dt=$((t1 - t0)) -v du=$((u1 - u0)) \
      'BEGIN { n = m * d; printf "%d\t%s\techo-c64\t%.0f\t%.2f\t%.2f\n", r, s, m, du / k * 1e6 / n, dt / k * 1e6 / n }'
    sleep 0.3
  done
done | tee "$WORK/runs.tsv"

echo
echo "medians of $ROUNDS rounds ($1 = old, $2 = new); CPU in µs per request or message"
printf '%-12s %-4s %12s %8s %8s\n' case side 'req|msg/s' user total
for c in http-c64 http-p64x16 echo-c64; do
  for side in old new; do
    for col in 4 5 6; do
      awk -F'\t' -v c=$c -v s=$side -v col=$col '$2 == s && $3 == c { print $col }' "$WORK/runs.tsv" | sort -g |
        awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
    done | paste -sd' ' | awk -v c=$c -v s=$side '{ printf "%-12s %-4s %12.0f %8.2f %8.2f\n", c, s, $1, $2, $3 }'
  done
done
rm -rf "$WORK"
