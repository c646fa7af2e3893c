#!/usr/bin/env bash
# run.sh compares WebSocket servers: shio (ws on the reactor), gorilla,
# coder, gobwas, gws and nbio (see server/main.go for how each is written).
# Every server runs alone on CPU 0 (GOMAXPROCS=1 taskset -c 0); the client,
# `shio bench ws://`, runs on CPU 1 in a process of its own. Servers are
# alternated A B C ... A B C ... for ROUNDS rounds and medians reported.
#
#   bench/ws/run.sh                              # everything (about 15 minutes)
#   ROUNDS=1 DURATION=1s IDLE=2000 BCAST=2000 bench/ws/run.sh   # smoke test
#   SKIP="idle broadcast" IMPLS="shio gws" bench/ws/run.sh
#
# Parts:
#   echo: binary messages of SIZES bytes at CONNS connections, one in
#     flight per connection, every echoed byte checked by the client; msgs/s
#     and the server's CPU per message, user and user+system, from
#     /proc/PID/stat (utime, stime) around the client's run.
#   idle: server RSS growth per idle WebSocket connection at IDLE
#     connections (`shio bench ws:// --idle IDLE --pid PID`, 2 s hold), for
#     IDLE_IMPLS and shio with permessage-deflate negotiated (the client
#     offers it; "shio+deflate").
#   broadcast: BCAST idle connections held by the client; the server writes
#     one 256-byte message to all of them, BCAST_ROUNDS times; wall time and
#     process CPU (getrusage) per broadcast, median: shio (one
#     ws.PreparedMessage, TryWritePreparedMessage per connection) against
#     gorilla (a loop of WritePreparedMessage over one PreparedMessage).
#
# Environment (defaults in brackets): ROUNDS [3] DURATION [3s]
#   IMPLS ["shio gorilla coder gobwas gws nbio"] SIZES ["64 4096"]
#   CONNS ["64 256"] IDLE [19000] IDLE_IMPLS [IMPLS] BCAST [10000]
#   BCAST_ROUNDS [10] SKIP ["" or any of: echo idle broadcast]
#   PORT [17600] RAW [file: also append every measurement, tab-separated:
#   suite case impl round metric value, suite "ws"]
# The tables (markdown) go to stdout, progress to stderr.
set -euo pipefail
cd "$(dirname "$0")/.." # bench/
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-3s}
IMPLS=${IMPLS:-"shio gorilla coder gobwas gws nbio"}
SIZES=${SIZES:-"64 4096"}
CONNS=${CONNS:-"64 256"}
IDLE=${IDLE:-19000}
IDLE_IMPLS=${IDLE_IMPLS:-$IMPLS}
BCAST=${BCAST:-10000}
BCAST_ROUNDS=${BCAST_ROUNDS:-10}
SKIP=${SKIP:-}
PORT=${PORT:-17600}
RAW=${RAW:-}
BIN=$(mktemp -d)
SPID= CPID=
trap '[ -z "$CPID" ] || kill "$CPID" 2>/dev/null; [ -z "$SPID" ] || kill "$SPID" 2>/dev/null; rm -rf "$BIN"' EXIT
T0=$(date +%s)
log() { printf '[ws %4ds] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
skipped() { [[ " $SKIP " == *" $1 "* ]]; }
nice -n 10 go build -o "$BIN/server" ./ws/server
(cd .. && nice -n 10 go build -o "$BIN/shio" ./cmd/shio)
command -v taskset >/dev/null || { echo "run.sh: taskset (util-linux) is missing" >&2; exit 1; }
TICK=$(getconf CLK_TCK)
RESULTS=$BIN/results.tsv
: >"$RESULTS"
record() { # case impl round metric value
  printf 'ws\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"
  [ -z "$RAW" ] || printf 'ws\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"
}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

start_server() { # impl [extra flags...] -> SPID, SPORT (and SPORT+1 with CONTROL=1)
  local impl=$1
  shift
  PORT=$((PORT + 2))
  SPORT=$PORT
  [ -z "${CONTROL:-}" ] || set -- "$@" -control "127.0.0.1:$((SPORT + 1))"
  GOMAXPROCS=1 taskset -c 0 "$BIN/server" -impl "$impl" -addr "127.0.0.1:$SPORT" "$@" >"$BIN/server.out" 2>&1 &
  SPID=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$SPORT") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "server $impl did not start: $(cat "$BIN/server.out")" >&2
  exit 1
}
stop_server() { kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; SPID=; }
cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }
# runq_ms: milliseconds the process's threads have waited for a CPU
# (schedstat): how much other work on CPU 0 held the server back.
runq_ms() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{w += $2} END {printf "%d\n", w / 1e6}'; }
json_num() { # field file
  sed -n "s/.*\"$1\": *\([-0-9.e+]*\).*/\1/p" "$2" | head -1
}
median() { sort -g | awk '{a[NR]=$1} END{if (NR) print a[int((NR+1)/2)]}'; }
med() { # case impl metric
  awk -F'\t' -v c="$1" -v i="$2" -v m="$3" '$2==c && $3==i && $5==m {print $6}' "$RESULTS" | median
}

