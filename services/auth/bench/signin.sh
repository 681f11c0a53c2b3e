#!/usr/bin/env bash
# Sign-in benchmark: how many sign-ins per second the auth service does through the gateway
# (Argon2id dominates), with the CPU the two processes used; then the same load with the
# gateway's default limits, to show where the limiter starts answering 429.
# Loopback only; each phase lasts DURATION seconds (default 10). Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/mercato/target}
duration=${DURATION:-10}
connections=${CONNECTIONS:-8}
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
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
LISTEN_ADDR=127.0.0.1:18102 TOKEN_JWKS_FILE=$work/keys/jwks.json "$release/auth" >"$work/auth.log" 2>&1 & pids+=($!)
auth_pid=$!

start_gateway() {
  LISTEN_ADDR=127.0.0.1:18101 TOKEN_SIGNING_KEY_FILE=$work/keys/bench.pem TOKEN_SIGNING_KID=bench \
    UPSTREAMS=auth=http://127.0.0.1:18102 REDIS_PREFIX="bench:$$:$1:" "${@:2}" \
    "$release/gateway" >"$work/gateway.log" 2>&1 &
  gateway_pid=$!
  pids+=($gateway_pid)
  for _ in $(seq 1 100); do curl -fs -o /dev/null http://127.0.0.1:18101/readyz && curl -fs -o /dev/null http://127.0.0.1:18102/readyz && return; sleep 0.1; done
  echo "the gateway or auth did not start" >&2; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "argon2: $(mariadb -umercato -pmercato -h127.0.0.1 -N -e "SELECT SUBSTRING_INDEX(password_hash, '\$', 4) FROM $database.users LIMIT 1")"
echo "cores: $(nproc); wrk -t1 -c$connections -d${duration}s POST /api/v1/auth/signin"

start_gateway unlimited env RATE_LIMIT_PER_IP=100000000 RATE_LIMIT_PER_ACCOUNT=100000000
before_auth=$(cpu_ticks "$auth_pid"); before_gateway=$(cpu_ticks "$gateway_pid"); started=$(date +%s.%N)
wrk -t1 -c"$connections" -d"${duration}s" --latency -s services/auth/bench/signin.lua http://127.0.0.1:18101/api/v1/auth/signin >"$work/unlimited.txt"
elapsed=$(echo "$(date +%s.%N) - $started" | bc)
hz=$(getconf CLK_TCK)
auth_cpu=$(echo "scale=0; ($(cpu_ticks "$auth_pid") - $before_auth) * 100 / $hz / $elapsed" | bc)
gateway_cpu=$(echo "scale=0; ($(cpu_ticks "$gateway_pid") - $before_gateway) * 100 / $hz / $elapsed" | bc)
printf 'no limits:      %s sign-ins/s, p50 %s, p99 %s; CPU auth %s%%, gateway %s%% (of one core)\n' \
  "$(awk '/Requests\/sec/ {print $2}' "$work/unlimited.txt")" "$(awk '$1 == "50%" {print $2}' "$work/unlimited.txt")" \
  "$(awk '$1 == "99%" {print $2}' "$work/unlimited.txt")" "$auth_cpu" "$gateway_cpu"
grep -q "Non-2xx" "$work/unlimited.txt" && grep "Non-2xx" "$work/unlimited.txt"
kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true

start_gateway defaults env
wrk -t1 -c"$connections" -d"${duration}s" -s services/auth/bench/signin.lua http://127.0.0.1:18101/api/v1/auth/signin >"$work/limited.txt"
total=$(awk '/requests in/ {print $1}' "$work/limited.txt")
refused=$(awk '/Non-2xx/ {print $5}' "$work/limited.txt")
printf 'default limits: %s requests in %ss, %s answered 429 (per account: 10 a minute, per IP: 600 a minute)\n' \
  "$total" "$duration" "${refused:-0}"
mariadb -umercato -pmercato -h127.0.0.1 -e "DROP DATABASE IF EXISTS $database"
