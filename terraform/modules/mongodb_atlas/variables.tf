# Inputs of the mongodb_atlas module.

variable "org_id" {
  description = "Atlas organization the project is made in."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{24}$", var.org_id))
    error_message = "org_id is the organization's 24 hexadecimal digits."
  }
}

variable "name" {
  description = "Project and cluster name, e.g. mercato-production."
  type        = string
}

variable "stage" {
  description = "Stage, for the cluster's tags."
  type        = string
}

variable "instance_size" {
  description = "Atlas tier of the electable nodes; M30 or above for production workloads."
  type        = string

  validation {
    condition     = can(regex("^M([3-9][0-9]|[1-9][0-9]{2,})$", var.instance_size))
    error_message = "instance_size is M30 or larger."
  }
}

variable "mongodb_major_version" {
  description = "MongoDB major version; Atlas applies patch releases."
  type        = string
  default     = "8.0"
}

variable "databases" {
  description = "Service name => database it owns; each gets a user of the service's name and a <service>-db secret with its URL."
  type        = map(string)
}

variable "vpc_id" {
  description = "VPC the PrivateLink interface endpoint goes into."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the interface endpoint."
  type        = list(string)
}

variable "security_group_id" {
  description = "The group admitting the EKS nodes to the endpoint's ports."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key Atlas encrypts its storage keys with (customer key management)."
  type        = string
}

variable "kms_key_id" {
  description = "Id of the same key; Atlas's API wants the id."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the IAM role Atlas assumes to use the key."
  type        = string
}
