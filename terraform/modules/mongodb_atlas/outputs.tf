# Outputs of the mongodb_atlas module.

output "project_id" {
  description = "Atlas project id."
  value       = mongodbatlas_project.this.id
}

output "cluster_name" {
  description = "Atlas cluster name."
  value       = mongodbatlas_advanced_cluster.this.name
}

output "private_endpoint_id" {
  description = "The VPC interface endpoint to Atlas."
  value       = aws_vpc_endpoint.atlas.id
}

output "secret_names" {
  description = "Names (after mercato/<stage>/) of the secrets this module fills."
  value       = [for service in keys(var.databases) : "${service}-db"]
}

output "secret_values" {
  description = "JSON value of each secret in secret_names."
  value       = local.urls
  sensitive   = true
}
