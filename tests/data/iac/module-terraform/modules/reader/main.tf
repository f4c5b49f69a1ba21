terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "trusted_account" { type = string }

resource "aws_iam_role" "this" {
  name = "CrossAccountS3Reader"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.trusted_account}:root" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = "my-secret-123" } }
    }]
  })
}

resource "aws_iam_policy" "extra" {
  name   = "ReaderExtra"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Action = "s3:DeleteObject", Resource = "*" }] })
}

resource "aws_iam_role_policy_attachment" "s3" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}

resource "aws_iam_role_policy_attachment" "extra" {
  role       = aws_iam_role.this.name
  policy_arn = aws_iam_policy.extra.arn
}
