# Outputs of a stage root (envs/staging and envs/production link this file): what the overlay, eksctl/, the Helm values and the
# Jenkinsfile refer to (terraform/README.md maps each to its consumer).

output "cluster_name" {
  description = "EKS cluster name."
  value       = module.stage.cluster_name
}

output "cluster_endpoint" {
  description = "EKS API server URL."
  value       = module.stage.cluster_endpoint
}

output "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster."
  value       = module.stage.oidc_provider_arn
}

output "oidc_issuer_url" {
  description = "Issuer URL of the cluster's service account tokens."
  value       = module.stage.oidc_issuer_url
}

output "vpc_id" {
  description = "VPC id."
  value       = module.stage.vpc_id
}

output "vpc_cidr" {
  description = "VPC range."
  value       = module.stage.vpc_cidr
}

output "private_subnet_ids" {
  description = "Private subnets (nodes, data stores)."
  value       = module.stage.private_subnet_ids
}

output "public_subnet_ids" {
  description = "Public subnets (NAT, bastion, internet-facing ALBs)."
  value       = module.stage.public_subnet_ids
}

output "node_security_group_id" {
  description = "Security group of the nodes."
  value       = module.stage.node_security_group_id
}

output "bastion_instance_id" {
  description = "Bastion instance id."
  value       = module.stage.bastion_instance_id
}

output "postgres_instance_identifier" {
  description = "RDS PostgreSQL instance identifier."
  value       = module.stage.postgres_instance_identifier
}

output "mysql_instance_identifier" {
  description = "RDS MySQL instance identifier."
  value       = module.stage.mysql_instance_identifier
}

output "rds_master_secret_arns" {
  description = "RDS-managed master password secrets, for the one-off role setup."
  value       = module.stage.rds_master_secret_arns
}

output "database_bootstrap_sql" {
  description = "Statements creating the service users and databases in PostgreSQL and MySQL."
  value       = module.stage.database_bootstrap_sql
  sensitive   = true
}

output "redis_replication_group_id" {
  description = "ElastiCache replication group id."
  value       = module.stage.redis_replication_group_id
}

output "rabbitmq_broker_id" {
  description = "Amazon MQ broker id."
  value       = module.stage.rabbitmq_broker_id
}

output "rabbitmq_broker_name" {
  description = "Amazon MQ broker name."
  value       = module.stage.rabbitmq_broker_name
}

output "atlas_project_id" {
  description = "MongoDB Atlas project id."
  value       = module.stage.atlas_project_id
}

output "atlas_cluster_name" {
  description = "MongoDB Atlas cluster name."
  value       = module.stage.atlas_cluster_name
}

output "secret_names" {
  description = "Secrets Manager name by Kubernetes Secret name."
  value       = module.stage.secret_names
}

output "secret_arns" {
  description = "Secrets Manager ARN by Kubernetes Secret name."
  value       = module.stage.secret_arns
}

output "uploads_bucket_name" {
  description = "Private S3 bucket."
  value       = module.stage.uploads_bucket_name
}

output "public_bucket_name" {
  description = "Public-read S3 bucket."
  value       = module.stage.public_bucket_name
}

output "public_bucket_url" {
  description = "HTTPS base URL of the public bucket."
  value       = module.stage.public_bucket_url
}

output "ecr_repository_urls" {
  description = "ECR repository URL by component."
  value       = module.stage.ecr_repository_urls
}

output "route53_zone_id" {
  description = "Route 53 hosted zone id."
  value       = module.stage.route53_zone_id
}

output "route53_zone_name_servers" {
  description = "Name servers of the hosted zone."
  value       = module.stage.route53_zone_name_servers
}

output "certificate_arn" {
  description = "ACM certificate of the public host."
  value       = module.stage.certificate_arn
}

output "kms_key_arns" {
  description = "KMS key ARN by purpose (eksctl's policies need secrets and s3)."
  value       = module.stage.kms_key_arns
}

output "kms_alias_names" {
  description = "KMS alias by purpose, e.g. alias/mercato-production-secrets (for kms:ResourceAliases conditions)."
  value       = module.stage.kms_alias_names
}
