# The staging stage: the stage's names and address range, smaller nodes and stores, and one NAT
# gateway shared by both zones (losing a zone's egress is acceptable here, and it halves
# the NAT charges). Its zone is delegated from production's (staging_name_servers there).

locals {
  stage = "staging"
}

module "stage" {
  source = "../../modules/stage"

  stage              = local.stage
  vpc_cidr           = "10.50.0.0/16"
  nat_gateway_per_az = false

  admin_cidr              = var.admin_cidr
  bastion_key_name        = var.bastion_key_name
  public_access_cidrs     = var.public_access_cidrs
  cluster_admin_role_arns = var.cluster_admin_role_arns
  ebs_csi_role_arn        = var.ebs_csi_role_arn

  node_instance_types = ["t3.large", "t3a.large"]
  node_min_size       = 2
  node_desired_size   = 2
  node_max_size       = 4

  postgres_instance_class = "db.t4g.medium"
  mysql_instance_class    = "db.t4g.medium"
  redis_node_type         = "cache.t4g.small"
  rabbitmq_instance_type  = "mq.m5.large"
  atlas_org_id            = var.atlas_org_id
  atlas_instance_size     = "M30"

  zone_name = "staging.mercato.example.com"
  host      = "staging.mercato.example.com"
}
