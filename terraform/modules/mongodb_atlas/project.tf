# Owns the Atlas project and its customer key management: Atlas assumes an IAM role of this
# account (trusting Atlas's account with the project's external id) to use the stage's KMS key.

data "aws_region" "current" {}

locals {
  # Every stage lives in eu-central-1 (terraform/README.md, Names); Atlas spells it EU_CENTRAL_1.
  # The cluster's precondition stops a plan whose AWS provider points elsewhere.
  atlas_region = "EU_CENTRAL_1"
}

resource "mongodbatlas_project" "this" {
  name                         = var.name
  org_id                       = var.org_id
  with_default_alerts_settings = true
}

resource "mongodbatlas_cloud_provider_access_setup" "this" {
  project_id    = mongodbatlas_project.this.id
  provider_name = "AWS"
}

resource "aws_iam_role" "atlas_kms" {
  name = "${var.name_prefix}-atlas-kms"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = mongodbatlas_cloud_provider_access_setup.this.aws_config[0].atlas_aws_account_arn }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = {
          "sts:ExternalId" = mongodbatlas_cloud_provider_access_setup.this.aws_config[0].atlas_assumed_role_external_id
        }
      }
    }]
  })
}

resource "aws_iam_role_policy" "atlas_kms" {
  name = "use-atlas-key"
  role = aws_iam_role.atlas_kms.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"]
      Resource = [var.kms_key_arn]
    }]
  })
}

resource "mongodbatlas_cloud_provider_access_authorization" "this" {
  project_id = mongodbatlas_project.this.id
  role_id    = mongodbatlas_cloud_provider_access_setup.this.role_id

  aws {
    iam_assumed_role_arn = aws_iam_role.atlas_kms.arn
  }

  depends_on = [aws_iam_role_policy.atlas_kms]
}

resource "mongodbatlas_encryption_at_rest" "this" {
  project_id = mongodbatlas_project.this.id

  aws_kms_config {
    enabled                = true
    customer_master_key_id = var.kms_key_id
    region                 = local.atlas_region
    role_id                = mongodbatlas_cloud_provider_access_authorization.this.role_id
  }
}
