#!/usr/bin/env bash
# Instructions the gateway executes per proxied request, counted by callgrind: unlike
# requests/s on a shared machine, the count repeats run after run, so a change of a few percent
# shows. Counts user space only (the kernel's share is in run.sh's CPU columns).
#
#   gateway/bench/instructions.sh          # needs valgrind and wrk
#   SECONDS_UNDER_LOAD=20 gateway/bench/instructions.sh
#   TARGET=bare gateway/bench/instructions.sh   # the bare proxy on the same stack: the floor
#
# Prints instructions per request in all, in Ed25519 signing, and in everything else, and
# leaves the profile for `callgrind_annotate --inclusive=yes <file>`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
seconds=${SECONDS_UNDER_LOAD:-10}
bench_start wrk valgrind

target=${TARGET:-gateway}
profile=${PROFILE_OUT:-${TMPDIR:-/tmp}/callgrind.$target.out}
# One worker, and counting starts only once the proxy answers, so start-up is not counted.
# TARGET=bare counts the bare proxy on the gateway's stack instead: the floor.
case $target in
  gateway) command=("$release/gateway") ;;
  bare) command=("$release/examples/bench-bare-proxy" 18081 18080) ;;
  *) echo "TARGET is gateway or bare" >&2; exit 2 ;;
esac
env "${gateway_env[@]}" TOKIO_WORKER_THREADS=1 \
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$profile" \
  "${command[@]}" >"$work/gateway.log" 2>&1 &
valgrind_pid=$!
pids+=("$valgrind_pid")
for _ in $(seq 1 120); do curl -s -o /dev/null http://127.0.0.1:18081/api/v1/categories && break; sleep 0.5; done
callgrind_control --instr=on "$valgrind_pid" >/dev/null 2>&1
requests=$(wrk -t1 -c4 -d"${seconds}s" http://127.0.0.1:18081/api/v1/categories | awk '/requests in/ {print $1}')
callgrind_control --instr=off "$valgrind_pid" >/dev/null 2>&1
# The gateway stops on SIGINT; the bare proxy has no handler and ends on SIGTERM.
kill -INT "$valgrind_pid"; [[ $target == bare ]] && kill -TERM "$valgrind_pid"
wait "$valgrind_pid" 2>/dev/null || true

total=$(callgrind_annotate "$profile" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
# awk reads to the end: quitting at the first match would break the pipe under pipefail.
signing=$(callgrind_annotate --inclusive=yes "$profile" 2>/dev/null |
  awk '/ED25519_sign_no_self_test/ && !seen { gsub(",", "", $1); print $1; seen = 1 }')
echo "$requests requests under callgrind"
awk -v t="$total" -v s="${signing:-0}" -v n="$requests" 'BEGIN {
  printf "instructions per request: %d in all, %d signing the internal token, %d the rest\n", t/n, s/n, (t-s)/n
}'
echo "profile: $profile"
