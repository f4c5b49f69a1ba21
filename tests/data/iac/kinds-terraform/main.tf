terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

# One account; the plan is read with account="222222222222".
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "offline-plan"
  secret_key                  = "offline-plan"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

resource "aws_iam_group" "readers" {
  name = "readers"
}

resource "aws_iam_user" "bob" {
  name = "bob"
  path = "/staff/"
}

resource "aws_iam_user_group_membership" "bob" {
  user   = aws_iam_user.bob.name
  groups = [aws_iam_group.readers.name]
}

resource "aws_iam_group_policy" "read_jobs" {
  name  = "read-jobs"
  group = aws_iam_group.readers.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sns:Publish"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_user_policy" "no_delete" {
  name = "no-delete"
  user = aws_iam_user.bob.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Action = "s3:DeleteObject", Resource = "*" }]
  })
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "worker" {
  name               = "worker"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

resource "aws_iam_role_policy" "worker_logs" {
  name = "logs"
  role = aws_iam_role.worker.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "logs:*", Resource = "*" }]
  })
}

resource "aws_iam_policy" "read_reports" {
  name = "ReadReports"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports-222222222222/*" }]
  })
}

resource "aws_iam_policy_attachment" "read_reports" {
  name       = "read-reports"
  policy_arn = aws_iam_policy.read_reports.arn
  roles      = [aws_iam_role.worker.name]
  groups     = [aws_iam_group.readers.name]
}

resource "aws_s3_bucket" "reports" {
  bucket = "reports-222222222222"
}

data "aws_iam_policy_document" "reports" {
  statement {
    sid       = "PartnerReads"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::reports-222222222222/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::333333333333:root"]
    }
  }
}

resource "aws_s3_bucket_policy" "reports" {
  bucket = aws_s3_bucket.reports.id
  policy = data.aws_iam_policy_document.reports.json
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "aws_sqs_queue_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::333333333333:root" }
      Action    = "sqs:SendMessage"
      Resource  = "arn:aws:sqs:us-east-1:222222222222:jobs"
    }]
  })
}

resource "aws_sns_topic" "alerts" {
  name = "alerts"
}

resource "aws_sns_topic_policy" "alerts" {
  arn = aws_sns_topic.alerts.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::333333333333:root" }
      Action    = "sns:Publish"
      Resource  = "arn:aws:sns:us-east-1:222222222222:alerts"
    }]
  })
}

resource "aws_kms_key" "data" {
  description = "data key"
}

resource "aws_lambda_permission" "from_sns" {
  statement_id  = "AllowSNS"
  action        = "lambda:InvokeFunction"
  function_name = "worker-fn"
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.alerts.arn
}
