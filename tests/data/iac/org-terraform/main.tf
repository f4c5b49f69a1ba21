terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

# Run in the management account (999999999999) of an existing organization: the
# organization, its OUs and its accounts are in the state (terraform.tfstate beside this
# file, as `terraform import` leaves them); the plan adds an SCP and an RCP.
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "offline-plan"
  secret_key                  = "offline-plan"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

resource "aws_organizations_organization" "org" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]
}

resource "aws_organizations_organizational_unit" "workloads" {
  name      = "Workloads"
  parent_id = aws_organizations_organization.org.roots[0].id
}

resource "aws_organizations_organizational_unit" "prod" {
  name      = "Prod"
  parent_id = aws_organizations_organizational_unit.workloads.id
}

resource "aws_organizations_account" "dev" {
  name      = "dev"
  email     = "dev@example.com"
  parent_id = aws_organizations_organizational_unit.workloads.id
}

resource "aws_organizations_account" "prod" {
  name      = "prod"
  email     = "prod@example.com"
  parent_id = aws_organizations_organizational_unit.prod.id
}

# Workloads may not delete buckets.
resource "aws_organizations_policy" "guardrails" {
  name = "Guardrails"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "NoBucketDeletion"
      Effect   = "Deny"
      Action   = "s3:DeleteBucket"
      Resource = "*"
    }]
  })
}

resource "aws_organizations_policy_attachment" "guardrails_workloads" {
  policy_id = aws_organizations_policy.guardrails.id
  target_id = aws_organizations_organizational_unit.workloads.id
}

# Objects of the production account are read from inside the organization only.
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
        StringNotEqualsIfExists = { "aws:PrincipalOrgID" = aws_organizations_organization.org.id }
        BoolIfExists            = { "aws:PrincipalIsAWSService" = "false" }
      }
    }]
  })
}

resource "aws_organizations_policy_attachment" "perimeter_prod" {
  policy_id = aws_organizations_policy.perimeter.id
  target_id = aws_organizations_account.prod.id
}
