# Inputs of the secrets module.

variable "name_prefix" {
  description = "Prefix of every secret name: mercato/<stage>."
  type        = string

  validation {
    condition     = can(regex("^mercato/(staging|production)$", var.name_prefix))
    error_message = "name_prefix is mercato/staging or mercato/production."
  }
}

variable "kms_key_arn" {
  description = "KMS key of every secret (external-secrets needs kms:Decrypt on it)."
  type        = string
}

variable "hand_filled" {
  description = "Secrets whose value an operator puts in by hand; Terraform makes only the container."
  type        = set(string)
}

variable "generated_names" {
  description = "Secrets whose value Terraform writes (credentials of the stores it makes)."
  type        = set(string)
}

variable "generated_values" {
  description = "JSON value of each secret in generated_names."
  type        = map(string)
  sensitive   = true
}
