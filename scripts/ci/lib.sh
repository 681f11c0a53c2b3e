# Helpers shared by the pipeline's scripts in scripts/ci/ (sourced, not run): messages, the
# facts about each stage in one place (its cluster, its Kustomize overlay, its public URL), the
# components, the state one step leaves for the next in the artifacts folder, and the overlay
# edits and the apply that deploy.sh and rollback.sh both make.
#
# The sourcing script sets `log_prefix` (e.g. `deploy`) before sourcing.
# shellcheck shell=bash

log_prefix=${log_prefix:-ci}

ci_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ci_artifacts=${CI_ARTIFACTS_DIR:-$ci_root/ci-artifacts}
ci_state=$ci_artifacts/deploy-state
aws_region=${AWS_REGION:-eu-central-1}
platform_namespace=mercato
operator_namespace=mercato-system
# The name every image has in deploy/base and examples/, which an overlay's `images:` replaces.
base_image_prefix=registry.example.com/mercato

say() { printf '%s: %s\n' "$log_prefix" "$*"; }
die() { printf '%s: error: %s\n' "$log_prefix" "$*" >&2; exit 1; }

require_stage() {
  [[ ${1:-} == staging || ${1:-} == production ]] || die "the stage is staging or production, not '${1:-}'"
}

# stage_overlay STAGE: the overlay folder that deploys the stage (relative to the repository).
# Every stage's folder is named here and nowhere else.
stage_overlay() {
  local overlay
  case $1 in
    production) overlay=deploy/overlays/prod ;;
    staging) overlay=deploy/overlays/staging ;;
  esac
  [[ -f $ci_root/$overlay/kustomization.yaml ]] ||
    die "the $1 stage has no overlay: $overlay/kustomization.yaml does not exist (make it from deploy/overlays/prod, with the stage's names)"
  echo "$overlay"
}

stage_cluster() { echo "mercato-$1"; }

stage_public_url() {
  case $1 in
    production) echo https://mercato.example.com ;;
    staging) echo https://staging.mercato.example.com ;;
  esac
}

# components: the name of every deployable component (scripts/components.tsv).
components() { awk '!/^#/ && NF { print $1 }' "$ci_root/scripts/components.tsv"; }

# use_cluster STAGE: points kubectl at the stage's cluster (the agent's IRSA role describes it
# and signs in); MERCATO_USE_CURRENT_CONTEXT=true keeps the current context instead.
use_cluster() {
  [[ ${MERCATO_USE_CURRENT_CONTEXT:-false} == true ]] && return 0
  aws eks update-kubeconfig --name "$(stage_cluster "$1")" --region "$aws_region" >/dev/null
}

# ecr_registry: the account's ECR registry (ECR_REGISTRY, or the caller's account).
ecr_registry() {
  if [[ -n ${ECR_REGISTRY:-} ]]; then
    echo "$ECR_REGISTRY"
    return
  fi
  local account
  account=$(aws sts get-caller-identity --query Account --output text)
  echo "$account.dkr.ecr.$aws_region.amazonaws.com"
}

# image_tag: the tag of this build's images, the commit it builds.
image_tag() {
  if [[ -n ${IMAGE_TAG:-} ]]; then
    echo "$IMAGE_TAG"
  elif [[ -n ${GIT_COMMIT:-} ]]; then
    echo "$GIT_COMMIT"
  else
    git -C "$ci_root" -c safe.directory="$ci_root" rev-parse HEAD
  fi
}

# state_set KEY VALUE / state_get KEY: what deploy.sh tells rollback.sh (ci-artifacts/deploy-state).
state_set() {
  mkdir -p "$ci_artifacts"
  touch "$ci_state"
  grep -v "^$1=" "$ci_state" >"$ci_state.new" || true
  printf '%s=%s\n' "$1" "$2" >>"$ci_state.new"
  mv "$ci_state.new" "$ci_state"
}

state_get() {
  [[ -f $ci_state ]] || return 1
  sed -n "s/^$1=//p" "$ci_state" | tail -n 1
}

# yq_v4: whether the yq installed is mikefarah's v4 (Debian's yq is another program).
yq_v4() { yq --version 2>/dev/null | grep -q mikefarah; }

