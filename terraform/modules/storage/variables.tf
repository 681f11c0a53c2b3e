# Inputs of the storage module.

variable "name_prefix" {
  description = "Prefix of the bucket names, e.g. mercato-production."
  type        = string
}

variable "web_origins" {
  description = "Browser origins that upload through presigned URLs and read the buckets, e.g. https://mercato.example.com."
  type        = list(string)

  validation {
    condition     = length(var.web_origins) > 0 && alltrue([for origin in var.web_origins : startswith(origin, "https://")])
    error_message = "web_origins are https:// origins."
  }
}

variable "kms_key_arn" {
  description = "KMS key of the uploads bucket."
  type        = string
}

variable "noncurrent_version_days" {
  description = "Days an overwritten or deleted object version is kept before it expires."
  type        = number
  default     = 30
}

variable "access_log_days" {
  description = "Days the access logs are kept."
  type        = number
  default     = 365
}
