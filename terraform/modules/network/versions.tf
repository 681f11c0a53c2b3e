# Provider requirements of the network module; the calling root pins the versions.
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}
