# Inputs of the rds module: one RDS instance, PostgreSQL or MySQL, and its service users.

variable "identifier" {
  description = "RDS instance identifier, e.g. mercato-production-postgres (the overlay's rdsInstanceIdentifier)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.identifier))
    error_message = "identifier is at most 63 lower-case letters, digits and hyphens."
  }
}

variable "engine" {
  description = "postgres or mysql."
  type        = string

  validation {
    condition     = contains(["postgres", "mysql"], var.engine)
    error_message = "engine is postgres or mysql."
  }
}

variable "engine_version" {
  description = "Major version; minor versions follow through auto_minor_version_upgrade."
  type        = string
}

variable "parameter_group_family" {
  description = "Parameter group family matching engine_version, e.g. postgres17 or mysql8.4."
  type        = string
}

variable "instance_class" {
  description = "Instance class; Performance Insights needs db.t4g.medium or larger."
  type        = string
}

variable "allocated_storage_gib" {
  description = "Initial storage."
  type        = number
  default     = 50
}

variable "max_allocated_storage_gib" {
  description = "Ceiling for storage autoscaling."
  type        = number
  default     = 500
}

variable "subnet_ids" {
  description = "Private subnets in two zones for the primary and its standby."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Multi-AZ needs subnets in at least two zones."
  }
}

variable "security_group_id" {
  description = "The instance's group, which admits the EKS nodes only."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of storage, snapshots and Performance Insights."
  type        = string
}

variable "master_secret_kms_key_arn" {
  description = "KMS key of the RDS-managed master password secret."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key of the exported log groups."
  type        = string
}

variable "master_username" {
  description = "Master user; only the one-off role setup uses it."
  type        = string
  default     = "mercato_admin"
}

variable "databases" {
  description = "Service name => database it owns; each gets a user of the service's name and a <service>-db-credentials secret."
  type        = map(string)

  validation {
    condition = alltrue([
      for service, database in var.databases :
      can(regex("^[a-z][a-z0-9_]{0,30}$", service)) && can(regex("^[a-z][a-z0-9_]{0,62}$", database))
    ])
    error_message = "Service and database names are lower-case letters, digits and underscores."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the exported database logs."
  type        = number
  default     = 365
}
