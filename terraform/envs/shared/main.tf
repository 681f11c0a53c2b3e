# Owns what both stages share in the one account: the ECR repositories mercato/<component>
# (Jenkins pushes a build once; staging and production deploy the same digest) and their key.

module "kms" {
  source = "../../modules/kms"

  name_prefix = "mercato-shared"
  purposes    = ["ecr"]
}

module "ecr" {
  source = "../../modules/ecr"

  components  = ["operator", "gateway", "notifications", "auth", "users", "gigs", "chat", "orders", "reviews"]
  kms_key_arn = module.kms.key_arns["ecr"]
}
