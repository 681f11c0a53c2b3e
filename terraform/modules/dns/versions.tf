# Provider requirements of the dns module; the calling root pins the versions.
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}
