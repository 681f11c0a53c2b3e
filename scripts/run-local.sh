#!/usr/bin/env bash
# Runs the whole platform on this machine: starts the dependencies (scripts/deps.sh), builds the
# components and the web client (scripts/web.sh build), makes a development key pair on first
# use, starts every component in the background and prints the gateway URL (the marketplace in
# a browser, and its API) once all of them are ready.
#
#   scripts/run-local.sh          start (or restart) everything
#   scripts/run-local.sh stop     stop the components (the dependencies keep running)
#   scripts/run-local.sh status   show which components run
#   scripts/run-local.sh reset    stop the components and delete the local data (databases,
#                                 queues, Redis keys), so the next start seeds afresh
#
# Logs: .dev/logs/<component>.log (JSON lines). Set RUST_LOG to change the level.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/mercato/target}
dev=$root/.dev
bin=$CARGO_TARGET_DIR/debug

# "component port binary" of every platform component (scripts/components.tsv names them).
mapfile -t components < <(awk '!/^#/ && $5 == "platform" { print $1, $2, $3 }' scripts/components.tsv)

stop() {
  local entry name pid
  for entry in "${components[@]}"; do
    read -r name _ _ <<<"$entry"
    [[ -f $dev/pids/$name ]] || continue
    pid=$(<"$dev/pids/$name")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      # Graceful shutdown: the drain window is 1 s locally, then in-flight requests finish.
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      echo "stopped $name"
    fi
    rm -f "$dev/pids/$name"
  done
}

status() {
  local entry name port pid
  for entry in "${components[@]}"; do
    read -r name port _ <<<"$entry"
    pid=$(cat "$dev/pids/$name" 2>/dev/null || true)
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      echo "$name: running (pid $pid) on http://127.0.0.1:$port"
    else
      echo "$name: stopped"
    fi
  done
}

# Deletes what a local run keeps, as a fresh machine would have it (the dependencies keep
# running; deps.sh makes the databases again on the next start).
reset() {
  stop
  local venv=$HOME/.cache/mercato/venv
  for db in mercato_gigs mercato_orders mercato_reviews; do
    runuser -u postgres -- psql -X -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  done
  mariadb -uroot -e "DROP DATABASE IF EXISTS mercato_auth"
  "$venv/bin/python" -c 'import pymongo; c = pymongo.MongoClient("mongodb://127.0.0.1:27017"); [c.drop_database(d) for d in ("mercato_users", "mercato_chat")]'
  "$venv/bin/python" scripts/clean-test-broker.py --prefix mercato.
  redis-cli -h 127.0.0.1 --scan --pattern 'mercato*' | xargs -r redis-cli -h 127.0.0.1 del >/dev/null
  echo "deleted the local data; scripts/run-local.sh starts afresh"
}

case ${1:-start} in
  stop) stop; exit 0 ;;
  status) status; exit 0 ;;
  reset) reset; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop|status|reset]" >&2; exit 2 ;;
esac

scripts/deps.sh
echo "building the components..."
cargo build --locked --bins --quiet
scripts/web.sh build >/dev/null

mkdir -p "$dev/logs" "$dev/pids"
if [[ ! -f $dev/keys/dev-1.pem ]]; then
  "$bin/mercato-keygen" --out-dir "$dev/keys" --kid dev-1 >/dev/null
  echo "made a development key pair in .dev/keys"
fi

stop >/dev/null
for entry in "${components[@]}"; do
  read -r name port binary <<<"$entry"
  LISTEN_ADDR=127.0.0.1:$port \
  SHUTDOWN_DRAIN_SECONDS=1 \
  TOKEN_SIGNING_KEY_FILE=$dev/keys/dev-1.pem \
  TOKEN_SIGNING_KID=dev-1 \
  TOKEN_JWKS_FILE=$dev/keys/jwks.json \
  UPSTREAMS=auth=http://127.0.0.1:4002,users=http://127.0.0.1:4003,gigs=http://127.0.0.1:4004,chat=http://127.0.0.1:4005,orders=http://127.0.0.1:4006,reviews=http://127.0.0.1:4007 \
  COOKIE_SECURE=false \
  WEB_ROOT=$root/web/dist \
  WEB_ORIGINS=http://127.0.0.1:8333 \
  ALLOWED_ORIGINS=http://127.0.0.1:4000,http://localhost:4000 \
    setsid nohup "$bin/$binary" >>"$dev/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dev/pids/$name"
done

for entry in "${components[@]}"; do
  read -r name port _ <<<"$entry"
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    kill -0 "$(<"$dev/pids/$name")" 2>/dev/null || { echo "$name failed to start; see .dev/logs/$name.log" >&2; tail -n 5 "$dev/logs/$name.log" >&2; exit 1; }
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { echo "$name is not ready; see .dev/logs/$name.log" >&2; exit 1; }
done

"$bin/auth-seed"
"$bin/users-seed"
"$bin/gigs-seed"
"$bin/chat-seed"
"$bin/orders-seed"
"$bin/reviews-seed"
status
echo
echo "Mercato is running: open http://127.0.0.1:4000 in a browser (the marketplace; the API is under /api/v1)"
echo "API reference: http://127.0.0.1:4000/api/v1/docs"
echo "Try a search:  curl -s 'http://127.0.0.1:4000/api/v1/gigs?q=logo&sort=price_asc'"
echo "Demo accounts: anna_designs, ben_codes, carla_words, dev_video (password mercato-demo-2026,"
echo "  device_id demo-device); ben_codes has a conversation with an offer from anna_designs,"
echo "  demo orders in every state (GET /api/v1/orders as any of them), and reviews of the"
echo "  completed ones (GET /api/v1/sellers/<id>/reviews for anna_designs)."
echo "Payments: the sandbox; pay an order with card 4242424242424242 at its payment.confirmation_url."
echo "Real time: Socket.IO at http://127.0.0.1:4000/socket.io/ with auth {token: <access token>}"
echo "Stop it with: scripts/run-local.sh stop"
