terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

# The organization's management account; the organization itself (its root, OUs and
# accounts) is described elsewhere and merged (World.merge).
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "offline-plan"
  secret_key                  = "offline-plan"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

# Workloads may not delete buckets, nor work outside us-east-1 and eu-west-1.
resource "aws_organizations_policy" "guardrails" {
  name = "Guardrails"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "NoBucketDeletion"
        Effect   = "Deny"
        Action   = "s3:DeleteBucket"
        Resource = "*"
      },
      {
        Sid       = "RegionLock"
        Effect    = "Deny"
        NotAction = ["iam:*", "sts:*", "organizations:*"]
        Resource  = "*"
        Condition = {
          StringNotEquals = { "aws:RequestedRegion" = ["us-east-1", "eu-west-1"] }
        }
      },
    ]
  })
}

resource "aws_organizations_policy_attachment" "guardrails_workloads" {
  policy_id = aws_organizations_policy.guardrails.id
  target_id = "ou-ab12-workload"
}

# No principal outside the organization may read the organization's objects.
resource "aws_organizations_policy" "perimeter" {
  name = "DataPerimeter"
  type = "RESOURCE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "OnlyOurOrg"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "*"
      Condition = {
        StringNotEqualsIfExists = { "aws:PrincipalOrgID" = "o-a1b2c3d4e5" }
        BoolIfExists            = { "aws:PrincipalIsAWSService" = "false" }
      }
    }]
  })
}

resource "aws_organizations_policy_attachment" "perimeter_root" {
  policy_id = aws_organizations_policy.perimeter.id
  target_id = "r-ab12"
}

# Tag policies govern tags, not authorization: iamsim reads nothing from them.
resource "aws_organizations_policy" "tags" {
  name = "CostCenterTags"
  type = "TAG_POLICY"
  content = jsonencode({
    tags = { costcenter = { tag_key = { "@@assign" = "CostCenter" } } }
  })
}

resource "aws_organizations_policy_attachment" "tags_account" {
  policy_id = aws_organizations_policy.tags.id
  target_id = "222222222222"
}
