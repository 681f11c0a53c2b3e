#!/usr/bin/env bash
# Gateway benchmark: wrk against a trivial upstream directly, through the gateway, through a
# bare proxy on the gateway's stack (with and without token signing) and through nginx as a
# plain keep-alive reverse proxy, in one run on this machine, saturated and at light load.
# Prints requests/s, latency percentiles and CPU per request of each process, and the ratios
# to nginx. Loopback only; each wrk run lasts DURATION seconds (default 10). See README.md.
#
#   gateway/bench/run.sh            # needs wrk and nginx (apt-get install wrk nginx-light)
#   CONNECTIONS=50 DURATION=10 WORKERS=1 gateway/bench/run.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
connections=${CONNECTIONS:-50}
duration=${DURATION:-10}
bench_start wrk nginx
# Runtime threads of each Rust proxy: one by default, like nginx's one worker process, so CPU
# per request compares like with like; WORKERS=2 gives each a thread per core.
export TOKIO_WORKER_THREADS=${WORKERS:-1}
# shellcheck disable=SC2086 # GATEWAY_ENV holds settings separated by spaces
env "${gateway_env[@]}" ${GATEWAY_ENV:-} "$release/gateway" >"$work/gateway.log" 2>&1 & pids+=($!)
gateway_pid=$!
"$release/examples/bench-bare-proxy" 18083 18080 & pids+=($!)
bare_pid=$!
"$release/examples/bench-bare-proxy" 18084 18080 "$work/keys/bench.pem" & pids+=($!)
signing_pid=$!
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
redis_pid=$(redis-cli info server | awk -F: '/^process_id/ { print $2 + 0 }')

for port in 18080 18081 18082 18083 18084; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done

# CPU seconds (user + system, all threads) a process has used so far.
cpu_seconds() {
  awk -v tck="$(getconf CLK_TCK)" '{ print ($14 + $15) / tck }' "/proc/$1/stat"
}

# One wrk run with $conns connections against $url; prints rate and latency, and the CPU each
# process spent per request (wrk's own from the subshell's `times`).
measure() {
  local conns=$1 name=$2 url=$3 proxy_pid=${4:-}
  curl -fsS -o /dev/null "$url" || { echo "$name does not answer $url" >&2; exit 1; }
  local before=() pid
  for pid in "$upstream_pid" "$redis_pid" ${proxy_pid:+"$proxy_pid"}; do before+=("$(cpu_seconds "$pid")"); done
  local wrk_cpu
  wrk_cpu=$( (wrk -t1 -c"$conns" -d"${duration}s" --latency "$url" >"$work/$name.txt"; times) |
    awk 'NR == 2 { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }')
  local rps p50 p99 requests
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$name.txt")
  requests=$(awk '/requests in/ {print $1}' "$work/$name.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/$name.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$name.txt")
  local per_request=() i=0
  for pid in "$upstream_pid" "$redis_pid" ${proxy_pid:+"$proxy_pid"}; do
    per_request+=("$(awk -v a="${before[$i]}" -v b="$(cpu_seconds "$pid")" -v n="$requests" 'BEGIN { printf "%.1f", (b - a) / n * 1e6 }')")
    i=$((i + 1))
  done
  local wrk_us
  wrk_us=$(awk -v c="$wrk_cpu" -v n="$requests" 'BEGIN { printf "%.1f", c / n * 1e6 }')
  printf '%-8s %10s req/s  p50 %8s  p99 %8s  | CPU us/request: wrk %s, upstream %s, redis %s%s\n' \
    "$name" "$rps" "$p50" "$p99" "$wrk_us" "${per_request[0]}" "${per_request[1]}" \
    "${per_request[2]:+, $name ${per_request[2]}}"
  echo "$rps" >"$work/$name.rps"
  echo "$p99" >"$work/$name.p99"
  [[ -n ${per_request[2]:-} ]] && echo "${per_request[2]}" >"$work/$name.cpu"
  return 0
}

nginx_worker=$(pgrep -P "$(cat "$work/nginx.pid")") # the worker proxies; the master watches
targets=(
  "direct http://127.0.0.1:18080/v1/categories"
  "gateway http://127.0.0.1:18081/api/v1/categories $gateway_pid"
  "bare http://127.0.0.1:18083/api/v1/categories $bare_pid"
  "signing http://127.0.0.1:18084/api/v1/categories $signing_pid"
  "nginx http://127.0.0.1:18082/api/v1/categories $nginx_worker"
)

echo "Saturated: wrk -t1 -c$connections -d${duration}s, upstream answers a small JSON body"
for target in "${targets[@]}"; do
  # shellcheck disable=SC2086 # a target is "name url [pid]"
  measure "$connections" $target
done
awk -v g="$(cat "$work/gateway.rps")" -v n="$(cat "$work/nginx.rps")" -v d="$(cat "$work/direct.rps")" \
  -v b="$(cat "$work/bare.rps")" -v s="$(cat "$work/signing.rps")" 'BEGIN {
    printf "throughput: gateway/nginx %.2f   bare/nginx %.2f   signing/nginx %.2f   nginx/direct %.2f\n", g/n, b/n, s/n, n/d
  }'
awk -v g="$(cat "$work/gateway.cpu")" -v n="$(cat "$work/nginx.cpu")" -v b="$(cat "$work/bare.cpu")" 'BEGIN {
    printf "CPU per request: gateway/nginx %.2f   bare/nginx %.2f   gateway/bare %.2f\n", g/n, b/n, g/b
  }'
echo
echo "Light load: one connection, one request at a time (the latency a single client sees)"
for target in "${targets[@]}"; do
  # shellcheck disable=SC2086
  measure 1 $target
done
echo "light load p99: gateway $(cat "$work/gateway.p99"), nginx $(cat "$work/nginx.p99")"
