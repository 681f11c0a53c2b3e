# Inputs of the stage module: what differs between staging and production. Everything the
# naming of terraform/README.md fixes (names, databases, secrets, components) is in locals.tf instead.

variable "stage" {
  description = "staging or production."
  type        = string

  validation {
    condition     = contains(["staging", "production"], var.stage)
    error_message = "stage is staging or production."
  }
}

variable "vpc_cidr" {
  description = "The stage's VPC range (production 10.40.0.0/16, staging 10.50.0.0/16)."
  type        = string
}

variable "availability_zones" {
  description = "The two zones of the stage."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b"]
}

variable "nat_gateway_per_az" {
  description = "One NAT gateway per zone (true) or one shared (false)."
  type        = bool
}

variable "admin_cidr" {
  description = "The only range allowed to SSH to the bastion."
  type        = string
}

variable "bastion_key_name" {
  description = "EC2 key pair of the bastion; null for Session Manager only."
  type        = string
  default     = null
}

variable "public_access_cidrs" {
  description = "Ranges allowed to the EKS public endpoint; never 0.0.0.0/0."
  type        = list(string)
}

variable "cluster_admin_role_arns" {
  description = "IAM roles given cluster-admin through access entries."
  type        = list(string)
  default     = []
}

variable "kubernetes_version" {
  description = "Kubernetes minor version."
  type        = string
  default     = "1.33"
}

variable "node_instance_types" {
  description = "Instance types of the general node group."
  type        = list(string)
}

variable "node_min_size" {
  description = "Fewest nodes."
  type        = number
}

variable "node_desired_size" {
  description = "Nodes at creation."
  type        = number
}

variable "node_max_size" {
  description = "Most nodes."
  type        = number
}

variable "ebs_csi_role_arn" {
  description = "Role of the EBS CSI controller (eksctl/ makes it after the cluster); null on the first apply."
  type        = string
  default     = null
}

variable "postgres_instance_class" {
  description = "RDS PostgreSQL instance class."
  type        = string
}

variable "mysql_instance_class" {
  description = "RDS MySQL instance class."
  type        = string
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "rabbitmq_instance_type" {
  description = "Amazon MQ host instance type."
  type        = string
}

variable "atlas_org_id" {
  description = "MongoDB Atlas organization id."
  type        = string
}

variable "atlas_instance_size" {
  description = "Atlas tier (M30 or larger)."
  type        = string
}

variable "zone_name" {
  description = "The stage's hosted zone."
  type        = string
}

variable "host" {
  description = "The stage's public host (the gateway's ingress host)."
  type        = string
}

variable "delegations" {
  description = "Child zones delegated from this zone: name => name servers."
  type        = map(list(string))
  default     = {}
}
