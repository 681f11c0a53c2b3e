# Outputs of one stage: the names and identifiers the overlay, eksctl/, the Helm values and
# the Jenkinsfile refer to.

output "cluster_name" {
  description = "EKS cluster name."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "EKS API server URL."
  value       = module.eks.cluster_endpoint
}

output "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster."
  value       = module.eks.oidc_provider_arn
}

output "oidc_issuer_url" {
  description = "Issuer URL of the cluster's service account tokens."
  value       = module.eks.oidc_issuer_url
}

output "vpc_id" {
  description = "VPC id."
  value       = module.network.vpc_id
}

output "vpc_cidr" {
  description = "VPC range."
  value       = module.network.vpc_cidr
}

output "private_subnet_ids" {
  description = "Private subnets (nodes, data stores)."
  value       = module.network.private_subnet_ids
}

output "public_subnet_ids" {
  description = "Public subnets (NAT, bastion, internet-facing ALBs)."
  value       = module.network.public_subnet_ids
}

output "node_security_group_id" {
  description = "Security group of the nodes."
  value       = module.security.node_security_group_id
}

output "bastion_instance_id" {
  description = "Bastion instance id."
  value       = module.network.bastion_instance_id
}

output "postgres_instance_identifier" {
  description = "RDS PostgreSQL instance identifier."
  value       = module.postgres.identifier
}

output "mysql_instance_identifier" {
  description = "RDS MySQL instance identifier."
  value       = module.mysql.identifier
}

output "rds_master_secret_arns" {
  description = "RDS-managed master password secrets, for the one-off role setup."
  value = {
    postgres = module.postgres.master_secret_arn
    mysql    = module.mysql.master_secret_arn
  }
}

output "database_bootstrap_sql" {
  description = "Statements creating the service users and databases in PostgreSQL and MySQL."
  value = {
    postgres = module.postgres.bootstrap_sql
    mysql    = module.mysql.bootstrap_sql
  }
  sensitive = true
}

output "redis_replication_group_id" {
  description = "ElastiCache replication group id."
  value       = module.redis.replication_group_id
}

output "rabbitmq_broker_id" {
  description = "Amazon MQ broker id."
  value       = module.rabbitmq.broker_id
}

output "rabbitmq_broker_name" {
  description = "Amazon MQ broker name."
  value       = module.rabbitmq.broker_name
}

output "atlas_project_id" {
  description = "MongoDB Atlas project id."
  value       = module.mongodb_atlas.project_id
}

output "atlas_cluster_name" {
  description = "MongoDB Atlas cluster name."
  value       = module.mongodb_atlas.cluster_name
}

output "secret_names" {
  description = "Secrets Manager name by Kubernetes Secret name."
  value       = module.secrets.names
}

output "secret_arns" {
  description = "Secrets Manager ARN by Kubernetes Secret name."
  value       = module.secrets.arns
}

output "uploads_bucket_name" {
  description = "Private S3 bucket."
  value       = module.storage.uploads_bucket_name
}

output "public_bucket_name" {
  description = "Public-read S3 bucket."
  value       = module.storage.public_bucket_name
}

output "public_bucket_url" {
  description = "HTTPS base URL of the public bucket."
  value       = module.storage.public_bucket_url
}

output "ecr_repository_urls" {
  description = "ECR repository URL by component."
  value       = { for component, repository in data.aws_ecr_repository.component : component => repository.repository_url }
}

output "route53_zone_id" {
  description = "Route 53 hosted zone id."
  value       = module.dns.zone_id
}

output "route53_zone_name_servers" {
  description = "Name servers of the hosted zone."
  value       = module.dns.name_servers
}

output "certificate_arn" {
  description = "ACM certificate of the public host."
  value       = module.dns.certificate_arn
}

output "kms_key_arns" {
  description = "KMS key ARN by purpose (eksctl's policies need secrets and s3)."
  value       = module.kms.key_arns
}

output "kms_alias_names" {
  description = "KMS alias by purpose, e.g. alias/mercato-production-secrets (for kms:ResourceAliases conditions)."
  value       = module.kms.alias_names
}
