# Owns the rules between the control plane, the nodes and the bastion.

resource "aws_vpc_security_group_ingress_rule" "cluster_api_from_nodes" {
  security_group_id            = aws_security_group.cluster.id
  description                  = "Kubernetes API from the nodes"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.nodes.id
}

resource "aws_vpc_security_group_ingress_rule" "cluster_api_from_bastion" {
  security_group_id            = aws_security_group.cluster.id
  description                  = "Kubernetes API from the bastion (private endpoint)"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = var.bastion_security_group_id
}

# The API server calls kubelets and admission webhooks, which listen on ports above 1024
# chosen by each chart (the load balancer controller's on 9443, for one).
resource "aws_vpc_security_group_egress_rule" "cluster_to_nodes" {
  security_group_id            = aws_security_group.cluster.id
  description                  = "Kubelets and webhooks on the nodes"
  ip_protocol                  = "tcp"
  from_port                    = 1025
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.nodes.id
}

resource "aws_vpc_security_group_egress_rule" "cluster_to_nodes_https" {
  security_group_id            = aws_security_group.cluster.id
  description                  = "Webhooks serving on 443 on the nodes"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.nodes.id
}

resource "aws_vpc_security_group_ingress_rule" "nodes_from_cluster" {
  #checkov:skip=CKV_AWS_25:The source is the control plane's security group (referenced_security_group_id), not 0.0.0.0/0; the check does not read that attribute.
  security_group_id            = aws_security_group.nodes.id
  description                  = "Kubelets and webhooks from the control plane"
  ip_protocol                  = "tcp"
  from_port                    = 1025
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.cluster.id
}

resource "aws_vpc_security_group_ingress_rule" "nodes_from_cluster_https" {
  security_group_id            = aws_security_group.nodes.id
  description                  = "Webhooks on 443 from the control plane"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.cluster.id
}

resource "aws_vpc_security_group_ingress_rule" "nodes_from_nodes" {
  security_group_id            = aws_security_group.nodes.id
  description                  = "Pod to pod and node to node, including CoreDNS"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.nodes.id
}

# Nodes pull images from public registries, call Atlas and Stripe and SES: egress stays open.
resource "aws_vpc_security_group_egress_rule" "nodes_anywhere" {
  #checkov:skip=CKV_AWS_382:Pods reach registries, Stripe, SES and the AWS APIs on many ports; egress goes through the NAT gateways and is recorded by the flow logs.
  security_group_id = aws_security_group.nodes.id
  description       = "Everything out, through the NAT gateways and VPC endpoints"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
