# Outputs of the network module.

output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "The VPC's range (the operator's INGRESS_SOURCE_CIDRS)."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets, in the order of availability_zones."
  value       = [for zone in var.availability_zones : aws_subnet.public[zone].id]
}

output "private_subnet_ids" {
  description = "Private subnets, in the order of availability_zones."
  value       = [for zone in var.availability_zones : aws_subnet.private[zone].id]
}

output "nat_public_ips" {
  description = "Addresses the private subnets reach the internet from (for allow lists elsewhere)."
  value       = [for eip in aws_eip.nat : eip.public_ip]
}

output "bastion_instance_id" {
  description = "Bastion instance, for aws ssm start-session --target."
  value       = aws_instance.bastion.id
}

output "bastion_security_group_id" {
  description = "Security group of the bastion, admitted to the cluster's private endpoint."
  value       = aws_security_group.bastion.id
}