# 1. Echo.
if ! skipped echo; then
  for size in $SIZES; do
    for conns in $CONNS; do
      cas="${conns}x${size}"
      for round in $(seq "$ROUNDS"); do
        for impl in $IMPLS; do
          start_server "$impl"
          # A short warm-up (connections, handshakes, buffers) outside the window.
          taskset -c 1 "$BIN/shio" bench "ws://127.0.0.1:$SPORT/" -c "$conns" --size "$size" -d 300ms >/dev/null 2>&1 || true
          read -r u0 s0 < <(cpu_ticks "$SPID")
          q0=$(runq_ms "$SPID")
          if ! taskset -c 1 "$BIN/shio" bench "ws://127.0.0.1:$SPORT/" -c "$conns" --size "$size" -d "$DURATION" --json >"$BIN/out.json" 2>"$BIN/err"; then
            log "echo $cas $impl round $round: the client failed: $(tail -1 "$BIN/err")"
          fi
          read -r u1 s1 < <(cpu_ticks "$SPID")
          q1=$(runq_ms "$SPID")
          stop_server
          n=$(json_num requests "$BIN/out.json")
          rps=$(json_num requests_per_s "$BIN/out.json")
          errs=$(json_num error_total "$BIN/out.json")
          if [ -z "$n" ] || [ "$n" = 0 ]; then
            log "echo $cas $impl round $round: no messages"
            continue
          fi
          [ "${errs:-0}" = 0 ] || log "echo $cas $impl round $round: $errs errors: $(grep -A3 error_examples "$BIN/out.json" | tr -d '\n')"
          user=$(awk -v d=$((u1 - u0)) -v t="$TICK" -v n="$n" 'BEGIN{printf "%.3f", d / t * 1e6 / n}')
          total=$(awk -v d=$((u1 - u0 + s1 - s0)) -v t="$TICK" -v n="$n" 'BEGIN{printf "%.3f", d / t * 1e6 / n}')
          p99=$(sed -n '/"latency_us"/,/}/s/.*"p99": \([0-9.]*\).*/\1/p' "$BIN/out.json")
          record "$cas" "$impl" "$round" rps "$rps"
          record "$cas" "$impl" "$round" user_us "$user"
          record "$cas" "$impl" "$round" cpu_us "$total"
          record "$cas" "$impl" "$round" p99_us "${p99:-0}"
          elapsed=$(json_num elapsed_s "$BIN/out.json")
          waitpct=$(awk -v q=$((q1 - q0)) -v e="$elapsed" 'BEGIN{printf "%.0f", q / 10 / e}')
          record "$cas" "$impl" "$round" runq_pct "$waitpct"
          log "echo $cas round $round $impl: $rps msgs/s, server CPU $user user / $total total µs/msg, p99 ${p99}µs, waited for CPU ${waitpct}% of the run (load $(cut -d' ' -f1 /proc/loadavg))"
          sleep 0.2
        done
      done
    done
  done
