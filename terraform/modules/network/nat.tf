# Owns the NAT gateways and their Elastic IPs. One per zone keeps a zone's outage from cutting
# the other zone's nodes off ECR, Atlas and the AWS APIs; a stage that accepts that risk to
# save a gateway's hours and traffic charges sets nat_gateway_per_az = false and shares one.

locals {
  nat_zones = var.nat_gateway_per_az ? var.availability_zones : [var.availability_zones[0]]
}

resource "aws_eip" "nat" {
  #checkov:skip=CKV2_AWS_19:Each address is attached to the NAT gateway of its zone below; checkov does not connect the for_each instances.
  for_each = toset(local.nat_zones)

  domain = "vpc"

  tags = {
    Name = "${var.name_prefix}-nat-${each.key}"
  }

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  for_each = toset(local.nat_zones)

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id

  tags = {
    Name = "${var.name_prefix}-${each.key}"
  }

  depends_on = [aws_internet_gateway.this]
}
