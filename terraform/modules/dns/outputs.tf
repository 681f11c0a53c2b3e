# Outputs of the dns module.

output "zone_id" {
  description = "Hosted zone id (external-dns's --zone-id-filter and its IAM policy)."
  value       = aws_route53_zone.this.zone_id
}

output "zone_arn" {
  description = "Hosted zone ARN."
  value       = aws_route53_zone.this.arn
}

output "name_servers" {
  description = "Name servers to delegate the zone to, at the registrar or the parent zone."
  value       = aws_route53_zone.this.name_servers
}

output "certificate_arn" {
  description = "The validated certificate of the host (the ALB finds it by host name)."
  value       = aws_acm_certificate_validation.this.certificate_arn
}
