# Owns the security groups of the cluster, its nodes and each data store. Every data store
# admits the nodes' group on its own port and nothing else; no rule here admits 0.0.0.0/0.
# The ALB's internet-facing group is made by the AWS Load Balancer Controller, which also
# adds the rule letting that ALB reach the pods through the nodes' group.

locals {
  data_store_ports = {
    postgres = [{ from = 5432, to = 5432, what = "PostgreSQL" }]
    mysql    = [{ from = 3306, to = 3306, what = "MySQL" }]
    redis    = [{ from = 6379, to = 6379, what = "Redis over TLS" }]
    rabbitmq = [
      { from = 5671, to = 5671, what = "AMQP over TLS" },
      { from = 443, to = 443, what = "RabbitMQ management API over HTTPS" },
    ]
    # Atlas PrivateLink maps each cluster node to its own port on the one endpoint.
    atlas = [{ from = 1024, to = 65535, what = "MongoDB Atlas through PrivateLink" }]
  }

  data_store_rules = merge([
    for store, ranges in local.data_store_ports : {
      for range in ranges : "${store}-${range.from}" => merge(range, { store = store })
    }
  ]...)
}

resource "aws_security_group" "cluster" {
  #checkov:skip=CKV2_AWS_5:Attached to the control plane by the eks module (vpc_config); checkov does not follow the id through module outputs.
  name        = "${var.name_prefix}-eks-cluster"
  description = "EKS control plane ENIs: the API from the nodes and the bastion"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name_prefix}-eks-cluster"
  }
}

resource "aws_security_group" "nodes" {
  #checkov:skip=CKV2_AWS_5:Attached to every node by the eks module's launch template; checkov does not follow the id through module outputs.
  name        = "${var.name_prefix}-eks-nodes"
  description = "EKS nodes and their pods (VPC CNI gives pods the node's groups)"
  vpc_id      = var.vpc_id

  # The load balancer controller looks for exactly one group with this tag on a target ENI
  # and adds the ALB's ingress rule to it.
  tags = {
    Name                                        = "${var.name_prefix}-eks-nodes"
    "kubernetes.io/cluster/${var.cluster_name}" = "owned"
  }
}

resource "aws_security_group" "data_store" {
  #checkov:skip=CKV2_AWS_5:Each is attached by its store's module (rds, redis, rabbitmq, mongodb_atlas); checkov does not follow the id through module outputs.
  for_each = local.data_store_ports

  name        = "${var.name_prefix}-${each.key}"
  description = "${each.key}: admits the EKS nodes only"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name_prefix}-${each.key}"
  }
}

resource "aws_vpc_security_group_ingress_rule" "data_store_from_nodes" {
  for_each = local.data_store_rules

  security_group_id            = aws_security_group.data_store[each.value.store].id
  description                  = "${each.value.what} from the EKS nodes"
  ip_protocol                  = "tcp"
  from_port                    = each.value.from
  to_port                      = each.value.to
  referenced_security_group_id = aws_security_group.nodes.id
}
