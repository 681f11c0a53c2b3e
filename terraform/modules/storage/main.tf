# Shared settings of the storage module's buckets (uploads.tf, public.tf, access_logs.tf).

data "aws_caller_identity" "current" {}

locals {
  uploads_bucket     = "${var.name_prefix}-uploads"
  public_bucket      = "${var.name_prefix}-public"
  access_logs_bucket = "${var.name_prefix}-access-logs"

  # What the web app needs for presigned uploads and reads (as scripts/storage-cors.py sets
  # on the local object storage): the headers it signs, and the ETag back.
  cors_rule = {
    allowed_methods = ["PUT", "GET", "HEAD"]
    allowed_headers = ["content-type", "content-length"]
    expose_headers  = ["etag"]
    max_age_seconds = 3600
  }
}
