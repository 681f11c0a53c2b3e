#!/usr/bin/env bash
# Prints one fact about a stage, from scripts/ci/lib.sh, for the Jenkinsfile (which keeps no
# stage names of its own).
#
#   scripts/ci/stage.sh overlay STAGE      the Kustomize overlay folder (fails if it is missing)
#   scripts/ci/stage.sh cluster STAGE      the EKS cluster's name
#   scripts/ci/stage.sh public-url STAGE   the gateway's public URL
set -euo pipefail
log_prefix=stage
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  local fact=${1:-} stage=${2:-}
  require_stage "$stage"
  case $fact in
    overlay) stage_overlay "$stage" ;;
    cluster) stage_cluster "$stage" ;;
    public-url) stage_public_url "$stage" ;;
    *) die "usage: scripts/ci/stage.sh overlay|cluster|public-url STAGE" ;;
  esac
}

main "$@"
