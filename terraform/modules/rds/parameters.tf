# Owns the parameter groups: each refuses unencrypted connections and logs what is needed to
# find slow or changed queries. Only the one matching the engine is made.

resource "aws_db_parameter_group" "postgres" {
  count = local.is_postgres ? 1 : 0

  name_prefix = "${var.identifier}-"
  family      = var.parameter_group_family
  description = "${var.identifier}: TLS only, DDL and slow statements logged"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_parameter_group" "mysql" {
  count = local.is_postgres ? 0 : 1

  name_prefix = "${var.identifier}-"
  family      = var.parameter_group_family
  description = "${var.identifier}: TLS only, slow statements logged"

  parameter {
    name  = "require_secure_transport"
    value = "1"
  }

  parameter {
    name  = "slow_query_log"
    value = "1"
  }

  parameter {
    name  = "long_query_time"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}
