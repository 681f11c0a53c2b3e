# Owns the customer-managed KMS keys of one root: one key per purpose, so that a key's grants,
# its audit trail and the damage of a mistaken policy stay with one kind of data.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition

  descriptions = {
    atlas       = "MongoDB Atlas encryption at rest (customer key management)"
    ebs         = "EBS volumes of the EKS nodes and the bastion"
    ecr         = "ECR repositories"
    eks         = "EKS envelope encryption of Kubernetes Secrets"
    elasticache = "ElastiCache Redis at rest"
    logs        = "CloudWatch Logs log groups"
    mq          = "Amazon MQ brokers"
    rds         = "RDS storage, snapshots and Performance Insights"
    s3          = "S3 buckets"
    secrets     = "Secrets Manager secrets, including the RDS-managed master passwords"
    state       = "Terraform state bucket and lock table"
  }

  # The account's IAM policies decide who may use a key; the key policy only hands control to
  # the account, so no key can be orphaned by a typo in a principal.
  account_statement = {
    Sid       = "AccountAdministersThroughIam"
    Effect    = "Allow"
    Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }

  # CloudWatch Logs is a service principal, which IAM policies cannot grant to: it needs its
  # own statement, limited to this account's log groups in this region.
  logs_statements = [{
    Sid       = "CloudWatchLogsEncryptsThisAccountsLogGroups"
    Effect    = "Allow"
    Principal = { Service = "logs.${local.region}.amazonaws.com" }
    Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    Resource  = "*"
    Condition = {
      ArnLike = {
        "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"
      }
    }
  }]

  # Managed node groups launch instances through the Auto Scaling service-linked role, which
  # cannot carry an IAM policy: without these statements encrypted node volumes fail to attach.
  autoscaling_role = "arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
  ebs_statements = [
    {
      Sid       = "AutoScalingUsesTheKeyForNodeVolumes"
      Effect    = "Allow"
      Principal = { AWS = local.autoscaling_role }
      Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
      Resource  = "*"
    },
    {
      Sid       = "AutoScalingGrantsToEc2ForAttachedVolumes"
      Effect    = "Allow"
      Principal = { AWS = local.autoscaling_role }
      Action    = "kms:CreateGrant"
      Resource  = "*"
      Condition = { Bool = { "kms:GrantIsForAWSResource" = "true" } }
    },
  ]
}

resource "aws_kms_key" "this" {
  for_each = var.purposes

  description             = "${var.name_prefix}: ${local.descriptions[each.key]}"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [local.account_statement],
      each.key == "logs" ? local.logs_statements : [],
      each.key == "ebs" ? local.ebs_statements : [],
    )
  })
}

resource "aws_kms_alias" "this" {
  for_each = var.purposes

  name          = "alias/${var.name_prefix}-${each.key}"
  target_key_id = aws_kms_key.this[each.key].key_id
}
