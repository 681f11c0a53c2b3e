#!/usr/bin/env bash
# The pipeline's Wait stage: waits until the stage's cluster runs the expected images and every
# MarketplaceService is Ready for them, and the operator has rolled out.
#
#   scripts/ci/wait-ready.sh STAGE [EXPECTED]
#     EXPECTED  a "component<TAB>image" file (default ci-artifacts/expected-images.tsv, which
#               scripts/ci/deploy.sh writes); each MarketplaceService's spec.image and the
#               operator's image must equal it. In the GitOps mode that is how the wait knows
#               the controller has synced, not just that the old release is still Ready.
#
# Readiness counts only once the operator has seen the current spec (status.observedGeneration
# is metadata.generation): a Ready condition from before the change says nothing about it.
# WAIT_TIMEOUT (seconds, default 900) bounds the whole wait; WAIT_POLL_SECONDS (default 10) is
# how often the cluster is asked meanwhile.
set -euo pipefail
log_prefix=wait-ready
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

poll_seconds=${WAIT_POLL_SECONDS:-10}

# images_differing EXPECTED: the components whose running image is not the expected one.
images_differing() {
  local running component image
  running=$(cluster_images)
  while IFS=$'\t' read -r component image; do
    [[ -n $component ]] || continue
    grep -qxF "$component"$'\t'"$image" <<<"$running" || echo "$component"
  done <"$1"
}

# generations_pending: the MarketplaceServices whose latest spec the operator has not yet seen.
generations_pending() {
  kubectl -n "$platform_namespace" get marketplaceservices \
    -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.generation} {.status.observedGeneration}{"\n"}{end}' |
    awk '$2 != $3 { print $1 }'
}

# wait_until DESCRIPTION FUNCTION [ARGS]: polls until the function prints nothing.
wait_until() {
  local what=$1 pending
  shift
  while true; do
    pending=$("$@") || pending="(the cluster did not answer)"
    [[ -n $pending ]] || return 0
    if ((SECONDS >= deadline)); then
      kubectl -n "$platform_namespace" get msvc -o wide >&2 || true
      die "timed out waiting for $what: $(tr '\n' ' ' <<<"$pending")"
    fi
    sleep "$poll_seconds"
  done
}

remaining() {
  local left=$((deadline - SECONDS))
  ((left > 0)) || left=1
  echo "${left}s"
}

main() {
  local stage=${1:-} expected=${2:-$ci_artifacts/expected-images.tsv}
  require_stage "$stage"
  [[ -s $expected ]] || die "$expected names no images to wait for"
  deadline=$((SECONDS + ${WAIT_TIMEOUT:-900}))
  use_cluster "$stage"

  wait_until "the images of $expected" images_differing "$expected"
  say "the cluster runs the expected images"
  wait_until "the operator to observe every MarketplaceService" generations_pending
  if ! kubectl -n "$platform_namespace" wait --for=condition=Ready msvc --all --timeout="$(remaining)"; then
    kubectl -n "$platform_namespace" get msvc -o wide >&2 || true
    die "not every MarketplaceService became Ready"
  fi
  kubectl -n "$operator_namespace" rollout status deployment/mercato-operator --timeout="$(remaining)"
  say "every MarketplaceService of mercato-$stage is Ready"
}

main "$@"
