# Outputs of the storage module.

output "uploads_bucket_name" {
  description = "Private bucket (STORAGE_BUCKET)."
  value       = aws_s3_bucket.uploads.id
}

output "uploads_bucket_arn" {
  description = "ARN of the private bucket, for the Pod Identity roles' policies."
  value       = aws_s3_bucket.uploads.arn
}

output "public_bucket_name" {
  description = "Public-read bucket (STORAGE_PUBLIC_BUCKET)."
  value       = aws_s3_bucket.public.id
}

output "public_bucket_arn" {
  description = "ARN of the public bucket, for the Pod Identity roles' policies."
  value       = aws_s3_bucket.public.arn
}

output "public_bucket_url" {
  description = "Where the public bucket is read from (STORAGE_PUBLIC_URL, unless a CDN fronts it)."
  value       = "https://${aws_s3_bucket.public.bucket_regional_domain_name}"
}
