# Owns the stage's hosted zone, the ACM certificate of the public host with its DNS
# validation records, a CAA record limiting issuers to Amazon, and delegations of child
# zones. external-dns writes the host's own record, so none is made here.

resource "aws_route53_zone" "this" {
  #checkov:skip=CKV2_AWS_38:DNSSEC needs a DS record at the parent (the registrar of example.com), which this code does not control; signing without it protects nobody.
  #checkov:skip=CKV2_AWS_39:Route 53 delivers public query logs only to us-east-1, and this stage keeps its data in eu-central-1.
  name    = var.zone_name
  comment = "Mercato ${var.zone_name}, records by Terraform and external-dns"
}

resource "aws_route53_record" "caa" {
  zone_id = aws_route53_zone.this.zone_id
  name    = var.zone_name
  type    = "CAA"
  ttl     = 3600
  records = ["0 issue \"amazon.com\"", "0 issuewild \";\""]
}

resource "aws_acm_certificate" "this" {
  domain_name       = var.host
  validation_method = "DNS"
  key_algorithm     = "RSA_2048"

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = var.host == var.zone_name || endswith(var.host, ".${var.zone_name}")
      error_message = "host must be inside zone_name for DNS validation to work."
    }
  }
}

resource "aws_route53_record" "validation" {
  for_each = {
    for option in aws_acm_certificate.this.domain_validation_options : option.domain_name => option
  }

  zone_id         = aws_route53_zone.this.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  ttl             = 300
  records         = [each.value.resource_record_value]
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for record in aws_route53_record.validation : record.fqdn]

  # Validation waits for the zone to be delegated to from its parent.
  timeouts {
    create = "2h"
  }
}

resource "aws_route53_record" "delegation" {
  for_each = var.delegations

  zone_id = aws_route53_zone.this.zone_id
  name    = each.key
  type    = "NS"
  ttl     = 172800
  records = each.value
}
