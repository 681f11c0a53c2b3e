# Inputs of the security module.

variable "name_prefix" {
  description = "Prefix of every name, e.g. mercato-production."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster; the node group's security group carries its ownership tag."
  type        = string
}

variable "vpc_id" {
  description = "The VPC the groups belong to."
  type        = string
}

variable "bastion_security_group_id" {
  description = "The bastion's group, admitted to the cluster's private endpoint."
  type        = string
}
