# Inputs of the shared root.

variable "aws_account_id" {
  description = "The account both stages run in; the provider refuses any other."
  type        = string
  default     = "123456789012"

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id is twelve digits."
  }
}
