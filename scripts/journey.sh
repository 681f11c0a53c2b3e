#!/usr/bin/env bash
# The marketplace journey with nothing but curl, against a local run (scripts/run-local.sh): a
# seller and a buyer sign up and verify their email by the link in it, the seller lists a gig
# with a cover, the buyer finds it, they talk, the seller sends a custom offer, the buyer
# accepts it, orders and pays in the sandbox, the seller asks for more time and delivers a file,
# the buyer completes, both review. Each step prints the request it makes; read it alongside the
# API reference at http://127.0.0.1:4000/api/v1/docs.
#
#   scripts/journey.sh            (GATEWAY_URL to use another gateway)
set -euo pipefail
api=${GATEWAY_URL:-http://127.0.0.1:4000}/api/v1
mail=${MAIL_DIR:-$HOME/.cache/mercato/mail}
suffix=$(date +%s | tail -c 6)
seller=sam_$suffix buyer=bea_$suffix password="correct horse battery staple"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }
# field JSON-PATH: reads a field of the JSON on stdin (`["items"][0]["id"]`).
field() { python3 -c 'import json,sys; print(eval("json.load(sys.stdin)" + sys.argv[1]))' "$1"; }
# call METHOD PATH [TOKEN] [BODY] [HEADER]: prints the answer; fails on 4xx/5xx.
call() {
  local method=$1 path=$2 token=${3:-} body=${4:-} header=${5:-}
  local args=(-sS -X "$method" "$api$path" -o "$work/answer" -w '%{http_code}')
  [[ -n $token ]] && args+=(-H "authorization: Bearer $token")
  [[ -n $body ]] && args+=(-H 'content-type: application/json' -d "$body")
  [[ -n $header ]] && args+=(-H "$header")
  echo "   curl -X $method $api$path${body:+ -d '$body'}" >&2
  local status; status=$(curl "${args[@]}")
  if [[ $status -ge 400 ]]; then echo "   -> $status $(cat "$work/answer")" >&2; return 1; fi
  cat "$work/answer"
}
# until_ok COMMAND...: what a service learns by events arrives a moment later; retry a while.
until_ok() { for _ in $(seq 1 40); do "$@" 2>/dev/null && return 0; sleep 0.5; done; "$@"; }

