#!/usr/bin/env bash
# The pipeline's Deploy stage: points the stage's overlay at this build's images and deploys it,
# after recording what the cluster runs now, so scripts/ci/rollback.sh can bring that back.
#
#   scripts/ci/deploy.sh STAGE MODE
#     STAGE  staging or production (the overlay folder of each: scripts/ci/lib.sh)
#     MODE   apply   kubectl apply --server-side -k <overlay>
#            gitops  commit the overlay's new images and push them to GITOPS_BRANCH (default
#                    main) of GITOPS_REMOTE (default origin, an https URL), for Argo CD or Flux
#                    to sync (deploy/gitops/); GIT_USERNAME and GIT_TOKEN authenticate the push
#
# The images are ECR_REGISTRY/mercato/<component>:IMAGE_TAG, as scripts/ci/build-and-push.sh
# pushed them (ECR_REGISTRY defaults to the caller's account, IMAGE_TAG to the commit).
# Leaves in ci-artifacts/: previous-images.tsv, expected-images.tsv and deploy-state.
set -euo pipefail
log_prefix=deploy
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# record_previous_images OVERLAY: what runs now, from the cluster, or on a cluster Mercato is
# not on yet, what the overlay names.
record_previous_images() {
  local file=$ci_artifacts/previous-images.tsv
  cluster_images >"$file"
  if [[ ! -s $file ]]; then
    say "the cluster runs no Mercato component yet; recording the overlay's current images"
    overlay_images "$1" >"$file" || say "no yq v4 to read them with: a failure of this deploy cannot be rolled back"
  fi
  say "recorded the images running before this deploy in $file"
}

# set_build_images OVERLAY REGISTRY TAG: every component's image in the overlay.
set_build_images() {
  local overlay=$1 registry=$2 tag=$3 component expected=$ci_artifacts/expected-images.tsv
  : >"$expected"
  while read -r component; do
    set_image "$overlay" "$component" "$registry/mercato/$component:$tag"
    printf '%s\t%s\n' "$component" "$registry/mercato/$component:$tag" >>"$expected"
  done < <(components)
  say "set the images of $overlay to $registry/mercato/*:$tag"
}

# push_overlay_commit OVERLAY STAGE TAG: the GitOps mode's commit, pushed fast-forward onto the
# branch the GitOps controller follows. Only the branch's tip is deployed this way: a build of
# another commit would put commits on that branch that were never merged there.
push_overlay_commit() {
  local overlay=$1 stage=$2 tag=$3 remote=${GITOPS_REMOTE:-origin} branch=${GITOPS_BRANCH:-main}
  local head tip
  with_git_credentials ci_git fetch --quiet "$remote" "$branch"
  head=$(ci_git rev-parse HEAD)
  tip=$(ci_git rev-parse FETCH_HEAD)
  [[ $head == "$tip" ]] ||
    die "this build is of $head but $branch is at $tip: the GitOps mode deploys only the tip of $branch"
  if ci_git diff --quiet -- "$overlay/kustomization.yaml"; then
    say "$overlay already names these images; nothing to commit"
    return
  fi
  ci_git add -- "$overlay/kustomization.yaml"
  ci_git -c user.name="Mercato CI" -c user.email=ci@mercato.example.com \
    commit --quiet -m "deploy($stage): images $tag" -- "$overlay/kustomization.yaml"
  with_git_credentials ci_git push --quiet "$remote" "HEAD:refs/heads/$branch"
  state_set gitops_commit "$(ci_git rev-parse HEAD)"
  state_set gitops_remote "$remote"
  state_set gitops_branch "$branch"
  say "pushed $(ci_git rev-parse --short HEAD) to $branch; the GitOps controller deploys it"
}

main() {
  local stage=${1:-} mode=${2:-} overlay registry tag
  require_stage "$stage"
  [[ $mode == apply || $mode == gitops ]] || die "the mode is apply or gitops, not '$mode'"
  overlay=$(stage_overlay "$stage")
  registry=$(ecr_registry)
  tag=$(image_tag)
  mkdir -p "$ci_artifacts"
  rm -f "$ci_state"

  use_cluster "$stage"
  record_previous_images "$overlay"
  set_build_images "$overlay" "$registry" "$tag"
  state_set build "${BUILD_TAG:-local}"
  state_set stage "$stage"
  state_set mode "$mode"
  state_set overlay "$overlay"
  case $mode in
    apply)
      # Recorded before the apply: an apply that fails halfway is rolled back too.
      state_set deployed true
      apply_overlay "$overlay"
      ;;
    gitops)
      push_overlay_commit "$overlay" "$stage" "$tag"
      state_set deployed true
      ;;
  esac
}

main "$@"
