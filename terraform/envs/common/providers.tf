# Configures the providers of a stage root (envs/staging and envs/production link this file). Credentials come from the environment: AWS's
# usual chain, and MONGODB_ATLAS_PUBLIC_KEY / MONGODB_ATLAS_PRIVATE_KEY (or an Atlas service
# account's MONGODB_ATLAS_CLIENT_ID / MONGODB_ATLAS_CLIENT_SECRET) for Atlas.

provider "aws" {
  region              = "eu-central-1"
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      Project   = "mercato"
      Stage     = local.stage
      ManagedBy = "terraform"
    }
  }
}

provider "mongodbatlas" {}