# sign_up NAME: signs up, verifies the address by the emailed link, signs in again; the token.
sign_up() {
  local name=$1
  call POST /auth/signup "" "{\"username\": \"$name\", \"email\": \"$name@example.test\", \"password\": \"$password\", \"country\": \"DE\", \"device_id\": \"journey\"}" >/dev/null
  local token=""
  for _ in $(seq 1 40); do
    token=$(grep -l "\"$name@example.test\"" "$mail"/*.json 2>/dev/null | xargs -r cat |
      grep -o 'verify-email?token=[A-Za-z0-9_-]*' | head -1 | cut -d= -f2) || true
    [[ -n $token ]] && break; sleep 0.5
  done
  echo "   (the link in $name's email carries token=$token)" >&2
  call POST /auth/verify-email "" "{\"token\": \"$token\"}" >/dev/null
  call POST /auth/signin "" "{\"login\": \"$name\", \"password\": \"$password\", \"device_id\": \"journey\"}" | field '["access_token"]'
}

step "1. $seller and $buyer sign up and verify their addresses"
sam=$(sign_up "$seller"); bea=$(sign_up "$buyer")

step "2. $seller becomes a seller and lists a gig with a cover"
call POST /sellers "$sam" '{"full_name": "Sam Painter", "one_liner": "Watercolour logos", "description": "Hand painted logos for bakeries and cafes, scanned and vectorised.", "languages": [{"language": "English", "level": "fluent"}], "skills": ["watercolour"], "response_time_hours": 24}' >/dev/null
python3 -c 'import base64,sys; sys.stdout.buffer.write(base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="))' >"$work/cover.png"
size=$(stat -c %s "$work/cover.png")
upload=$(until_ok call POST /uploads/gig-cover "$sam" "{\"content_type\": \"image/png\", \"size\": $size, \"file_name\": \"cover.png\"}")
echo "$upload" | python3 -c 'import json,sys; u=json.load(sys.stdin); print("\n".join(["--upload-file", sys.argv[1]] + [x for k, v in u["headers"].items() for x in ("-H", f"{k}: {v}")] + [u["upload_url"]]))' "$work/cover.png" >"$work/put"
mapfile -t put <"$work/put"; curl -sS -X PUT "${put[@]}" -o /dev/null
echo "   curl -X PUT <upload_url> --upload-file cover.png   (straight to object storage)" >&2
gig=$(call POST /gigs "$sam" "{\"title\": \"I will paint a watercolour logo for your bakery\", \"description\": \"A hand painted watercolour logo, scanned, vectorised and delivered with a colour guide.\", \"category\": \"graphics-design\", \"sub_categories\": [\"logo-design\"], \"tags\": [\"watercolour\", \"bakery\"], \"price\": {\"amount\": 6000, \"currency\": \"USD\"}, \"delivery_days\": 5, \"cover_image_key\": \"$(echo "$upload" | field '["key"]')\"}" | field '["id"]')

step "3. $buyer finds it, writes to $seller, who answers with a custom offer; $buyer accepts"
call GET "/gigs?q=watercolour+bakery" | field '["items"][0]["title"]'
conversation=$(until_ok call POST /conversations "$bea" "{\"with_username\": \"$seller\", \"gig_id\": \"$gig\"}" | field '["id"]')
call POST "/conversations/$conversation/messages" "$bea" '{"body": "Could you paint two versions?"}' >/dev/null
expires=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)
offer=$(call POST "/conversations/$conversation/messages" "$sam" "{\"offer\": {\"description\": \"Two watercolour logos with a colour guide\", \"price\": 9000, \"delivery_days\": 6, \"expires_at\": \"$expires\"}}" | field '["offer"]["id"]')
call POST "/offers/$offer/accept" "$bea" >/dev/null

step "4. $buyer orders the offer (with an idempotency key) and pays in the sandbox"
key=$(python3 -c 'import uuid; print(uuid.uuid4())')
order=$(until_ok call POST /orders "$bea" "{\"offer_id\": \"$offer\", \"requirements\": \"The bakery is called Crumbs\"}" "Idempotency-Key: $key")
id=$(echo "$order" | field '["id"]')
echo "   total $(echo "$order" | field '["total"]["amount"]') cents: price $(echo "$order" | field '["price"]["amount"]') + fee $(echo "$order" | field '["service_fee"]["amount"]')" >&2
call POST "/payments/sandbox/$(echo "$order" | field '["payment"]["reference"]')/confirm" "$bea" '{"card_number": "4242424242424242"}' | field '["status"]'

step "5. $seller asks for two more days; $buyer approves"
extension=$(call POST "/orders/$id/extensions" "$sam" '{"days": 2, "reason": "The second version needs more drying time"}' | field '["extensions"][0]["id"]')
call POST "/orders/$id/extensions/$extension/approve" "$bea" | field '["due_at"]'

step "6. $seller delivers a file; $buyer completes the order"
printf '%%PDF-1.4\n' >"$work/logos.pdf"
upload=$(call POST /uploads/delivery "$sam" '{"content_type": "application/pdf", "size": 9, "file_name": "logos.pdf"}')
echo "$upload" | python3 -c 'import json,sys; u=json.load(sys.stdin); print("\n".join(["--upload-file", sys.argv[1]] + [x for k, v in u["headers"].items() for x in ("-H", f"{k}: {v}")] + [u["upload_url"]]))' "$work/logos.pdf" >"$work/put"
mapfile -t put <"$work/put"; curl -sS -X PUT "${put[@]}" -o /dev/null
call POST "/orders/$id/deliveries" "$sam" "{\"message\": \"Both versions are attached\", \"attachments\": [{\"key\": \"$(echo "$upload" | field '["key"]')\", \"name\": \"logos.pdf\"}]}" | field '["status"]'
call POST "/orders/$id/complete" "$bea" | field '["status"]'

step "7. both review"
until_ok call POST /reviews "$bea" "{\"order_id\": \"$id\", \"rating\": 5, \"text\": \"Beautiful logos, and early.\"}" | field '["direction"]'
call POST /reviews "$sam" "{\"order_id\": \"$id\", \"rating\": 4, \"text\": \"Clear brief, quick answers.\"}" | field '["direction"]'

step "8. what everyone sees now"
sleep 1
call GET "/sellers/by-username/$seller" "$sam" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("   seller:", s["ratings"], "completed", s["completed_jobs"], "earned", s["total_earnings"])'
call GET "/gigs/$gig" | python3 -c 'import json,sys; g=json.load(sys.stdin); print("   gig:", g["rating"])'
call GET "/buyers/$buyer" | python3 -c 'import json,sys; b=json.load(sys.stdin); print("   buyer:", b["ratings"])'
call GET /notifications "$sam" | python3 -c 'import json,sys; n=json.load(sys.stdin); print("   notifications:", [a["kind"] for a in n["items"]])'
echo; echo "journey done: order $id"
