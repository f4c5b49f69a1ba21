"""Words for federated callers' classic failures (no evaluation here).

GitHub Actions: a job that names an `environment` gets a token whose `sub` is
`repo:ORG/REPO:environment:NAME` instead of `repo:ORG/REPO:ref:refs/heads/BRANCH`, so a
trust condition written for a branch no longer matches (GitHub Docs, "OpenID Connect
reference", example subject claims; IAM User Guide, "Configuring a role for GitHub OIDC
identity provider").
"""

from __future__ import annotations

from iamsim.decision import NearMiss

__all__ = ["GITHUB_ISSUER", "sub_hint"]

GITHUB_ISSUER = "token.actions.githubusercontent.com"


def sub_hint(miss: NearMiss) -> str:
    """` (why the token's sub differs)` for a GitHub Actions sub mismatch, else ""."""
    if miss.key.lower() != f"{GITHUB_ISSUER}:sub" or not miss.request_values:
        return ""
    had = miss.request_values[0]
    marker = ":environment:"
    if marker in had and any(":ref:" in str(v) for v in miss.policy_values):
        name = had.split(marker, 1)[1]
        return (
            f" (the job runs in the environment {name}: its token's sub is {had}, "
            "which a branch pattern does not match)"
        )
    return f" (the token's sub is {had})"
