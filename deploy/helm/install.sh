#!/usr/bin/env bash
# Installs or upgrades every Helm release of a stage's cluster, in the order of
# deploy/helm/releases.tsv and at the exact chart versions it pins, after the gp3 StorageClass
# their volumes use. Each release is `helm upgrade --install --atomic --wait`: a release that
# does not become ready is rolled back and the script stops there.
#
#   deploy/helm/install.sh STAGE        staging or production, against the current kube context,
#                                       which must be the stage's cluster
#                                       (aws eks update-kubeconfig --name mercato-STAGE --region eu-central-1)
#
# Per-stage values (environment; the rest are in deploy/helm/values/):
#   AWS_ACCOUNT_ID          the account of the roles (default: the caller's, from aws sts)
#   MERCATO_VPC_ID          the cluster's VPC, for the load balancer controller
#   MERCATO_HOSTED_ZONE_ID  the stage's Route 53 zone, the only one external-dns may change
#   TERRAFORM_DIR           the Terraform root module whose outputs (vpc_id, route53_zone_id)
#                           give the two above when they are not set (default
#                           terraform/envs/<stage>)
# The roles are those eksctl/<stage>.yaml makes: arn:aws:iam::ACCOUNT:role/mercato-STAGE-<name>.
set -euo pipefail
invoked_from=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")"

region=eu-central-1
helm_timeout=15m

die() { printf 'deploy/helm/install.sh: %s\n' "$*" >&2; exit 1; }
say() { printf 'deploy/helm/install.sh: %s\n' "$*"; }

# terraform_output NAME: one output of TERRAFORM_DIR's module.
terraform_output() {
  [[ -d $terraform_dir ]] || die "set $2, or TERRAFORM_DIR to the Terraform module whose output $1 it is"
  terraform -chdir="$terraform_dir" output -raw "$1"
}

# zone_name STAGE: the stage's public zone, as terraform/README.md names it.
zone_name() {
  case $1 in
    production) echo mercato.example.com ;;
    staging) echo staging.mercato.example.com ;;
  esac
}

require_stage_context() {
  local stage=$1 context
  context=$(kubectl config current-context)
  [[ $context == *"cluster/mercato-$stage" ]] ||
    die "the kube context is $context, not mercato-$stage's: aws eks update-kubeconfig --name mercato-$stage --region $region"
}

# release_values RELEASE: the --set-string arguments of one release, one a line.
release_values() {
  local role_prefix="arn:aws:iam::$account:role/mercato-$stage"
  case $1 in
    aws-load-balancer-controller)
      echo "clusterName=mercato-$stage"
      echo "vpcId=$vpc_id"
      echo "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=$role_prefix-aws-load-balancer-controller"
      ;;
    kube-prometheus-stack)
      echo "prometheus.prometheusSpec.externalLabels.cluster=mercato-$stage"
      ;;
    external-dns)
      echo "domainFilters[0]=$(zone_name "$stage")"
      echo "txtOwnerId=mercato-$stage"
      echo "extraArgs[0]=--zone-id-filter=$zone_id"
      echo "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=$role_prefix-external-dns"
      ;;
    external-secrets)
      echo "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=$role_prefix-external-secrets"
      ;;
    jenkins)
      echo "serviceAccountAgent.annotations.eks\\.amazonaws\\.com/role-arn=$role_prefix-jenkins-agent"
      ;;
    *) die "releases.tsv names $1, for which this script knows no per-stage values" ;;
  esac
}

install_release() {
  local release=$1 namespace=$2 repository=$3 chart=$4 version=$5 values=$6 value
  local args=(upgrade --install "$release" "$chart" --repo "$repository" --version "$version"
    --namespace "$namespace" --create-namespace --values "$values"
    --atomic --wait --timeout "$helm_timeout")
  while read -r value; do
    args+=(--set-string "$value")
  done < <(release_values "$release")
  say "$release $chart $version in $namespace"
  helm "${args[@]}" </dev/null
}

main() {
  stage=${1:-}
  [[ $stage == staging || $stage == production ]] || die "usage: deploy/helm/install.sh staging|production"
  command -v helm >/dev/null || die "helm is not installed"
  require_stage_context "$stage"
  terraform_dir=${TERRAFORM_DIR:-../../terraform/envs/$stage}
  [[ $terraform_dir == /* || -z ${TERRAFORM_DIR:-} ]] || terraform_dir=$invoked_from/$terraform_dir
  account=${AWS_ACCOUNT_ID:-$(aws sts get-caller-identity --query Account --output text)}
  vpc_id=${MERCATO_VPC_ID:-$(terraform_output vpc_id MERCATO_VPC_ID)}
  zone_id=${MERCATO_HOSTED_ZONE_ID:-$(terraform_output route53_zone_id MERCATO_HOSTED_ZONE_ID)}

  kubectl apply --server-side -f storageclass-gp3.yaml
  local release namespace repository chart version values
  while IFS=$'\t' read -r release namespace repository chart version values; do
    install_release "$release" "$namespace" "$repository" "$chart" "$version" "$values"
  done < <(grep -v -e '^#' -e '^$' releases.tsv)
  say "every release of mercato-$stage is installed"
}

main "$@"
