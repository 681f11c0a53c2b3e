#!/usr/bin/env bash
# Creates the IAM roles of a stage's pods (eksctl/<stage>.yaml) in the cluster Terraform made:
# fills in the identifiers Terraform knows (VPC, subnets, hosted zone), then runs
#   eksctl create iamserviceaccount --config-file ... --approve
#   eksctl create podidentityassociation --config-file ...
# Roles that exist already are left as they are (eksctl skips their stacks); change a policy
# with `eksctl update iamserviceaccount` / `eksctl update podidentityassociation` on the same file.
#
#   eksctl/apply.sh STAGE            staging or production
#   eksctl/apply.sh STAGE --render   only print the filled-in file
#
# The identifiers come from the environment (MERCATO_VPC_ID, MERCATO_PRIVATE_SUBNET_A,
# MERCATO_PRIVATE_SUBNET_B, MERCATO_PUBLIC_SUBNET_A, MERCATO_PUBLIC_SUBNET_B,
# MERCATO_HOSTED_ZONE_ID) or, for those not set, from the outputs of the stage's Terraform root
# module (TERRAFORM_DIR, default terraform/envs/<stage>): vpc_id, private_subnet_ids,
# public_subnet_ids (eu-central-1a first) and route53_zone_id.
set -euo pipefail
invoked_from=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")"

placeholders=(MERCATO_VPC_ID MERCATO_PRIVATE_SUBNET_A MERCATO_PRIVATE_SUBNET_B
  MERCATO_PUBLIC_SUBNET_A MERCATO_PUBLIC_SUBNET_B MERCATO_HOSTED_ZONE_ID)

die() { printf 'eksctl/apply.sh: %s\n' "$*" >&2; exit 1; }

# terraform_value NAME: the value a placeholder takes from Terraform's outputs.
terraform_value() {
  local name=$1 outputs
  [[ -d $terraform_dir ]] || die "$name is not set and $terraform_dir holds no Terraform module to read it from"
  outputs=$(terraform -chdir="$terraform_dir" output -json)
  python3 - "$name" "$outputs" <<'PY'
import json, sys
name, outputs = sys.argv[1], json.loads(sys.argv[2])
where = {
    "MERCATO_VPC_ID": ("vpc_id", None),
    "MERCATO_PRIVATE_SUBNET_A": ("private_subnet_ids", 0),
    "MERCATO_PRIVATE_SUBNET_B": ("private_subnet_ids", 1),
    "MERCATO_PUBLIC_SUBNET_A": ("public_subnet_ids", 0),
    "MERCATO_PUBLIC_SUBNET_B": ("public_subnet_ids", 1),
    "MERCATO_HOSTED_ZONE_ID": ("route53_zone_id", None),
}
output, index = where[name]
if output not in outputs:
    sys.exit(f"Terraform has no output {output}")
value = outputs[output]["value"]
print(value if index is None else value[index])
PY
}

# render STAGE: the stage's file with every placeholder replaced.
render() {
  local text name value
  text=$(<"$1.yaml")
  for name in "${placeholders[@]}"; do
    value=${!name:-}
    [[ -n $value ]] || value=$(terraform_value "$name")
    text=${text//"\${$name}"/$value}
  done
  local unfilled='[$][{]MERCATO_[A-Z_]+[}]'
  if [[ $text =~ $unfilled ]]; then
    die "$1.yaml names ${BASH_REMATCH[0]}, which this script does not fill"
  fi
  printf '%s\n' "$text"
}

main() {
  local stage=${1:-} rendered
  [[ $stage == staging || $stage == production ]] || die "usage: eksctl/apply.sh staging|production [--render]"
  terraform_dir=${TERRAFORM_DIR:-../terraform/envs/$stage}
  [[ $terraform_dir == /* || -z ${TERRAFORM_DIR:-} ]] || terraform_dir=$invoked_from/$terraform_dir
  if [[ ${2:-} == --render ]]; then
    render "$stage"
    return
  fi
  rendered=$(mktemp --suffix=.yaml)
  trap 'rm -f "$rendered"' EXIT
  render "$stage" >"$rendered"
  eksctl create iamserviceaccount --config-file "$rendered" --approve
  eksctl create podidentityassociation --config-file "$rendered"
}

main "$@"
