# Owns one RDS instance (PostgreSQL or MySQL): Multi-AZ, encrypted with the stage's RDS key,
# private, TLS-only, with IAM authentication, enhanced monitoring, Performance Insights and
# fourteen days of backups. The master password is RDS-managed (Secrets Manager, rotated).

locals {
  is_postgres = var.engine == "postgres"
  port        = local.is_postgres ? 5432 : 3306
  log_exports = local.is_postgres ? ["postgresql", "upgrade"] : ["error", "slowquery"]
}

resource "aws_db_subnet_group" "this" {
  name        = var.identifier
  description = "Private subnets of ${var.identifier}"
  subnet_ids  = var.subnet_ids
}

resource "aws_cloudwatch_log_group" "exports" {
  for_each = toset(local.log_exports)

  # RDS exports to this name; creating it first sets its retention and key.
  name              = "/aws/rds/instance/${var.identifier}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
}

resource "aws_db_instance" "this" {
  #checkov:skip=CKV2_AWS_69:The engine's parameter group (parameters.tf) sets rds.force_ssl=1 or require_secure_transport=1; checkov cannot follow the engine conditional to it.
  identifier     = var.identifier
  engine         = var.engine
  engine_version = var.engine_version
  instance_class = var.instance_class
  port           = local.port

  allocated_storage     = var.allocated_storage_gib
  max_allocated_storage = var.max_allocated_storage_gib
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.master_secret_kms_key_arn

  multi_az               = true
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [var.security_group_id]
  publicly_accessible    = false
  parameter_group_name   = local.is_postgres ? aws_db_parameter_group.postgres[0].name : aws_db_parameter_group.mysql[0].name
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  iam_database_authentication_enabled = true

  backup_retention_period   = 14
  backup_window             = "01:00-02:00"
  maintenance_window        = "sun:02:30-sun:03:30"
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.identifier}-final"

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false
  apply_immediately           = false

  monitoring_interval = 30
  monitoring_role_arn = aws_iam_role.monitoring.arn

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = 7

  enabled_cloudwatch_logs_exports = local.log_exports

  depends_on = [aws_cloudwatch_log_group.exports]
}

resource "aws_iam_role" "monitoring" {
  name = "${var.identifier}-monitoring"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}
