# Inputs of the kms module: whose keys these are and which purposes need one.

variable "name_prefix" {
  description = "Prefix of the key aliases, e.g. mercato-production (aliases become alias/<prefix>-<purpose>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,40}$", var.name_prefix))
    error_message = "name_prefix is lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "purposes" {
  description = "The purposes to make a key for; each must be one the module knows (see locals in main.tf)."
  type        = set(string)

  validation {
    condition = alltrue([for p in var.purposes : contains([
      "atlas", "ebs", "ecr", "eks", "elasticache", "logs", "mq", "rds", "s3", "secrets", "state",
    ], p)])
    error_message = "purposes are among atlas, ebs, ecr, eks, elasticache, logs, mq, rds, s3, secrets, state."
  }
}
