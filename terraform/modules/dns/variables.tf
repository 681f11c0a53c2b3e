# Inputs of the dns module.

variable "zone_name" {
  description = "Hosted zone, e.g. mercato.example.com (production) or staging.mercato.example.com."
  type        = string
}

variable "host" {
  description = "The public host the certificate is for; inside zone_name."
  type        = string
}

variable "delegations" {
  description = "Child zone name => its name servers, published as NS records here (production delegates staging)."
  type        = map(list(string))
  default     = {}
}
