# Inputs of the bootstrap root. The defaults are the names the env roots' backend blocks use,
# so change them together.

variable "aws_account_id" {
  description = "The AWS account the state lives in; the provider refuses any other."
  type        = string
  default     = "123456789012"

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id is twelve digits."
  }
}

variable "region" {
  description = "Region of the state bucket and lock table."
  type        = string
  default     = "eu-central-1"
}

variable "lock_table_name" {
  description = "DynamoDB table the S3 backends lock state with."
  type        = string
  default     = "mercato-terraform-locks"
}

variable "noncurrent_state_days" {
  description = "Days a superseded state version is kept, to roll back a bad apply."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_state_days >= 30
    error_message = "Keep superseded state for at least 30 days."
  }
}
