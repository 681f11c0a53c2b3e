# Inputs of a stage root (envs/staging and envs/production link this file): what an operator supplies (terraform.tfvars or TF_VAR_*).

variable "aws_account_id" {
  description = "The account the stage runs in; the provider refuses any other."
  type        = string
  default     = "123456789012"

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id is twelve digits."
  }
}

variable "admin_cidr" {
  description = "The only range allowed to SSH to the bastion, e.g. the office's egress /32."
  type        = string

  validation {
    condition     = can(cidrhost(var.admin_cidr, 0)) && var.admin_cidr != "0.0.0.0/0"
    error_message = "admin_cidr is an IPv4 CIDR other than 0.0.0.0/0."
  }
}

variable "public_access_cidrs" {
  description = "Ranges allowed to the EKS public API endpoint: operators and the CI's egress."
  type        = list(string)

  validation {
    condition = length(var.public_access_cidrs) > 0 && alltrue([
      for cidr in var.public_access_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"
    ])
    error_message = "public_access_cidrs lists IPv4 CIDRs, none of them 0.0.0.0/0."
  }
}

variable "atlas_org_id" {
  description = "MongoDB Atlas organization the stage's project is made in."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{24}$", var.atlas_org_id))
    error_message = "atlas_org_id is 24 hexadecimal digits."
  }
}

variable "cluster_admin_role_arns" {
  description = "IAM roles given cluster-admin on the EKS cluster."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.cluster_admin_role_arns : can(regex("^arn:aws:iam::[0-9]{12}:role/", arn))])
    error_message = "cluster_admin_role_arns are IAM role ARNs."
  }
}

variable "bastion_key_name" {
  description = "EC2 key pair for SSH to the bastion; null leaves Session Manager only."
  type        = string
  default     = null
}

variable "ebs_csi_role_arn" {
  description = "Role eksctl/ made for kube-system/ebs-csi-controller-sa; null on the first apply."
  type        = string
  default     = null
}
