# Owns the Amazon MQ for RabbitMQ broker: a three-node cluster over the zones, private, with
# the stage's key, general logs, and the secrets' values (rabbitmq-management for the
# operator's topology calls, <component>-amqp for each service).

# Alphanumeric satisfies Amazon MQ (no commas, colons or equals signs) and needs no escaping
# in an amqps:// URL.
resource "random_password" "broker" {
  length  = 40
  special = false
}

resource "aws_mq_broker" "this" {
  broker_name        = var.broker_name
  engine_type        = "RabbitMQ"
  engine_version     = "3.13"
  host_instance_type = var.instance_type
  deployment_mode    = "CLUSTER_MULTI_AZ"

  publicly_accessible = false
  subnet_ids          = var.subnet_ids
  security_groups     = [var.security_group_id]

  auto_minor_version_upgrade = true
  apply_immediately          = false

  encryption_options {
    use_aws_owned_key = false
    kms_key_id        = var.kms_key_arn
  }

  # RabbitMQ brokers publish through Amazon MQ's service-linked role to the log group
  # /aws/amazonmq/broker/<broker id>/general; audit logs exist for ActiveMQ only.
  logs {
    general = true
  }

  maintenance_window_start_time {
    day_of_week = "SUNDAY"
    time_of_day = "03:00"
    time_zone   = "UTC"
  }

  # Amazon MQ for RabbitMQ takes exactly one user through its API; more would have to be made
  # through the management API.
  user {
    username = "mercato"
    password = random_password.broker.result
  }
}

locals {
  broker_host = trimsuffix(trimprefix(aws_mq_broker.this.instances[0].endpoints[0], "amqps://"), ":5671")
  amqp_url    = "amqps://mercato:${random_password.broker.result}@${local.broker_host}:5671"
}
