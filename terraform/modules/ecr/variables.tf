# Inputs of the ecr module.

variable "components" {
  description = "Components with an image; each gets the repository mercato/<component>."
  type        = set(string)
}

variable "kms_key_arn" {
  description = "KMS key of the repositories."
  type        = string
}

variable "images_to_keep" {
  description = "Tagged images kept per repository; older ones expire (both stages deploy from these)."
  type        = number
  default     = 50

  validation {
    condition     = var.images_to_keep >= 10
    error_message = "Keep at least ten images so a rollback target survives."
  }
}