fi

# 2. Idle memory per connection. The client is its own process (the
# 20,000-descriptor limit is per process).
idle_run() { # label impl [server flags] -- [client flags]
  local label=$1 impl=$2
  shift 2
  local sflags=() cflags=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do sflags+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  cflags=("$@")
  start_server "$impl" "${sflags[@]}"
  sleep 0.3
  if ! taskset -c 1 "$BIN/shio" bench "ws://127.0.0.1:$SPORT/" --idle "$IDLE" -d 2s --pid "$SPID" --json "${cflags[@]}" >"$BIN/idle.json" 2>"$BIN/err"; then
    log "idle $label: the client failed: $(tail -1 "$BIN/err")"
  fi
  stop_server
  local held per
  held=$(json_num held "$BIN/idle.json")
  per=$(json_num rss_bytes_per_conn "$BIN/idle.json")
  if [ -z "$per" ] || [ "${held:-0}" != "$IDLE" ]; then
    log "idle $label: held ${held:-0} of $IDLE; no figure"
    return 0
  fi
  record idle "$label" "$round" bytes_per_conn "$per"
  log "idle $IDLE round $round $label: $per bytes per connection (load $(cut -d' ' -f1 /proc/loadavg))"
}
if ! skipped idle && [ "$IDLE" -gt 0 ]; then
  for round in $(seq "$ROUNDS"); do
    for impl in $IDLE_IMPLS; do
      idle_run "$impl" "$impl"
    done
    idle_run shio+deflate shio -compress -- -H "Sec-WebSocket-Extensions: permessage-deflate"
  done
fi

# 3. Broadcast.
if ! skipped broadcast && [ "$BCAST" -gt 0 ]; then
  for round in $(seq "$ROUNDS"); do
    for impl in shio gorilla; do
      CONTROL=1 start_server "$impl"
      taskset -c 1 "$BIN/shio" bench "ws://127.0.0.1:$SPORT/" --idle "$BCAST" -d 120s >/dev/null 2>"$BIN/bcast.err" &
      CPID=$!
      ok=
      for _ in $(seq 300); do
        c=$(curl -s "http://127.0.0.1:$((SPORT + 1))/conns" | json_num conns /dev/stdin || true)
        [ "${c:-0}" -ge "$BCAST" ] && ok=1 && break
        sleep 0.1
      done
      if [ -z "$ok" ]; then
        log "broadcast $impl: only ${c:-0} of $BCAST connections: $(tail -2 "$BIN/bcast.err")"
      else
        sleep 0.5
        curl -s "http://127.0.0.1:$((SPORT + 1))/broadcast?rounds=$BCAST_ROUNDS" >"$BIN/bcast.json"
        for m in wall_us user_us total_us; do
          record broadcast "$impl" "$round" "$m" "$(json_num "$m" "$BIN/bcast.json")"
        done
        log "broadcast $BCAST round $round $impl: $(cat "$BIN/bcast.json") (load $(cut -d' ' -f1 /proc/loadavg))"
      fi
      kill -INT "$CPID" 2>/dev/null || true
      wait "$CPID" 2>/dev/null || true
      CPID=
      stop_server
    done
  done
fi

