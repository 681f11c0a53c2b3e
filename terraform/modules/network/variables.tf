# Inputs of the network module.

variable "name_prefix" {
  description = "Prefix of every name, e.g. mercato-production."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster whose load balancers the subnets are tagged for."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's IPv4 range; a /16 leaves room for pod IPs from the VPC CNI."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 16
    error_message = "vpc_cidr is an IPv4 CIDR of /16 or larger."
  }
}

variable "availability_zones" {
  description = "The two zones the subnets, NAT gateways and data stores spread over."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 2 && length(distinct(var.availability_zones)) == 2
    error_message = "availability_zones names exactly two different zones."
  }
}

variable "nat_gateway_per_az" {
  description = "One NAT gateway per zone (true), or one shared by both private subnets (false)."
  type        = bool
  default     = true
}

variable "admin_cidr" {
  description = "The only range allowed to reach the bastion over SSH."
  type        = string

  validation {
    condition     = can(cidrhost(var.admin_cidr, 0)) && var.admin_cidr != "0.0.0.0/0"
    error_message = "admin_cidr is an IPv4 CIDR other than 0.0.0.0/0."
  }
}

variable "bastion_instance_type" {
  description = "Instance type of the bastion; it only forwards sessions."
  type        = string
  default     = "t3.micro"
}

variable "bastion_key_name" {
  description = "EC2 key pair for SSH to the bastion; null leaves Session Manager as the only way in."
  type        = string
  default     = null
}

variable "logs_kms_key_arn" {
  description = "KMS key of the flow-log group."
  type        = string
}

variable "ebs_kms_key_arn" {
  description = "KMS key of the bastion's root volume."
  type        = string
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the flow logs."
  type        = number
  default     = 365

  validation {
    condition     = var.log_retention_days >= 365
    error_message = "Keep flow logs for at least a year."
  }
}
