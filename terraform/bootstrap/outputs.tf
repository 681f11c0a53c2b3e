# Outputs of the bootstrap root: the values the env roots' backend blocks repeat.

output "state_bucket_name" {
  description = "Bucket of the S3 backends (backend \"s3\" bucket)."
  value       = aws_s3_bucket.state.id
}

output "lock_table_name" {
  description = "Lock table of the S3 backends (backend \"s3\" dynamodb_table)."
  value       = aws_dynamodb_table.locks.name
}

output "state_kms_key_arn" {
  description = "Key that encrypts state objects (backend \"s3\" kms_key_id accepts its alias)."
  value       = module.kms.key_arns["state"]
}

output "state_kms_alias" {
  description = "Alias of the state key."
  value       = module.kms.alias_names["state"]
}
