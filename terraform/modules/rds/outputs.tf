# Outputs of the rds module.

output "identifier" {
  description = "RDS instance identifier (the overlay's rdsInstanceIdentifier)."
  value       = aws_db_instance.this.identifier
}

output "address" {
  description = "Endpoint host name."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Endpoint port."
  value       = aws_db_instance.this.port
}

output "master_secret_arn" {
  description = "RDS-managed secret with the master user's password."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "secret_names" {
  description = "Names (after mercato/<stage>/) of the secrets this module fills."
  value       = [for service in keys(var.databases) : "${service}-db-credentials"]
}

output "secret_values" {
  description = "JSON value of each secret in secret_names."
  value       = local.credentials
  sensitive   = true
}

output "bootstrap_sql" {
  description = "Statements creating the service users and databases inside the engine."
  value       = local.bootstrap_sql
  sensitive   = true
}
