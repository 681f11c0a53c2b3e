# Inputs of the redis module.

variable "replication_group_id" {
  description = "Replication group id, e.g. mercato-production-redis (the overlay's elastiCacheReplicationGroupId)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.replication_group_id))
    error_message = "replication_group_id is at most 40 lower-case letters, digits and hyphens."
  }
}

variable "node_type" {
  description = "Cache node type."
  type        = string
}

variable "num_cache_clusters" {
  description = "Primary plus replicas; the replicas go to the other zone for failover."
  type        = number
  default     = 2

  validation {
    condition     = var.num_cache_clusters >= 2
    error_message = "Automatic failover needs a primary and at least one replica."
  }
}

variable "subnet_ids" {
  description = "Private subnets of both zones."
  type        = list(string)
}

variable "security_group_id" {
  description = "The group admitting the EKS nodes only."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for data at rest and snapshots."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key of the slow-log and engine-log groups."
  type        = string
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the Redis logs."
  type        = number
  default     = 365
}
