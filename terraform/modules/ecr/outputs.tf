# Outputs of the ecr module.

output "repository_urls" {
  description = "Repository URL by component (the overlay's images[].newName)."
  value       = { for component, repository in aws_ecr_repository.this : component => repository.repository_url }
}

output "repository_arns" {
  description = "Repository ARN by component (Jenkins' push policy)."
  value       = { for component, repository in aws_ecr_repository.this : component => repository.arn }
}
