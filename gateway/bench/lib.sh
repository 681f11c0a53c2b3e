# Set-up shared by the gateway's bench scripts, which source it: a scratch folder and the
# processes to stop at exit, the tools a script needs, release builds, a signing key, the
# trivial upstream on port 18080 and the gateway's settings.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/mercato/target}
release=$CARGO_TARGET_DIR/release
work=$(mktemp -d)
pids=()

bench_cleanup() {
  # Wait for each to exit: a draining gateway still holds its port for the next run.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap bench_cleanup EXIT

# bench_start TOOL...: checks the tools, starts the local dependencies, builds, makes a key and
# starts the upstream (its pid in upstream_pid). Sets gateway_env, the gateway's settings.
bench_start() {
  local tool package
  for tool in "$@"; do
    package=$tool
    [[ $tool == nginx ]] && package=nginx-light
    command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install $package" >&2; exit 1; }
  done
  scripts/deps.sh >/dev/null
  cargo build --release --locked --quiet -p mercato-gateway --bin gateway \
    --example bench-upstream --example bench-bare-proxy
  cargo build --release --locked --quiet -p mercato-common --bin mercato-keygen
  "$release/mercato-keygen" --out-dir "$work/keys" --kid bench >/dev/null
  "$release/examples/bench-upstream" 18080 & pids+=($!)
  upstream_pid=$!
  gateway_env=(
    RUST_LOG=warn LISTEN_ADDR=127.0.0.1:18081
    "TOKEN_SIGNING_KEY_FILE=$work/keys/bench.pem" TOKEN_SIGNING_KID=bench
    UPSTREAMS=gigs=http://127.0.0.1:18080 RATE_LIMIT_PER_IP=100000000 "REDIS_PREFIX=bench:$$:"
  )
}
