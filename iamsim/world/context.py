"""The request-context keys AWS sets on its own, filled from the world and the call.

IAM User Guide, "AWS global condition context keys": which keys are present for
which principal. A key AWS does not set stays absent, never an empty string.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Iterable, Mapping

from iamsim.errors import ValidationError
from iamsim.request import Caller, Context, format_time
from iamsim.session import RoleSession
from iamsim.world.org import AccountPlacement

__all__ = [
    "GLOBAL_REGION",
    "REGION",
    "check_region",
    "principal_keys",
    "request_context",
    "request_keys",
    "resource_keys",
    "scope_region",
    "tag_keys",
]

# A region code: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-4`.
REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+")

# Global condition keys, aws:RequestedRegion: a global service (IAM, Organizations,
# CloudFront, Route 53, Support) has one endpoint, and its requests carry us-east-1.
GLOBAL_REGION = "us-east-1"

Keys = dict[str, object]


def tag_keys(prefix: str, tags: Mapping[str, str] | Iterable[tuple[str, str]]) -> Keys:
    """`prefix/Key` → value for each tag (keys compared without case later)."""
    items = tags.items() if isinstance(tags, Mapping) else tags
    return {f"{prefix}/{k}": v for k, v in items}


def principal_keys(
    caller: Caller,
    *,
    username: str | None = None,
    tags: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    placement: AccountPlacement | None = None,
    session: RoleSession | None = None,
) -> Keys:
    """Keys describing the caller: aws:PrincipalArn, aws:userid, aws:PrincipalTag/…, org keys."""
    keys: Keys = {}
    if caller.kind == "service":
        keys["aws:PrincipalIsAWSService"] = True
        keys["aws:PrincipalServiceName"] = caller.service
        return keys
    if caller.kind == "anonymous":
        keys["aws:PrincipalAccount"] = "anonymous"
        keys["aws:userid"] = "anonymous"
        keys["aws:PrincipalType"] = "Anonymous"
        return keys
    keys["aws:PrincipalArn"] = caller.principal_arn
    keys["aws:PrincipalAccount"] = caller.account
    keys["aws:PrincipalIsAWSService"] = False
    keys["aws:PrincipalType"] = {
        "user": "User",
        "role_session": "AssumedRole",
        "root": "Account",
        "federated_user": "FederatedUser",
    }[caller.kind]
    if caller.unique_id:
        keys["aws:userid"] = caller.unique_id
    if username is not None:
        keys["aws:username"] = username
    keys.update(tag_keys("aws:PrincipalTag", tags))
    if placement is not None:
        keys["aws:PrincipalOrgID"] = placement.org_id
        keys["aws:PrincipalOrgPaths"] = [placement.org_path]
    if session is not None:
        # Temporary credentials always carry these (IAM User Guide, global condition keys).
        keys["aws:TokenIssueTime"] = format_time(session.issued)
        keys["aws:MultiFactorAuthPresent"] = session.mfa_authenticated
        if session.source_identity:
            keys["aws:SourceIdentity"] = session.source_identity
        if session.federated_provider:
            # Set only in a session from AssumeRoleWithWebIdentity (RoleSession).
            keys["aws:FederatedProvider"] = session.federated_provider
    return keys


def resource_keys(
    account: str | None,
    placement: AccountPlacement | None,
    tags: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    *,
    iam_resource: bool = False,
) -> Keys:
    """Keys describing the resource's owner and tags."""
    keys: Keys = {}
    if account:
        keys["aws:ResourceAccount"] = account
    if placement is not None:
        keys["aws:ResourceOrgID"] = placement.org_id
        keys["aws:ResourceOrgPaths"] = [placement.org_path]
    tags = tuple(tags.items() if isinstance(tags, Mapping) else tags)
    keys.update(tag_keys("aws:ResourceTag", tags))
    if iam_resource:
        keys.update(tag_keys("iam:ResourceTag", tags))
    return keys


def scope_region(resource: str, service: str, global_services: frozenset[str]) -> str:
    """The aws:RequestedRegion a request's resource and service fix, or "" when the call's
    own region decides (IAM User Guide, global condition keys, aws:RequestedRegion).

    A regional resource's ARN names the region whose endpoint serves it. A global service is
    served from us-east-1. S3 ARNs carry no region and STS is called at the caller's
    regional endpoint (IAM User Guide, "Manage AWS STS in an AWS Region": the SDKs use
    regional endpoints), so for them, and for `*`, the region is the caller's: "" here.
    """
    parts = resource.split(":", 4)
    region = parts[3] if len(parts) == 5 else ""
    if not region and service.lower() in global_services:
        return GLOBAL_REGION
    return region


def check_region(region: object, where: str) -> str | None:
    """`region` if it is None or a region code; a ValidationError naming `where` if not."""
    if region is None or (type(region) is str and REGION.fullmatch(region)):
        return region
    shown = repr(region)[:80] if isinstance(region, str) else type(region).__name__
    raise ValidationError(
        f"{where}: {shown} is not an AWS region code (such as us-east-1 or eu-west-1)"
    )


@functools.lru_cache(maxsize=256)
def request_context(now: _dt.datetime, region: str) -> Context:
    """`request_keys` as a Context, memoized: most calls share a clock and a region."""
    return Context.of(request_keys(now, f"arn:aws:x:{region}::x"))


def request_keys(now: _dt.datetime, resource: str) -> Keys:
    """Keys present on every signed request: time, transport, region."""
    keys: Keys = {
        "aws:CurrentTime": format_time(now),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:SecureTransport": True,
        "aws:ViaAWSService": False,
    }
    parts = resource.split(":", 5)
    if len(parts) == 6 and parts[3]:
        keys["aws:RequestedRegion"] = parts[3]
    return keys
