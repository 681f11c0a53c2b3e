#!/usr/bin/env bash
# The signed-in read a client makes most: GET /api/v1/auth/me with a bearer token, through the
# gateway to auth and its MySQL query, with release builds and the limits raised. Prints
# requests/s, p50/p99 and the CPU microseconds per request of the gateway and of auth (user +
# system, from /proc), RUNS times in a row. Loopback only; each run lasts DURATION seconds
# (default 10). Needs wrk (apt-get install wrk).
#
#   services/auth/bench/me.sh                       # RUNS=5 DURATION=10 CONNECTIONS=50
#   PROFILE=auth services/auth/bench/me.sh          # or PROFILE=gateway: instructions instead
#
# PROFILE runs that one process under callgrind (one worker), counts only while wrk loads it
# and prints its instructions per request and where they go (needs valgrind).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/mercato/target}
duration=${DURATION:-10}
connections=${CONNECTIONS:-50}
runs=${RUNS:-5}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
scripts/deps.sh >/dev/null
cargo build --release --locked --quiet -p mercato-gateway --bin gateway
cargo build --release --locked --quiet -p mercato-auth --bin auth --bin auth-seed
cargo build --release --locked --quiet -p mercato-common --bin mercato-keygen
release=$CARGO_TARGET_DIR/release

database=mercato_auth_bench
mariadb -umercato -pmercato -h127.0.0.1 -e "DROP DATABASE IF EXISTS $database; CREATE DATABASE $database"
export DATABASE_URL=mysql://mercato:mercato@127.0.0.1:3306/$database
"$release/auth-seed" >/dev/null
"$release/mercato-keygen" --out-dir "$work/keys" --kid bench >/dev/null
export EVENTS_EXCHANGE="bench.$$.events" EVENTS_DEAD_LETTER_EXCHANGE="bench.$$.dlx" RUST_LOG=warn
# shellcheck disable=SC2163 # SERVICE_ENV holds NAME=value settings for both processes
[[ -n ${SERVICE_ENV:-} ]] && export ${SERVICE_ENV}
profile=${PROFILE:-}
case $profile in
  '' | auth | gateway) ;;
  *) echo "PROFILE is auth or gateway" >&2; exit 2 ;;
esac
# The profiled process runs under callgrind, not counting until the load starts.
under_profile() {
  if [[ $1 == "$profile" ]]; then
    command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 1; }
    echo env TOKIO_WORKER_THREADS=1 valgrind --tool=callgrind --instr-atstart=no \
      "--callgrind-out-file=${TMPDIR:-/tmp}/callgrind.me.$1.out"
  fi
}
# shellcheck disable=SC2046 # under_profile prints a command prefix, or nothing
LISTEN_ADDR=127.0.0.1:18102 TOKEN_JWKS_FILE=$work/keys/jwks.json \
  $(under_profile auth) "$release/auth" >"$work/auth.log" 2>&1 & pids+=($!)
auth_pid=$!
# shellcheck disable=SC2046
LISTEN_ADDR=127.0.0.1:18101 TOKEN_SIGNING_KEY_FILE=$work/keys/bench.pem TOKEN_SIGNING_KID=bench \
  UPSTREAMS=auth=http://127.0.0.1:18102 REDIS_PREFIX="bench:$$:" \
  RATE_LIMIT_PER_IP=100000000 RATE_LIMIT_PER_ACCOUNT=100000000 \
  $(under_profile gateway) "$release/gateway" >"$work/gateway.log" 2>&1 & pids+=($!)
gateway_pid=$!
for _ in $(seq 1 300); do
  curl -fs -o /dev/null http://127.0.0.1:18101/readyz && curl -fs -o /dev/null http://127.0.0.1:18102/readyz && break
  sleep 0.1
done

token=$(curl -fsS http://127.0.0.1:18101/api/v1/auth/signin -H 'content-type: application/json' \
  -d '{"login": "anna_designs", "password": "mercato-demo-2026", "device_id": "demo-device"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
curl -fsS -o /dev/null -H "authorization: Bearer $token" http://127.0.0.1:18101/api/v1/auth/me

cpu_seconds() { awk -v tck="$(getconf CLK_TCK)" '{ print ($14 + $15) / tck }' "/proc/$1/stat"; }

if [[ -n $profile ]]; then
  pid_var=${profile}_pid
  out=${TMPDIR:-/tmp}/callgrind.me.$profile.out
  callgrind_control --instr=on "${!pid_var}" >/dev/null 2>&1
  requests=$(wrk -t1 -c4 -d"${duration}s" -H "authorization: Bearer $token" \
    http://127.0.0.1:18101/api/v1/auth/me | awk '/requests in/ {print $1}')
  callgrind_control --instr=off "${!pid_var}" >/dev/null 2>&1
  kill -INT "${!pid_var}"; wait "${!pid_var}" 2>/dev/null || true
  total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  echo "$profile: $requests requests under callgrind, $((total / requests)) instructions per request"
  # The first (inclusive) count of a few parts, per request; parts may nest.
  callgrind_annotate --inclusive=yes "$out" 2>/dev/null | awk -v n="$requests" '
    function part(label, pattern) { if ($0 ~ pattern && !(label in seen)) { v = $1; gsub(",", "", v); seen[label] = v / n } }
    { part("gateway: the API handler, all it does below", "mercato_gateway::api::forward")
      part("gateway: sending to auth and reading its answer", "Client<C,B>::send_request")
      part("token verification (cached claims)", "TokenVerifier::verify")
      part("auth: reading the account (sqlx, MySQL protocol)", "mercato_auth::store::user_by_id")
      part("auth: sqlx pinging the connection back into the pool", "MySqlConnection as sqlx_core::connection::Connection>::ping")
      part("auth: writing the JSON answer", "axum::json::Json<T> as axum_core::response::into_response") }
    END { for (label in seen) printf "  %-55s %8d\n", label, seen[label] }'
  echo "profile: $out (callgrind_annotate --inclusive=yes)"
  exit 0
fi
echo "cores: $(nproc); wrk -t1 -c$connections -d${duration}s GET /api/v1/auth/me (bearer token), $runs runs"
for run in $(seq 1 "$runs"); do
  gateway_before=$(cpu_seconds "$gateway_pid"); auth_before=$(cpu_seconds "$auth_pid")
  wrk -t1 -c"$connections" -d"${duration}s" --latency -H "authorization: Bearer $token" \
    http://127.0.0.1:18101/api/v1/auth/me >"$work/me.txt"
  requests=$(awk '/requests in/ {print $1}' "$work/me.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$work/me.txt")
  awk -v run="$run" -v n="$requests" -v bad="${non2xx:-0}" \
    -v g0="$gateway_before" -v g1="$(cpu_seconds "$gateway_pid")" \
    -v a0="$auth_before" -v a1="$(cpu_seconds "$auth_pid")" \
    -v rps="$(awk '/Requests\/sec/ {print $2}' "$work/me.txt")" \
    -v p50="$(awk '$1 == "50%" {print $2}' "$work/me.txt")" \
    -v p99="$(awk '$1 == "99%" {print $2}' "$work/me.txt")" 'BEGIN {
      printf "run %d: %9s req/s  p50 %8s  p99 %8s  non-2xx %s  | CPU us/request: gateway %.1f, auth %.1f\n",
        run, rps, p50, p99, bad, (g1 - g0) / n * 1e6, (a1 - a0) / n * 1e6
    }'
done
mariadb -umercato -pmercato -h127.0.0.1 -e "DROP DATABASE IF EXISTS $database"
