# Outputs of the security module.

output "cluster_security_group_id" {
  description = "Extra group of the EKS control plane ENIs."
  value       = aws_security_group.cluster.id
}

output "node_security_group_id" {
  description = "Group of the EKS nodes (and so of their pods)."
  value       = aws_security_group.nodes.id
}

output "data_store_security_group_ids" {
  description = "Group of each data store: postgres, mysql, redis, rabbitmq, atlas."
  value       = { for store, group in aws_security_group.data_store : store => group.id }
}
