# Wires what faces outside the VPC: the stage's zone and certificate, and the shared ECR
# repositories (made once per account by envs/shared, read here for the outputs).

module "dns" {
  source = "../dns"

  zone_name   = var.zone_name
  host        = var.host
  delegations = var.delegations
}

data "aws_ecr_repository" "component" {
  for_each = local.components

  name = "mercato/${each.key}"
}
