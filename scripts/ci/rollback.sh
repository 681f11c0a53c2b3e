#!/usr/bin/env bash
# Brings back what the stage ran before a failed deploy, from what scripts/ci/deploy.sh recorded
# in ci-artifacts/ (deploy-state, previous-images.tsv), then waits for it as the Wait stage does.
#
#   scripts/ci/rollback.sh
#
# apply mode:  the overlay is set to the recorded images and applied again.
# gitops mode: the deploy's commit is reverted on the branch and the revert pushed (GIT_USERNAME
#              and GIT_TOKEN authenticate it, as for the deploy); the GitOps controller syncs it.
# A build whose deploy never began leaves nothing to undo.
set -euo pipefail
log_prefix=rollback
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

previous=$ci_artifacts/previous-images.tsv

reapply_previous_images() {
  local overlay=$1 component image
  while IFS=$'\t' read -r component image; do
    [[ -n $component ]] || continue
    set_image "$overlay" "$component" "$image"
  done <"$previous"
  apply_overlay "$overlay"
}

revert_gitops_commit() {
  local commit remote branch tip
  commit=$(state_get gitops_commit) || true
  if [[ -z $commit ]]; then
    say "the deploy pushed no commit; nothing to revert"
    return 1
  fi
  remote=$(state_get gitops_remote)
  branch=$(state_get gitops_branch)
  with_git_credentials ci_git fetch --quiet "$remote" "$branch"
  tip=$(ci_git rev-parse FETCH_HEAD)
  ci_git checkout --quiet --detach "$tip"
  ci_git -c user.name="Mercato CI" -c user.email=ci@mercato.example.com revert --no-edit "$commit"
  with_git_credentials ci_git push --quiet "$remote" "HEAD:refs/heads/$branch"
  say "pushed the revert of $commit to $branch"
}

main() {
  local stage mode overlay
  # BUILD_TAG (Jenkins: jenkins-<job>-<number>) keeps a workspace's state from an earlier build
  # from being taken for this one's.
  if [[ $(state_get deployed || true) != true || $(state_get build || true) != "${BUILD_TAG:-local}" ]]; then
    say "this build deployed nothing; nothing to roll back"
    return 0
  fi
  stage=$(state_get stage)
  mode=$(state_get mode)
  overlay=$(state_get overlay)
  [[ -s $previous ]] || die "no images were recorded before the deploy ($previous); roll back by hand"
  use_cluster "$stage"
  case $mode in
    apply) reapply_previous_images "$overlay" ;;
    gitops) revert_gitops_commit || return 0 ;;
    *) die "deploy-state names the mode '$mode'" ;;
  esac
  "$ci_root/scripts/ci/wait-ready.sh" "$stage" "$previous"
  say "mercato-$stage runs the images it ran before the deploy"
}

main "$@"
