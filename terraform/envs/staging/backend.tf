# Where the staging root's state is: the bootstrap bucket, under the stage's own key.
terraform {
  # Both locks are held while Terraform moves from the DynamoDB table to S3 lock files.
  backend "s3" {
    bucket         = "mercato-terraform-state-123456789012"
    key            = "mercato/staging/terraform.tfstate"
    region         = "eu-central-1"
    dynamodb_table = "mercato-terraform-locks"
    use_lockfile   = true
    encrypt        = true
    kms_key_id     = "alias/mercato-terraform-state"
  }
}
