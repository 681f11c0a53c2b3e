#!/usr/bin/env bash
# Gathers what explains a deploy into a folder the pipeline archives, whatever happened: the
# MarketplaceServices (YAML and `describe`, with their conditions and events), the events of the
# platform's and the operator's namespaces, the pods, the operator's logs, and every platform
# pod's logs (and its previous container's, after a restart). Each piece is best effort: one the
# cluster cannot give is noted in errors.txt and the rest is still collected, so this step never
# fails the build itself.
#
#   scripts/ci/collect-artifacts.sh STAGE [DIR]     DIR defaults to ci-artifacts/cluster
set -euo pipefail
log_prefix=collect-artifacts
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# capture FILE COMMAND...: the command's output in FILE; a failure is recorded, not fatal.
capture() {
  local file=$out/$1
  shift
  mkdir -p "$(dirname "$file")"
  if ! "$@" >"$file" 2>&1; then
    printf '%s: %s\n' "${file#"$out"/}" "$*" >>"$out/errors.txt"
  fi
}

collect_resources() {
  capture msvc.yaml kubectl get marketplaceservices --all-namespaces -o yaml
  capture msvc-describe.txt kubectl -n "$platform_namespace" describe marketplaceservices
  capture msvc.txt kubectl -n "$platform_namespace" get marketplaceservices -o wide
  local namespace
  for namespace in "$platform_namespace" "$operator_namespace"; do
    capture "events-$namespace.txt" kubectl -n "$namespace" get events --sort-by=.lastTimestamp
    capture "pods-$namespace.txt" kubectl -n "$namespace" get pods -o wide
  done
}

collect_logs() {
  capture logs/operator.log kubectl -n "$operator_namespace" logs \
    -l app.kubernetes.io/name=mercato-operator --all-containers --prefix --tail=-1 --max-log-requests=10
  local pods pod
  pods=$(kubectl -n "$platform_namespace" get pods -o name 2>>"$out/errors.txt") || return 0
  for pod in $pods; do
    capture "logs/${pod#pod/}.log" kubectl -n "$platform_namespace" logs "$pod" --all-containers --prefix
    if kubectl -n "$platform_namespace" get "$pod" \
        -o jsonpath='{range .status.containerStatuses[*]}{.restartCount}{"\n"}{end}' 2>/dev/null | grep -qv '^0$'; then
      capture "logs/${pod#pod/}.previous.log" kubectl -n "$platform_namespace" logs "$pod" --all-containers --prefix --previous
    fi
  done
}

main() {
  local stage=${1:-}
  require_stage "$stage"
  out=${2:-$ci_artifacts/cluster}
  mkdir -p "$out"
  : >"$out/errors.txt"
  if ! use_cluster "$stage" 2>>"$out/errors.txt"; then
    say "could not reach mercato-$stage; see $out/errors.txt"
    return 0
  fi
  collect_resources
  collect_logs
  [[ -s $out/errors.txt ]] || rm -f "$out/errors.txt"
  say "collected the state of mercato-$stage in $out"
}

main "$@"
