#!/usr/bin/env bash
# Gateway benchmark: wrk against a trivial upstream directly, through the gateway (token
# minting, Redis rate limit, header rules) and through nginx as a plain keep-alive reverse
# proxy, in one run on this machine. Prints requests/s and latency percentiles for each and
# the gateway/nginx ratios. Loopback only; each run lasts DURATION seconds (default 10).
#
#   gateway/bench/run.sh            # needs wrk and nginx (apt-get install wrk nginx-light)
#   CONNECTIONS=50 DURATION=10 gateway/bench/run.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/mercato/target}
connections=${CONNECTIONS:-50}
duration=${DURATION:-10}
work=$(mktemp -d)
pids=()
cleanup() {
  # Wait for each to exit: a draining gateway still holds its port for the next run.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install wrk nginx-light" >&2; exit 1; }
done
scripts/deps.sh >/dev/null

cargo build --release --locked --quiet -p mercato-gateway --bin gateway --example bench-upstream
cargo build --release --locked --quiet -p mercato-common --bin mercato-keygen
release=$CARGO_TARGET_DIR/release

"$release/mercato-keygen" --out-dir "$work/keys" --kid bench >/dev/null
"$release/examples/bench-upstream" 18080 & pids+=($!)
RUST_LOG=warn LISTEN_ADDR=127.0.0.1:18081 TOKEN_SIGNING_KEY_FILE=$work/keys/bench.pem TOKEN_SIGNING_KID=bench \
  UPSTREAMS=gigs=http://127.0.0.1:18080 RATE_LIMIT_PER_IP=100000000 REDIS_PREFIX="bench:$$:" \
  "$release/gateway" >"$work/gateway.log" 2>&1 & pids+=($!)
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream mercato { server 127.0.0.1:18080; keepalive 64; }
  server {
    listen 127.0.0.1:18082;
    location /api/v1/ {
      proxy_pass http://mercato/v1/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
nginx -c "$work/nginx.conf"

for port in 18080 18081 18082; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done

measure() {
  local name=$1 url=$2
  curl -fsS -o /dev/null "$url" || { echo "$name does not answer $url" >&2; exit 1; }
  wrk -t1 -c"$connections" -d"${duration}s" --latency "$url" >"$work/$name.txt"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$name.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/$name.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$name.txt")
  printf '%-8s %12s req/s   p50 %8s   p99 %8s\n' "$name" "$rps" "$p50" "$p99"
  echo "$rps" >"$work/$name.rps"
}

echo "wrk -t1 -c$connections -d${duration}s, upstream answers a small JSON body"
measure direct "http://127.0.0.1:18080/v1/categories"
measure gateway "http://127.0.0.1:18081/api/v1/categories"
measure nginx "http://127.0.0.1:18082/api/v1/categories"
awk -v g="$(cat "$work/gateway.rps")" -v n="$(cat "$work/nginx.rps")" -v d="$(cat "$work/direct.rps")" \
  'BEGIN { printf "gateway/nginx throughput: %.2f   gateway/direct: %.2f   nginx/direct: %.2f\n", g/n, g/d, n/d }'
