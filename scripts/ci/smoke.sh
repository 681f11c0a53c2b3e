#!/usr/bin/env bash
# The pipeline's Smoke stage: checks a deployed gateway from outside, as a new user would meet
# it, against the public API (gateway/openapi.json): the probes answer, a new account signs up
# (201) and its access token works (GET /api/v1/auth/me, 200), a search answers a page of gigs
# (200), and the session signs out (204). Any other status fails the check and prints the
# request and the error body (the `Error` shape, with its request_id to find in the logs).
#
#   scripts/ci/smoke.sh URL        e.g. https://mercato.example.com, or http://127.0.0.1:4000
#                                  against a local run (scripts/run-local.sh)
#
# The user is new on every run: a unique username, a password made for the run, and an address
# of the Amazon SES mailbox simulator (success+<username>@simulator.amazonses.com), which
# accepts the verification email without bouncing; SMOKE_EMAIL_DOMAIN sends it to
# <username>@<domain> instead. SMOKE_WAIT_SECONDS (default 120) is how long /healthz may take
# to answer at all, while DNS and the load balancer catch up with a new deploy.
set -euo pipefail

base=${1:?usage: scripts/ci/smoke.sh URL}
base=${base%/}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() { printf 'smoke: %s\n' "$*"; }
fail() { printf 'smoke: FAILED: %s\n' "$*" >&2; exit 1; }

# call EXPECTED METHOD PATH [BODY] [TOKEN]: the request; fails unless its status is EXPECTED.
# The body is left in $work/body.
call() {
  local expected=$1 method=$2 path=$3 body=${4:-} token=${5:-} status
  local args=(--silent --show-error --max-time 20 -X "$method" -o "$work/body" -w '%{http_code}'
    -H 'accept: application/json')
  [[ -z $body ]] || args+=(-H 'content-type: application/json' --data-binary "$body")
  [[ -z $token ]] || args+=(-H "authorization: Bearer $token")
  status=$(curl "${args[@]}" "$base$path") || status="no answer (curl exit $?)"
  if [[ $status != "$expected" ]]; then
    printf 'smoke: %s %s answered %s, expected %s:\n' "$method" "$path" "$status" "$expected" >&2
    cat "$work/body" >&2 2>/dev/null || true
    printf '\n' >&2
    fail "$method $path"
  fi
  say "$method $path -> $status"
}

# field JQ-PATH: a field of the last answer.
field() { jq -er "$1" "$work/body"; }

wait_for_health() {
  local deadline=$((SECONDS + ${SMOKE_WAIT_SECONDS:-120}))
  until curl --silent --fail --max-time 5 -o /dev/null "$base/healthz"; do
    ((SECONDS < deadline)) || break
    sleep 5
  done
  call 200 GET /healthz
}

new_username() { printf 'smoke-%s-%s' "$(date -u +%Y%m%d%H%M%S)" "$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"; }

new_password() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }

main() {
  command -v jq >/dev/null || fail "jq is not installed"
  local username password email signup access refresh
  username=$(new_username)
  password=$(new_password)
  if [[ -n ${SMOKE_EMAIL_DOMAIN:-} ]]; then
    email="$username@$SMOKE_EMAIL_DOMAIN"
  else
    email="success+$username@simulator.amazonses.com"
  fi

  wait_for_health
  call 200 GET /readyz

  signup=$(jq -nc --arg username "$username" --arg email "$email" --arg password "$password" \
    '{username: $username, email: $email, password: $password, country: "DE", device_id: "smoke-test"}')
  call 201 POST /api/v1/auth/signup "$signup"
  access=$(field .access_token) || fail "the sign-up answered no access_token"
  refresh=$(field .refresh_token) || fail "the sign-up answered no refresh_token"

  call 200 GET /api/v1/auth/me "" "$access"
  [[ $(field .user.username) == "$username" ]] || fail "/api/v1/auth/me names $(field .user.username), not $username"

  call 200 GET '/api/v1/gigs?q=logo&limit=5'
  field '.items | type == "array"' >/dev/null || fail "the search answered no list of items"
  say "the search found $(field '.items | length') gigs"

  call 204 POST /api/v1/auth/signout "$(jq -nc --arg token "$refresh" '{refresh_token: $token}')" "$access"
  say "passed against $base as $username"
}

main "$@"
