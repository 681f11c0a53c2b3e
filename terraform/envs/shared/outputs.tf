# Outputs of the shared root.

output "ecr_repository_urls" {
  description = "ECR repository URL by component (the overlay's images[].newName)."
  value       = module.ecr.repository_urls
}

output "ecr_repository_arns" {
  description = "ECR repository ARN by component (Jenkins' push policy)."
  value       = module.ecr.repository_arns
}
