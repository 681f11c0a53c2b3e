# Pins Terraform and the AWS provider of the shared root, and keeps its state in the
# bootstrap bucket under its own key.
terraform {
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Both locks are held while Terraform moves from the DynamoDB table to S3 lock files.
  backend "s3" {
    bucket         = "mercato-terraform-state-123456789012"
    key            = "mercato/shared/terraform.tfstate"
    region         = "eu-central-1"
    dynamodb_table = "mercato-terraform-locks"
    use_lockfile   = true
    encrypt        = true
    kms_key_id     = "alias/mercato-terraform-state"
  }
}

provider "aws" {
  region              = "eu-central-1"
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      Project   = "mercato"
      Stage     = "shared"
      ManagedBy = "terraform"
    }
  }
}
