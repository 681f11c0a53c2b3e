#!/usr/bin/env bash
# Real time through the gateway: CLIENTS (default 1,000) authenticated Socket.IO clients on
# loopback, PAIRS (default 100) of them exchanging ROUNDS (default 20) messages each over HTTP
# sends, the rest idle. Release builds of the gateway and chat on ports of their own, with
# their own database, broker names and Redis prefixes; reports the send-to-receipt latency at
# the other socket, sends per second, the gateway's memory per idle connection and the CPU per
# message of the gateway and chat. See README.md beside this script.
#
#   services/chat/bench/realtime.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/mercato/target}
release=$CARGO_TARGET_DIR/release
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  python3 scripts/clean-test-broker.py --prefix "bench.$$" >/dev/null 2>&1 || true
}
trap cleanup EXIT
scripts/deps.sh >/dev/null
cargo build --release --locked --quiet -p mercato-gateway --bin gateway
cargo build --release --locked --quiet -p mercato-chat --bin chat --example realtime-bench
cargo build --release --locked --quiet -p mercato-common --bin mercato-keygen
"$release/mercato-keygen" --out-dir "$work/keys" --kid bench >/dev/null

export EVENTS_EXCHANGE="bench.$$.events" EVENTS_DEAD_LETTER_EXCHANGE="bench.$$.dlx" \
  EVENTS_QUEUE_PREFIX="bench.$$" RUST_LOG=warn PRESENCE_PREFIX="bench:$$" \
  REALTIME_CHANNEL="bench.$$.chat"
ulimit -n 20000
LISTEN_ADDR=127.0.0.1:18305 TOKEN_JWKS_FILE=$work/keys/jwks.json \
  MONGODB_DATABASE="mercato_chat_bench_$$" \
  "$release/chat" >"$work/chat.log" 2>&1 & pids+=($!)
chat_pid=$!
LISTEN_ADDR=127.0.0.1:18300 TOKEN_SIGNING_KEY_FILE=$work/keys/bench.pem TOKEN_SIGNING_KID=bench \
  UPSTREAMS=chat=http://127.0.0.1:18305 REDIS_PREFIX="bench:$$:" \
  RATE_LIMIT_PER_IP=100000000 RATE_LIMIT_PER_ACCOUNT=100000000 \
  "$release/gateway" >"$work/gateway.log" 2>&1 & pids+=($!)
gateway_pid=$!
for _ in $(seq 1 300); do
  curl -fs -o /dev/null http://127.0.0.1:18300/readyz && curl -fs -o /dev/null http://127.0.0.1:18305/readyz && break
  sleep 0.1
done

echo "cores: $(nproc)"
"$release/examples/realtime-bench" --gateway http://127.0.0.1:18300 \
  --key-file "$work/keys/bench.pem" --kid bench \
  --clients "${CLIENTS:-1000}" --pairs "${PAIRS:-100}" --rounds "${ROUNDS:-20}" \
  --gateway-pid "$gateway_pid" --chat-pid "$chat_pid"
"${MERCATO_STATE_DIR:-$HOME/.cache/mercato}/venv/bin/python" - "mercato_chat_bench_$$" <<'PY' 2>/dev/null || true
import sys, pymongo
pymongo.MongoClient("mongodb://127.0.0.1:27017/?directConnection=true").drop_database(sys.argv[1])
PY
