# Owns the public bucket (profile pictures, gig covers): anyone may GetObject, and only that,
# through the bucket policy; ACLs stay disabled. Objects are encrypted with SSE-S3, because
# anonymous readers cannot be granted kms:Decrypt on a customer key.

resource "aws_s3_bucket" "public" {
  #checkov:skip=CKV2_AWS_6:Its public access block keeps ACLs blocked but must allow the public-read bucket policy.
  #checkov:skip=CKV_AWS_145:Anonymous GetObject cannot decrypt SSE-KMS objects; SSE-S3 still encrypts them at rest.
  #checkov:skip=CKV_AWS_144:The stage runs in one region; versioning is the recovery plan for public images, which users can upload again.
  #checkov:skip=CKV2_AWS_62:The services learn of uploads through their own API calls, not bucket events.
  bucket = local.public_bucket
}

resource "aws_s3_bucket_versioning" "public" {
  bucket = aws_s3_bucket.public.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "public" {
  bucket = aws_s3_bucket.public.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# ACLs stay blocked; only the bucket policy below may make objects public.
resource "aws_s3_bucket_public_access_block" "public" {
  #checkov:skip=CKV_AWS_54:The bucket policy granting public GetObject is the bucket's purpose.
  #checkov:skip=CKV_AWS_56:Public read through the bucket policy must not be restricted away.
  bucket = aws_s3_bucket.public.id

  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = false
  restrict_public_buckets = false
}

resource "aws_s3_bucket_ownership_controls" "public" {
  bucket = aws_s3_bucket.public.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_policy" "public" {
  #checkov:skip=CKV_AWS_70:Anonymous s3:GetObject on the objects is the bucket's purpose (profile pictures, gig covers); no other action is granted.
  bucket = aws_s3_bucket.public.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AnyoneReadsObjects"
        Effect    = "Allow"
        Principal = "*"
        Action    = "s3:GetObject"
        Resource  = "${aws_s3_bucket.public.arn}/*"
      },
      {
        Sid       = "DenyWithoutTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.public.arn, "${aws_s3_bucket.public.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.public]
}

resource "aws_s3_bucket_cors_configuration" "public" {
  bucket = aws_s3_bucket.public.id

  cors_rule {
    allowed_origins = var.web_origins
    allowed_methods = local.cors_rule.allowed_methods
    allowed_headers = local.cors_rule.allowed_headers
    expose_headers  = local.cors_rule.expose_headers
    max_age_seconds = local.cors_rule.max_age_seconds
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "public" {
  bucket = aws_s3_bucket.public.id

  rule {
    id     = "abort-incomplete-and-expire-old-versions"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  depends_on = [aws_s3_bucket_versioning.public]
}

resource "aws_s3_bucket_logging" "public" {
  bucket        = aws_s3_bucket.public.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "public/"
}
