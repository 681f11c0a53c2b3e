# Inputs of the rabbitmq module.

variable "broker_name" {
  description = "Broker name, e.g. mercato-production-rabbitmq."
  type        = string
}

variable "instance_type" {
  description = "Host instance type; a three-node cluster needs mq.m5.large or larger."
  type        = string

  validation {
    condition     = !startswith(var.instance_type, "mq.t3.")
    error_message = "CLUSTER_MULTI_AZ brokers need an mq.m5 or larger instance type."
  }
}

variable "subnet_ids" {
  description = "Private subnets; the cluster's nodes spread over their zones."
  type        = list(string)
}

variable "security_group_id" {
  description = "The group admitting the EKS nodes only."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the broker's storage."
  type        = string
}

variable "amqp_clients" {
  description = "Components that get a <component>-amqp secret with the amqps:// URL."
  type        = set(string)
}
