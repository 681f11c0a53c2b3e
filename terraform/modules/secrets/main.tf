# Owns the stage's Secrets Manager secrets, one per Kubernetes Secret of the overlay's
# secrets.yaml, named mercato/<stage>/<secret>. Terraform writes the credentials of the
# stores it makes; the token keys and third-party credentials are containers it never fills,
# so a later apply never overwrites what an operator put there.

locals {
  all_names = setunion(var.hand_filled, var.generated_names)
}

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:Generated credentials rotate by terraform apply -replace of their random_password (RDS service users then by rerunning the bootstrap SQL); hand-filled ones rotate at their issuer (Stripe, SES, the token key pair), which no rotation Lambda reaches.
  for_each = local.all_names

  name                    = "${var.name_prefix}/${each.key}"
  description             = contains(var.hand_filled, each.key) ? "Filled by hand; Terraform never writes its value" : "Written by Terraform"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 30

  lifecycle {
    precondition {
      condition     = length(setintersection(var.hand_filled, var.generated_names)) == 0
      error_message = "A secret is either hand-filled or generated, not both."
    }
  }
}

resource "aws_secretsmanager_secret_version" "generated" {
  for_each = var.generated_names

  secret_id     = aws_secretsmanager_secret.this[each.key].id
  secret_string = var.generated_values[each.key]
}
