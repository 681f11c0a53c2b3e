# Owns the PrivateLink connection: Atlas's endpoint service for the region, this VPC's
# interface endpoint to it in the private subnets, and Atlas's acceptance of that endpoint.
# The project gets no IP access list entries, so the cluster is reachable through here only.

resource "mongodbatlas_privatelink_endpoint" "this" {
  project_id    = mongodbatlas_project.this.id
  provider_name = "AWS"
  region        = data.aws_region.current.region
}

resource "aws_vpc_endpoint" "atlas" {
  vpc_id             = var.vpc_id
  service_name       = mongodbatlas_privatelink_endpoint.this.endpoint_service_name
  vpc_endpoint_type  = "Interface"
  subnet_ids         = var.subnet_ids
  security_group_ids = [var.security_group_id]

  # Atlas's endpoint services publish no private DNS name; the driver uses Atlas's own
  # private-endpoint host names, which resolve to this endpoint's addresses.
  private_dns_enabled = false

  tags = {
    Name = "${var.name}-atlas"
  }
}

resource "mongodbatlas_privatelink_endpoint_service" "this" {
  project_id          = mongodbatlas_privatelink_endpoint.this.project_id
  private_link_id     = mongodbatlas_privatelink_endpoint.this.private_link_id
  endpoint_service_id = aws_vpc_endpoint.atlas.id
  provider_name       = "AWS"
}
