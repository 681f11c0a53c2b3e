# The production stage: the stage's names and address range, a NAT gateway per zone, at least
# three nodes (one per zone and a spare, as the overlay's replicas assume), production-sized
# stores, and the delegation of staging's zone.

locals {
  stage = "production"
}

module "stage" {
  source = "../../modules/stage"

  stage              = local.stage
  vpc_cidr           = "10.40.0.0/16"
  nat_gateway_per_az = true

  admin_cidr              = var.admin_cidr
  bastion_key_name        = var.bastion_key_name
  public_access_cidrs     = var.public_access_cidrs
  cluster_admin_role_arns = var.cluster_admin_role_arns
  ebs_csi_role_arn        = var.ebs_csi_role_arn

  node_instance_types = ["m6i.xlarge", "m6a.xlarge"]
  node_min_size       = 3
  node_desired_size   = 3
  node_max_size       = 9

  postgres_instance_class = "db.m7g.large"
  mysql_instance_class    = "db.m7g.large"
  redis_node_type         = "cache.m7g.large"
  rabbitmq_instance_type  = "mq.m5.large"
  atlas_org_id            = var.atlas_org_id
  atlas_instance_size     = "M30"

  zone_name = "mercato.example.com"
  host      = "mercato.example.com"
  delegations = length(var.staging_name_servers) > 0 ? {
    "staging.mercato.example.com" = var.staging_name_servers
  } : {}
}
