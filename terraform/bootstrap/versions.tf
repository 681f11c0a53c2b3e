# Pins Terraform and the AWS provider for the bootstrap root. Its own state stays local (no
# backend block): this root makes the bucket and table every other root keeps its state in.
terraform {
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      Project   = "mercato"
      Stage     = "shared"
      ManagedBy = "terraform"
    }
  }
}
