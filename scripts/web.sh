#!/usr/bin/env bash
# The web client (web/): installs Node.js and npm from Debian and the client's packages from the
# npm registry (exactly those of web/package-lock.json), then builds or tests it.
#
#   scripts/web.sh build   type-check against gateway/openapi.json, build web/dist, check the
#                          first page's script budget (the gateway serves web/dist at /)
#   scripts/web.sh test    the unit and component tests (Vitest), then the build
#   scripts/web.sh e2e     the browser tests (Playwright driving Debian's Chromium) against the
#                          whole platform started by scripts/run-local.sh, which they stop after;
#                          screenshots and the accessibility report land in web/e2e/artifacts
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log_prefix=web
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

install() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then apt_install nodejs npm; fi
  local stamp=web/node_modules/.package-lock.json
  # npm ci only when the lock file changed since the last install.
  if [[ ! -f $stamp || web/package-lock.json -nt $stamp ]]; then
    say "installing the client's packages (npm ci)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

build() {
  install
  (cd web && npm run --silent build)
}

case ${1:-} in
  build) build ;;
  test)
    install
    (cd web && npm test --silent)
    build
    ;;
  e2e)
    # scripts/run-local.sh builds the client it serves.
    install
    command -v chromium >/dev/null || apt_install chromium
    scripts/run-local.sh >/dev/null
    trap 'scripts/run-local.sh stop >/dev/null' EXIT
    (cd web && MERCATO_URL=http://127.0.0.1:4000 MAIL_DIR=${MERCATO_STATE_DIR:-$HOME/.cache/mercato}/mail \
      CHROMIUM=$(command -v chromium) npm run --silent e2e)
    ;;
  *)
    echo "usage: $0 build|test|e2e" >&2
    exit 2
    ;;
esac
