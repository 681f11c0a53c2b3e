#!/usr/bin/env bash
# The pipeline's Images stage: builds every component's image with scripts/images.sh, named
# ECR_REGISTRY/mercato/<component>:IMAGE_TAG, signs in to ECR with the agent's IAM role and
# pushes them. A tag ECR holds already is not pushed again (the repositories may keep tags
# immutable, and a re-run of the same commit builds the same images).
#
#   scripts/ci/build-and-push.sh
#
# ECR_REGISTRY defaults to the caller's account's registry in AWS_REGION (eu-central-1),
# IMAGE_TAG to the commit being built. Runs as root on Debian (the agent's build container):
# scripts/images.sh installs buildah and podman, this script the AWS CLI. Writes
# ci-artifacts/images.tsv: component, image, digest.
set -euo pipefail
log_prefix=build-and-push
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export CONTAINERS_CONF=$ci_root/scripts/containers.conf

ecr_has_tag() {
  aws ecr describe-images --region "$aws_region" --repository-name "mercato/$1" \
    --image-ids "imageTag=$2" >/dev/null 2>&1
}

log_in_to_ecr() {
  aws ecr get-login-password --region "$aws_region" |
    buildah login --username AWS --password-stdin "$1" >/dev/null
  say "signed in to $1"
}

# push_component REGISTRY COMPONENT TAG: pushes one image, recording its digest.
push_component() {
  local registry=$1 component=$2 tag=$3 image digest_file
  image=$registry/mercato/$component:$tag
  if ecr_has_tag "$component" "$tag"; then
    say "$image is in ECR already"
    printf '%s\t%s\t%s\n' "$component" "$image" "(already pushed)" >>"$ci_artifacts/images.tsv"
    return
  fi
  digest_file=$(mktemp)
  buildah push --quiet --digestfile "$digest_file" "$image" "docker://$image"
  printf '%s\t%s\t%s\n' "$component" "$image" "$(cat "$digest_file")" >>"$ci_artifacts/images.tsv"
  rm -f "$digest_file"
  say "pushed $image"
}

main() {
  local registry tag component
  apt_install awscli
  registry=$(ecr_registry)
  tag=$(image_tag)
  mkdir -p "$ci_artifacts"
  : >"$ci_artifacts/images.tsv"

  IMAGE_REPOSITORY=$registry/mercato IMAGE_TAG=$tag "$ci_root/scripts/images.sh"
  log_in_to_ecr "$registry"
  while read -r component; do
    push_component "$registry" "$component" "$tag"
  done < <(components)
  say "every image of $tag is in $registry"
}

main "$@"
