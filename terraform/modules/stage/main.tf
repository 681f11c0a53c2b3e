# Wires one stage together: keys, network, security groups and the cluster. The data stores
# are in data.tf, DNS and the registry in edge.tf.

module "kms" {
  source = "../kms"

  name_prefix = local.name
  purposes    = local.kms_purposes
}

module "network" {
  source = "../network"

  name_prefix        = local.name
  cluster_name       = local.name
  vpc_cidr           = var.vpc_cidr
  availability_zones = var.availability_zones
  nat_gateway_per_az = var.nat_gateway_per_az
  admin_cidr         = var.admin_cidr
  bastion_key_name   = var.bastion_key_name
  logs_kms_key_arn   = module.kms.key_arns["logs"]
  ebs_kms_key_arn    = module.kms.key_arns["ebs"]
}

module "security" {
  source = "../security"

  name_prefix               = local.name
  cluster_name              = local.name
  vpc_id                    = module.network.vpc_id
  bastion_security_group_id = module.network.bastion_security_group_id
}

module "eks" {
  source = "../eks"

  cluster_name              = local.name
  kubernetes_version        = var.kubernetes_version
  private_subnet_ids        = module.network.private_subnet_ids
  cluster_security_group_id = module.security.cluster_security_group_id
  node_security_group_id    = module.security.node_security_group_id
  public_access_cidrs       = var.public_access_cidrs
  cluster_admin_role_arns   = var.cluster_admin_role_arns
  ebs_csi_role_arn          = var.ebs_csi_role_arn
  secrets_kms_key_arn       = module.kms.key_arns["eks"]
  logs_kms_key_arn          = module.kms.key_arns["logs"]
  ebs_kms_key_arn           = module.kms.key_arns["ebs"]
  node_instance_types       = var.node_instance_types
  node_min_size             = var.node_min_size
  node_desired_size         = var.node_desired_size
  node_max_size             = var.node_max_size
}
