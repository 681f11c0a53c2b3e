# Outputs of the redis module.

output "replication_group_id" {
  description = "Replication group id (the overlay's elastiCacheReplicationGroupId)."
  value       = aws_elasticache_replication_group.this.id
}

output "primary_endpoint" {
  description = "Primary endpoint host name (the operator resolves it from the id)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "secret_names" {
  description = "Names (after mercato/<stage>/) of the secrets this module fills."
  value       = ["redis-credentials"]
}

output "secret_values" {
  description = "JSON value of each secret in secret_names. Without RBAC users the AUTH token belongs to Redis's default user."
  value = {
    "redis-credentials" = jsonencode({
      username = "default"
      password = random_password.auth_token.result
    })
  }
  sensitive = true
}
