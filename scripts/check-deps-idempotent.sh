#!/usr/bin/env bash
# Test: scripts/deps.sh run twice in a row succeeds both times, and the second run changes
# nothing: it reports no change, and every dependency keeps the same server process.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

server_pids() {
  local name
  for name in postgres mariadbd redis-server beam.smp secantusd-py smtp-sink.py 'weed mini'; do
    printf '%s=%s\n' "$name" "$(pgrep -o -f "$name" || echo none)"
  done
}

"$here/deps.sh" >/dev/null
before=$(server_pids)
second=$("$here/deps.sh")
after=$(server_pids)

status=0
if [[ $(tail -n 1 <<<"$second") != "deps: nothing changed" ]]; then
  printf 'the second run changed something:\n%s\n' "$second" >&2
  status=1
fi
if [[ $before != "$after" ]]; then
  printf 'server processes differ after the second run:\n%s\n---\n%s\n' "$before" "$after" >&2
  status=1
fi
if ((status == 0)); then
  echo "idempotency: 1 passed, 0 failed"
else
  echo "idempotency: 0 passed, 1 failed"
fi
exit "$status"
