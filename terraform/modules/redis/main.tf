# Owns the ElastiCache Redis replication group: a primary and a replica in different zones
# with automatic failover, TLS required, an AUTH token, encryption at rest with the stage's
# key and fourteen days of daily snapshots. Also the redis-credentials secret's value.

resource "aws_elasticache_subnet_group" "this" {
  name        = var.replication_group_id
  description = "Private subnets of ${var.replication_group_id}"
  subnet_ids  = var.subnet_ids
}

# Alphanumeric keeps the token valid for ElastiCache (no @, " or /) and safe in a rediss:// URL.
resource "random_password" "auth_token" {
  length  = 64
  special = false
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(["slow-log", "engine-log"])

  name              = "/aws/elasticache/${var.replication_group_id}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = var.replication_group_id
  description          = "Mercato cache, rate limits and real-time hub"
  engine               = "redis"
  engine_version       = "7.1"
  parameter_group_name = "default.redis7"
  node_type            = var.node_type
  num_cache_clusters   = var.num_cache_clusters
  port                 = 6379

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = [var.security_group_id]

  automatic_failover_enabled = true
  multi_az_enabled           = true

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  auth_token                 = random_password.auth_token.result
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit  = 14
  snapshot_window           = "01:00-02:00"
  maintenance_window        = "sun:02:30-sun:03:30"
  final_snapshot_identifier = "${var.replication_group_id}-final"

  auto_minor_version_upgrade = true
  apply_immediately          = false

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.this["slow-log"].name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.this["engine-log"].name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "engine-log"
  }
}
