# Inputs of the eks module.

variable "cluster_name" {
  description = "Name of the cluster, e.g. mercato-production."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and the nodes."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version is a minor version such as 1.33."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets, one per zone: the control plane ENIs and the nodes go here, nowhere else."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "Give a private subnet in each of at least two zones."
  }
}

variable "cluster_security_group_id" {
  description = "Extra group of the control plane ENIs (from the security module)."
  type        = string
}

variable "node_security_group_id" {
  description = "Group of the nodes (from the security module)."
  type        = string
}

variable "public_access_cidrs" {
  description = "Ranges allowed to reach the public API endpoint (operators, CI egress)."
  type        = list(string)

  validation {
    condition = length(var.public_access_cidrs) > 0 && alltrue([
      for cidr in var.public_access_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"
    ])
    error_message = "public_access_cidrs lists IPv4 CIDRs, none of them 0.0.0.0/0."
  }
}

variable "secrets_kms_key_arn" {
  description = "KMS key for envelope encryption of Kubernetes Secrets."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key of the control plane's log group."
  type        = string
}

variable "ebs_kms_key_arn" {
  description = "KMS key of the nodes' volumes."
  type        = string
}

variable "node_instance_types" {
  description = "Instance types of the general node group, in order of preference."
  type        = list(string)
}

variable "node_min_size" {
  description = "Fewest nodes; the group spreads them over the private subnets' zones."
  type        = number

  validation {
    condition     = var.node_min_size >= 2
    error_message = "At least two nodes, so each zone keeps one."
  }
}

variable "node_desired_size" {
  description = "Nodes at creation; later changes made outside Terraform (scaling by hand or by an autoscaler) are kept."
  type        = number
}

variable "node_max_size" {
  description = "Most nodes the group may grow to."
  type        = number
}

variable "node_disk_gib" {
  description = "Root volume size of each node."
  type        = number
  default     = 50
}

variable "cluster_admin_role_arns" {
  description = "IAM roles given cluster-admin through EKS access entries (besides the creator)."
  type        = list(string)
  default     = []
}

variable "ebs_csi_role_arn" {
  description = "Role of the EBS CSI controller's service account (made by eksctl/); null until it exists."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the control plane logs."
  type        = number
  default     = 365

  validation {
    condition     = var.log_retention_days >= 365
    error_message = "Keep control plane logs for at least a year."
  }
}
