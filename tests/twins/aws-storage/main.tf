# The Terraform twin of __main__.py: the same resources, the same names, the same settings.
# Every bucket is versioned and blocks public access except where its name says otherwise.

resource "aws_s3_bucket" "bucket_kept" {
  bucket = "twin-kept"
}

resource "aws_s3_bucket_versioning" "versioning_kept" {
  bucket = aws_s3_bucket.bucket_kept.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "block_kept" {
  bucket                  = aws_s3_bucket.bucket_kept.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket" "bucket_unversioned" {
  bucket = "twin-unversioned"
}

resource "aws_s3_bucket_public_access_block" "block_unversioned" {
  bucket                  = aws_s3_bucket.bucket_unversioned.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket" "bucket_unblocked" {
  bucket = "twin-unblocked"
}

resource "aws_s3_bucket_versioning" "versioning_unblocked" {
  bucket = aws_s3_bucket.bucket_unblocked.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_acl" "acl_public_read" {
  bucket = aws_s3_bucket.bucket_kept.id
  acl    = "public-read"
}

resource "aws_s3_bucket_acl" "acl_public_write" {
  bucket = aws_s3_bucket.bucket_kept.id
  acl    = "public-read-write"
}

resource "aws_s3_bucket_policy" "policy_public" {
  bucket = aws_s3_bucket.bucket_kept.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::twin-kept/*"
    }]
  })
}

resource "aws_s3_bucket_public_access_block" "block_open_outside" {
  bucket                  = "legacy-assets"
  block_public_acls       = false
  block_public_policy     = false
  ignore_public_acls      = false
  restrict_public_buckets = false
}
