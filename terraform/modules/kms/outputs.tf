# Outputs of the kms module, keyed by purpose.

output "key_arns" {
  description = "Key ARN by purpose."
  value       = { for purpose, key in aws_kms_key.this : purpose => key.arn }
}

output "key_ids" {
  description = "Key id by purpose (MongoDB Atlas wants the id, not the ARN)."
  value       = { for purpose, key in aws_kms_key.this : purpose => key.key_id }
}

output "alias_names" {
  description = "Alias name by purpose, e.g. alias/mercato-production-s3."
  value       = { for purpose, alias in aws_kms_alias.this : purpose => alias.name }
}
