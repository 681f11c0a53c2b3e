#!/usr/bin/env bash
# Runs every test of the project: starts the local dependencies (scripts/deps.sh), checks that
# script's idempotency, then runs the doctests and the whole workspace's tests with nextest.
# Extra arguments go to nextest (e.g. `scripts/test.sh -p mercato-common`).
#
# Tests whose name contains `broker_restart` stop and start the local RabbitMQ, so they run on
# their own, after all the others.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/mercato/target}

scripts/deps.sh
scripts/check-deps-idempotent.sh
python3 scripts/clean-test-broker.py

if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi

cargo test --doc --workspace --locked --all-features
cargo nextest run --workspace --locked --all-features --profile ci -E 'not test(/broker_restart/)' "$@"
# The whole suite must find its broker-restart tests (a renamed one would otherwise vanish);
# a run narrowed by arguments (`-p mercato-auth`) may have none.
no_tests=fail
[ $# -eq 0 ] || no_tests=pass
cargo nextest run --workspace --locked --all-features --profile ci -E 'test(/broker_restart/)' --no-tests=$no_tests "$@"
