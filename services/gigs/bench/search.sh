#!/usr/bin/env bash
# Gig search on COUNT generated gigs (default 100,000), direct to the gigs service and through
# the gateway, with release builds and the limits raised. For each query: at light load (one
# connection) requests/s, p50 and p99; saturated (CONNECTIONS, default 32) requests/s and the
# CPU microseconds per request of gigs, the gateway and PostgreSQL (user + system, from /proc).
# Then EXPLAIN ANALYZE of the main query. Loopback only; each load lasts DURATION seconds
# (default 10). Needs wrk (apt-get install wrk).
#
#   services/gigs/bench/search.sh                   # COUNT=100000 DURATION=10 CONNECTIONS=32
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/mercato/target}
count=${COUNT:-100000}
duration=${DURATION:-10}
connections=${CONNECTIONS:-32}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  # The run's own queues and exchanges, through the management API.
  python3 scripts/clean-test-broker.py --prefix "bench.$$" >/dev/null || true
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
scripts/deps.sh >/dev/null
cargo build --release --locked --quiet -p mercato-gateway --bin gateway
cargo build --release --locked --quiet -p mercato-gigs --bin gigs --bin gigs-seed
cargo build --release --locked --quiet -p mercato-common --bin mercato-keygen --bin mercato-token
release=$CARGO_TARGET_DIR/release

database=mercato_gigs_bench
psql=(psql -q -X -v ON_ERROR_STOP=1 "postgres://mercato:mercato@127.0.0.1:5432/postgres")
"${psql[@]}" -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database"
export DATABASE_URL=postgres://mercato:mercato@127.0.0.1:5432/$database
seed_started=$SECONDS
"$release/gigs-seed" --count "$count"
echo "seeded in $((SECONDS - seed_started)) s"
"$release/mercato-keygen" --out-dir "$work/keys" --kid bench >/dev/null
export EVENTS_EXCHANGE="bench.$$.events" EVENTS_DEAD_LETTER_EXCHANGE="bench.$$.dlx" \
  EVENTS_QUEUE_PREFIX="bench.$$" RUST_LOG=warn
LISTEN_ADDR=127.0.0.1:18204 TOKEN_JWKS_FILE=$work/keys/jwks.json \
  "$release/gigs" >"$work/gigs.log" 2>&1 & pids+=($!)
gigs_pid=$!
LISTEN_ADDR=127.0.0.1:18201 TOKEN_SIGNING_KEY_FILE=$work/keys/bench.pem TOKEN_SIGNING_KID=bench \
  UPSTREAMS=gigs=http://127.0.0.1:18204 REDIS_PREFIX="bench:$$:" \
  RATE_LIMIT_PER_IP=100000000 RATE_LIMIT_PER_ACCOUNT=100000000 \
  "$release/gateway" >"$work/gateway.log" 2>&1 & pids+=($!)
gateway_pid=$!
for _ in $(seq 1 300); do
  curl -fs -o /dev/null http://127.0.0.1:18201/readyz && curl -fs -o /dev/null http://127.0.0.1:18204/readyz && break
  sleep 0.1
done

# A direct request needs an internal token for gigs, as the gateway mints it; it lives 60 s,
# so each load gets a fresh one.
token() { "$release/mercato-token" --key-file "$work/keys/bench.pem" --kid bench --service gigs; }
cpu_seconds() { awk -v tck="$(getconf CLK_TCK)" '{ print ($14 + $15) / tck }' "/proc/$1/stat"; }
postgres_seconds() {
  local pid total=0
  for pid in $(pgrep -u postgres postgres || true); do
    # A backend may end between the listing and the read.
    [[ -r /proc/$pid/stat ]] || continue
    total=$(awk -v t="$total" -v tck="$(getconf CLK_TCK)" '{ print t + ($14 + $15) / tck }' "/proc/$pid/stat" 2>/dev/null || echo "$total")
  done
  echo "$total"
}

# load NAME CONNECTIONS URL [HEADER]: one wrk run; prints a line of figures.
load() {
  local name=$1 conns=$2 url=$3 header=${4:-x-bench: 1}
  local g0 w0 p0
  g0=$(cpu_seconds "$gigs_pid"); w0=$(cpu_seconds "$gateway_pid"); p0=$(postgres_seconds)
  wrk -t1 -c"$conns" -d"${duration}s" --latency -H "$header" "$url" >"$work/wrk.txt"
  awk -v name="$name" -v c="$conns" \
    -v n="$(awk '/requests in/ {print $1}' "$work/wrk.txt")" \
    -v bad="$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt")" \
    -v rps="$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")" \
    -v p50="$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")" \
    -v p99="$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")" \
    -v g0="$g0" -v g1="$(cpu_seconds "$gigs_pid")" \
    -v w0="$w0" -v w1="$(cpu_seconds "$gateway_pid")" \
    -v p0="$p0" -v p1="$(postgres_seconds)" 'BEGIN {
      printf "  %-8s c=%-3d %9s req/s  p50 %8s  p99 %8s  non-2xx %-3s | CPU us/req: gigs %6.0f  gateway %6.0f  postgres %6.0f\n",
        name, c, rps, p50, p99, (bad == "" ? 0 : bad), (g1 - g0) / n * 1e6, (w1 - w0) / n * 1e6, (p1 - p0) / n * 1e6
    }'
}

queries=(
  "q=logo"
  "q=logo%20design"
  "q=minimalist%20logo%20design&category=graphics-design&max_price=50000"
  "q=video%20editing&sort=price_asc"
  "q=professional%20website&max_delivery_days=7&sort=price_desc"
  "category=programming-tech&sort=newest"
)
echo "cores: $(nproc); $count gigs; wrk -t1 -d${duration}s; light load c=1, saturated c=$connections"
for query in "${queries[@]}"; do
  echo "GET /gigs?$query"
  load direct 1 "http://127.0.0.1:18204/v1/gigs?$query" "authorization: Bearer $(token)"
  load gateway 1 "http://127.0.0.1:18201/api/v1/gigs?$query"
  load direct "$connections" "http://127.0.0.1:18204/v1/gigs?$query" "authorization: Bearer $(token)"
  load gateway "$connections" "http://127.0.0.1:18201/api/v1/gigs?$query"
done

echo
echo "EXPLAIN ANALYZE of the relevance search for 'logo design' (the query src/search.rs builds):"
psql -X "$DATABASE_URL" <<'SQL'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT g.id, ts_rank_cd(g.search, websearch_to_tsquery('english', 'logo design'))::float8 AS sort_key
FROM gigs g JOIN sellers s ON s.user_id = g.seller_user_id
WHERE g.deleted_at IS NULL AND g.active = true
  AND g.search @@ websearch_to_tsquery('english', 'logo design')
ORDER BY sort_key DESC, g.id DESC LIMIT 21;
SQL
"${psql[@]}" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)"
