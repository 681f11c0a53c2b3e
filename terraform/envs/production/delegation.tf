# The production root's own input: the zone it delegates to staging.

variable "staging_name_servers" {
  description = "Name servers of staging's zone (its route53_zone_name_servers output), delegated from this zone."
  type        = list(string)
  default     = []
}