# 4. Tables.
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || b == 0) print "–"; else printf "%.2f×", a / b }'; }
echo "WebSocket servers, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)), load average $LOAD0 before and $LOAD1 after; ROUNDS=$ROUNDS DURATION=$DURATION, medians."
echo
if ! skipped echo; then
  echo "Echo (server on CPU 0 with GOMAXPROCS=1, \`shio bench ws://\` on CPU 1): msgs/s, server CPU µs per message (user / user+system), p99 latency µs, and the share of the run the server's threads waited for a CPU (schedstat run-queue wait: other work on CPU 0)."
  echo
  printf '| server |'
  for size in $SIZES; do for conns in $CONNS; do printf ' %s B × %s conns |' "$size" "$conns"; done; done
  echo
  printf '|---|'
  for size in $SIZES; do for conns in $CONNS; do printf -- '---|'; done; done
  echo
  for impl in $IMPLS; do
    printf '| %s |' "$impl"
    for size in $SIZES; do for conns in $CONNS; do
      cas="${conns}x${size}"
      printf ' %s/s, %s / %s µs, p99 %s, wait %s%% |' "$(med "$cas" "$impl" rps | awk '{printf "%.0f", $1}')" "$(med "$cas" "$impl" user_us)" "$(med "$cas" "$impl" cpu_us)" "$(med "$cas" "$impl" p99_us | awk '{printf "%.0f", $1}')" "$(med "$cas" "$impl" runq_pct)"
    done; done
    echo
  done
  if [[ " $IMPLS " == *" shio "* ]]; then
    printf '| **shio vs the best peer** |'
    for size in $SIZES; do for conns in $CONNS; do
      cas="${conns}x${size}"
      best_rps= best_cpu= bi= ci=
      for impl in $IMPLS; do
        [ "$impl" = shio ] && continue
        r=$(med "$cas" "$impl" rps); c=$(med "$cas" "$impl" cpu_us)
        [ -z "$r" ] && continue
        if [ -z "$best_rps" ] || awk -v a="$r" -v b="$best_rps" 'BEGIN{exit !(a > b)}'; then best_rps=$r; bi=$impl; fi
        if [ -z "$best_cpu" ] || awk -v a="$c" -v b="$best_cpu" 'BEGIN{exit !(a < b)}'; then best_cpu=$c; ci=$impl; fi
      done
      printf ' msgs/s %s %s, CPU %s %s |' "$(ratio "$(med "$cas" shio rps)" "$best_rps")" "${bi:-}" "$(ratio "$(med "$cas" shio cpu_us)" "$best_cpu")" "${ci:-}"
    done; done
    echo
  fi
  echo
fi
if ! skipped idle && [ "$IDLE" -gt 0 ]; then
  echo "Idle: server RSS growth (VmRSS) per WebSocket connection at $IDLE connections (handshake done, no traffic, 2 s hold), bytes, median of $ROUNDS."
  echo
  echo "| server | bytes per connection |"
  echo "|---|---|"
  for impl in $IDLE_IMPLS shio+deflate; do
    v=$(med idle "$impl" bytes_per_conn)
    printf '| %s | %s |\n' "$impl" "$(awk -v v="$v" 'BEGIN{ if (v == "") print "–"; else printf "%.0f", v }')"
  done
  echo
fi
if ! skipped broadcast && [ "$BCAST" -gt 0 ]; then
  echo "Broadcast: one 256-byte message to $BCAST connections, median of $BCAST_ROUNDS broadcasts per run, median of runs."
  echo
  echo "| server | wall µs | CPU µs (user) | CPU µs (user+system) |"
  echo "|---|---|---|---|"
  for impl in shio gorilla; do
    printf '| %s | %s | %s | %s |\n' "$impl" "$(med broadcast "$impl" wall_us)" "$(med broadcast "$impl" user_us)" "$(med broadcast "$impl" total_us)"
  done
  printf '| **shio / gorilla** | %s | %s | %s |\n' \
    "$(ratio "$(med broadcast shio wall_us)" "$(med broadcast gorilla wall_us)")" \
    "$(ratio "$(med broadcast shio user_us)" "$(med broadcast gorilla user_us)")" \
    "$(ratio "$(med broadcast shio total_us)" "$(med broadcast gorilla total_us)")"
  echo
fi
