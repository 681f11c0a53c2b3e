# Owns the key that encrypts Terraform state and the DynamoDB lock table; the bucket itself
# is in state_bucket.tf.

locals {
  # The account id in the name keeps the globally unique bucket name predictable per account.
  state_bucket_name = "mercato-terraform-state-${var.aws_account_id}"
  state_logs_name   = "mercato-terraform-state-logs-${var.aws_account_id}"
}

module "kms" {
  source = "../modules/kms"

  name_prefix = "mercato-terraform"
  purposes    = ["state"]
}

resource "aws_dynamodb_table" "locks" {
  name         = var.lock_table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  deletion_protection_enabled = true

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = module.kms.key_arns["state"]
  }

  lifecycle {
    prevent_destroy = true
  }
}
