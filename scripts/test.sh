#!/usr/bin/env bash
# Runs every test of the project: starts the local dependencies (scripts/deps.sh), checks that
# script's idempotency, runs the static checks of the AWS deployment (scripts/check-infra.sh),
# builds the container images (scripts/images.sh; the image tests run them) and the web client
# with its unit tests, then runs the doctests and the whole workspace's tests with nextest, and
# last the browser tests against the whole platform started locally (scripts/web.sh e2e;
# screenshots and accessibility reports in web/e2e/artifacts).
# Extra arguments go to nextest (e.g. `scripts/test.sh -p mercato-common`); a narrowed run
# skips the infrastructure checks and builds no images (`scripts/images.sh` by hand, before
# narrowing to the image tests).
#
# Tests whose name contains `broker_restart` or `store_restart` stop and start a local server
# every test shares (RabbitMQ, the MongoDB-wire server), so they run after all the others, one
# at a time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/mercato/target}

scripts/deps.sh
scripts/check-deps-idempotent.sh
python3 scripts/clean-test-broker.py
if [ $# -eq 0 ]; then
  scripts/check-infra.sh
  scripts/images.sh
  # The web client's unit and component tests and its build (budget checked).
  scripts/web.sh test
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi

cargo test --doc --workspace --locked --all-features
serial='test(/broker_restart|store_restart/)'
cargo nextest run --workspace --locked --all-features --profile ci -E "not $serial" "$@"
# The whole suite must find its restart tests (a renamed one would otherwise vanish);
# a run narrowed by arguments (`-p mercato-auth`) may have none.
no_tests=fail
[ $# -eq 0 ] || no_tests=pass
cargo nextest run --workspace --locked --all-features --profile ci -E "$serial" --test-threads 1 \
  --no-tests=$no_tests "$@"

if [ $# -eq 0 ]; then
  # The marketplace clicked through in Chromium: scripts/run-local.sh starts, the tests run,
  # the platform stops.
  scripts/web.sh e2e
fi
