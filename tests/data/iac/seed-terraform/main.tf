terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}


provider "aws" {
  alias                       = "source"
  region                      = "us-east-1"
  access_key                  = "offline-plan"
  secret_key                  = "offline-plan"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

provider "aws" {
  alias                       = "target"
  region                      = "us-east-1"
  access_key                  = "offline-plan"
  secret_key                  = "offline-plan"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

# Source account: alice may assume the role.
data "aws_iam_policy_document" "assume_prod_reader" {
  provider = aws.source
  statement {
    effect    = "Allow"
    actions   = ["sts:AssumeRole"]
    resources = ["arn:aws:iam::222222222222:role/CrossAccountS3Reader"]
  }
}

resource "aws_iam_policy" "assume_prod_reader" {
  provider = aws.source
  name     = "AssumeProdReader"
  policy   = data.aws_iam_policy_document.assume_prod_reader.json
}

resource "aws_iam_user" "alice" {
  provider = aws.source
  name     = "alice"
  tags     = { team = "platform" }
}

resource "aws_iam_user_policy_attachment" "alice_assume" {
  provider   = aws.source
  user       = aws_iam_user.alice.name
  policy_arn = aws_iam_policy.assume_prod_reader.arn
}

# Target account: the role trusting the source account with an external ID.
data "aws_iam_policy_document" "trust" {
  provider = aws.target
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = ["my-secret-123"]
    }
  }
}

resource "aws_iam_role" "reader" {
  provider           = aws.target
  name               = "CrossAccountS3Reader"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

resource "aws_iam_role_policy_attachment" "reader_s3" {
  provider   = aws.target
  role       = aws_iam_role.reader.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}

resource "aws_s3_bucket" "prod" {
  provider = aws.target
  bucket   = "prod-bucket"
}
