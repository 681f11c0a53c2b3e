# Wires the stage's data stores and the secrets holding their credentials. Every store sits
# in the private subnets behind its own security group.

module "postgres" {
  source = "../rds"

  identifier                = "${local.name}-postgres"
  engine                    = "postgres"
  engine_version            = "17"
  parameter_group_family    = "postgres17"
  instance_class            = var.postgres_instance_class
  databases                 = local.postgres_databases
  subnet_ids                = module.network.private_subnet_ids
  security_group_id         = module.security.data_store_security_group_ids["postgres"]
  kms_key_arn               = module.kms.key_arns["rds"]
  master_secret_kms_key_arn = module.kms.key_arns["secrets"]
  logs_kms_key_arn          = module.kms.key_arns["logs"]
}

module "mysql" {
  source = "../rds"

  identifier                = "${local.name}-mysql"
  engine                    = "mysql"
  engine_version            = "8.4"
  parameter_group_family    = "mysql8.4"
  instance_class            = var.mysql_instance_class
  databases                 = local.mysql_databases
  subnet_ids                = module.network.private_subnet_ids
  security_group_id         = module.security.data_store_security_group_ids["mysql"]
  kms_key_arn               = module.kms.key_arns["rds"]
  master_secret_kms_key_arn = module.kms.key_arns["secrets"]
  logs_kms_key_arn          = module.kms.key_arns["logs"]
}

module "redis" {
  source = "../redis"

  replication_group_id = "${local.name}-redis"
  node_type            = var.redis_node_type
  num_cache_clusters   = length(var.availability_zones)
  subnet_ids           = module.network.private_subnet_ids
  security_group_id    = module.security.data_store_security_group_ids["redis"]
  kms_key_arn          = module.kms.key_arns["elasticache"]
  logs_kms_key_arn     = module.kms.key_arns["logs"]
}

module "rabbitmq" {
  source = "../rabbitmq"

  broker_name       = "${local.name}-rabbitmq"
  instance_type     = var.rabbitmq_instance_type
  subnet_ids        = module.network.private_subnet_ids
  security_group_id = module.security.data_store_security_group_ids["rabbitmq"]
  kms_key_arn       = module.kms.key_arns["mq"]
  amqp_clients      = local.amqp_clients
}

module "mongodb_atlas" {
  source = "../mongodb_atlas"

  org_id            = var.atlas_org_id
  name              = local.name
  name_prefix       = local.name
  stage             = var.stage
  instance_size     = var.atlas_instance_size
  databases         = local.atlas_databases
  vpc_id            = module.network.vpc_id
  subnet_ids        = module.network.private_subnet_ids
  security_group_id = module.security.data_store_security_group_ids["atlas"]
  kms_key_arn       = module.kms.key_arns["atlas"]
  kms_key_id        = module.kms.key_ids["atlas"]
}

module "storage" {
  source = "../storage"

  name_prefix = local.name
  web_origins = ["https://${var.host}"]
  kms_key_arn = module.kms.key_arns["s3"]
}

module "secrets" {
  source = "../secrets"

  name_prefix = local.secret_prefix
  kms_key_arn = module.kms.key_arns["secrets"]
  hand_filled = local.hand_filled_secrets

  generated_names = toset(concat(
    module.postgres.secret_names,
    module.mysql.secret_names,
    module.redis.secret_names,
    module.rabbitmq.secret_names,
    module.mongodb_atlas.secret_names,
  ))

  generated_values = merge(
    module.postgres.secret_values,
    module.mysql.secret_values,
    module.redis.secret_values,
    module.rabbitmq.secret_values,
    module.mongodb_atlas.secret_values,
  )
}