# set_image OVERLAY COMPONENT IMAGE: makes the overlay run IMAGE (repository:tag) for the
# component. kustomize edit does it (`kubectl kustomize` has no edit command); where only yq v4
# is installed, the same entry of `images:` is written with it.
set_image() {
  local overlay=$1 component=$2 image=$3
  if command -v kustomize >/dev/null; then
    (cd "$ci_root/$overlay" && kustomize edit set image "$base_image_prefix/$component=$image")
  elif yq_v4; then
    NAME="$base_image_prefix/$component" NEW_NAME=${image%:*} NEW_TAG=${image##*:} \
      yq -i '(.images[] | select(.name == strenv(NAME))) |= (.newName = strenv(NEW_NAME) | .newTag = strenv(NEW_TAG))' \
      "$ci_root/$overlay/kustomization.yaml"
  else
    die "neither kustomize nor yq v4 is installed: the overlay's images cannot be set"
  fi
}

# overlay_images OVERLAY: "component<TAB>image" for every image the overlay sets (yq v4).
overlay_images() {
  yq_v4 || return 1
  PREFIX="$base_image_prefix/" yq \
    '.images[] | select(.name | test("^" + strenv(PREFIX))) | (.name | sub("^" + strenv(PREFIX); "")) + " " + .newName + ":" + .newTag' \
    "$ci_root/$1/kustomization.yaml" | tr ' ' '\t'
}

# cluster_images: "component<TAB>image" of what the cluster runs: every MarketplaceService's
# image and the operator's. Prints nothing where Mercato is not deployed yet.
cluster_images() {
  kubectl -n "$platform_namespace" get marketplaceservices \
    -o jsonpath='{range .items[*]}{.metadata.name}{"\t"}{.spec.image}{"\n"}{end}' 2>/dev/null || return 0
  local operator
  operator=$(kubectl -n "$operator_namespace" get deployment mercato-operator \
    -o jsonpath='{.spec.template.spec.containers[?(@.name=="operator")].image}' 2>/dev/null) || return 0
  [[ -z $operator ]] || printf 'operator\t%s\n' "$operator"
}

# apply_overlay OVERLAY: applies it server-side (the CRD is too large for a client-side apply's
# annotation). On a new cluster the first apply creates the CRD and its MarketplaceServices are
# refused until the API server serves it: that apply is made once more, once it does.
apply_overlay() {
  local overlay=$1 output
  output=$(mktemp)
  if kubectl apply --server-side -k "$ci_root/$overlay" >"$output" 2>&1; then
    cat "$output"
    rm -f "$output"
    return 0
  fi
  cat "$output" >&2
  if ! grep -q 'no matches for kind' "$output"; then
    rm -f "$output"
    die "kubectl apply of $overlay failed"
  fi
  rm -f "$output"
  say "the API server did not serve every kind yet; applying again once the CRDs are established"
  kubectl wait --for=condition=Established crd --all --timeout=120s >/dev/null
  kubectl apply --server-side -k "$ci_root/$overlay"
}

# with_git_credentials COMMAND...: runs a git command that talks to the remote with the token
# of the Jenkins credential (GIT_USERNAME, GIT_TOKEN), handed over by an askpass helper so it
# appears on no command line and in no remote URL.
with_git_credentials() {
  [[ -n ${GIT_USERNAME:-} && -n ${GIT_TOKEN:-} ]] ||
    die "GIT_USERNAME and GIT_TOKEN are not set (the Jenkins credential mercato-gitops binds them)"
  local askpass status=0
  askpass=$(mktemp)
  # shellcheck disable=SC2016 # expanded by the helper when git runs it, not here
  printf '#!/bin/sh\ncase "$1" in Username*) echo "$GIT_USERNAME" ;; *) echo "$GIT_TOKEN" ;; esac\n' >"$askpass"
  chmod 700 "$askpass"
  GIT_ASKPASS=$askpass GIT_TERMINAL_PROMPT=0 "$@" || status=$?
  rm -f "$askpass"
  return "$status"
}

# ci_git ARGS...: git in the repository, whichever user checked it out.
ci_git() { git -C "$ci_root" -c safe.directory="$ci_root" "$@"; }
