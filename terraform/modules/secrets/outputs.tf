# Outputs of the secrets module.

output "names" {
  description = "Secrets Manager name by Kubernetes Secret name."
  value       = { for secret, value in aws_secretsmanager_secret.this : secret => value.name }
}

output "arns" {
  description = "Secrets Manager ARN by Kubernetes Secret name."
  value       = { for secret, value in aws_secretsmanager_secret.this : secret => value.arn }
}
