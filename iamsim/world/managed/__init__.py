"""Every AWS managed policy, as AWS publishes it (`iamsim/data/aws-managed-policies.json.gz`).

The snapshot is read on first use only (decompress and `json.load`: 0.07-0.1 s) and kept;
each policy's document is parsed only when a world refers to it. A reference resolves as
IAM resolves a managed policy ARN: exactly. `arn:aws:iam::aws:policy/service-role/X` is
`X` only if the snapshot records `X` under `/service-role/`; the bare
`arn:aws:iam::aws:policy/X` resolves only when `X` has no path. Where the snapshot does not
record the path (`arn` is null), any path is accepted, since nothing says it is wrong.
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

import attrs

from iamsim.errors import did_you_mean
from iamsim.model import Policy

__all__ = [
    "AWS_MANAGED_PREFIX",
    "ManagedPolicies",
    "ManagedPolicy",
    "aws_managed_arn",
    "aws_managed_names",
    "aws_managed_policy",
    "org_default_policy",
    "read_managed_policies",
    "shipped_managed_policies",
    "unknown_managed_hint",
]

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
SNAPSHOT = "aws-managed-policies.json.gz"


@attrs.frozen
class ManagedPolicy:
    """One AWS managed policy of the snapshot: its name, ARN (None: path not recorded),
    default version, when that version was made, whether AWS deprecated it, its document."""

    name: str
    arn: str | None
    version: str | None
    updated: str | None
    deprecated: bool
    document: Mapping[str, Any] = attrs.field(eq=False, repr=False)

    def matches(self, arn: str) -> bool:
        """Whether `arn` names this policy as IAM resolves managed policy ARNs: exactly."""
        if self.arn is None:
            return arn.startswith(AWS_MANAGED_PREFIX) and arn.rsplit("/", 1)[-1] == self.name
        return arn == self.arn


@attrs.frozen
class ManagedPolicies:
    """A snapshot of AWS managed policies: its `about` (source and date) and the policies."""

    about: str
    policies: Mapping[str, ManagedPolicy] = attrs.field(eq=False, repr=False)

    def find(self, arn: str) -> ManagedPolicy | None:
        """The policy `arn` names (see the module's resolution rule), or None."""
        if not arn.startswith(AWS_MANAGED_PREFIX):
            return None
        found = self.policies.get(arn.rsplit("/", 1)[-1])
        return found if found is not None and found.matches(arn) else None


def read_managed_policies(data: bytes) -> ManagedPolicies:
    """A snapshot from the bytes of a `.json.gz` file (or plain JSON) of that structure."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    doc = json.loads(data)
    policies = {
        name: ManagedPolicy(
            name=name,
            arn=body.get("arn"),
            version=body.get("version"),
            updated=body.get("updated"),
            deprecated=bool(body.get("deprecated", False)),
            document=body["document"],
        )
        for name, body in doc["policies"].items()
    }
    return ManagedPolicies(about=str(doc.get("about", "")), policies=policies)


@functools.cache
def shipped_managed_policies() -> ManagedPolicies:
    """The snapshot iamsim ships (read once, on first use; see iamsim/data/SOURCES.md)."""
    data = resources.files("iamsim.data").joinpath(SNAPSHOT).read_bytes()
    return read_managed_policies(data)


@functools.cache
def aws_managed_names() -> tuple[str, ...]:
    """Names of the shipped AWS managed policies, sorted."""
    return tuple(sorted(shipped_managed_policies().policies))


def aws_managed_arn(name: str) -> str | None:
    """The ARN under which the snapshot records the AWS managed policy `name` (None: unknown
    policy, or path not recorded, then `arn:aws:iam::aws:policy/<name>` resolves)."""
    found = shipped_managed_policies().policies.get(name)
    if found is None:
        return None
    return found.arn or f"{AWS_MANAGED_PREFIX}{name}"


@functools.cache
def aws_managed_policy(arn: str) -> Policy | None:
    """The parsed document of an AWS managed policy ARN, or None if the snapshot has no
    policy at that exact ARN. Raises `PolicyError` for a document iamsim cannot parse yet."""
    found = shipped_managed_policies().find(arn)
    if found is None:
        return None
    return Policy.from_json(dict(found.document))


def unknown_managed_hint(arn: str, account: str) -> str:
    """What to do about an AWS managed policy ARN the snapshot does not resolve."""
    name = arn.rsplit("/", 1)[-1]
    recorded = aws_managed_arn(name)
    if recorded is not None:
        return f"AWS publishes {name} as {recorded}; IAM resolves managed policy ARNs exactly"
    close = did_you_mean(name, aws_managed_names())
    snapshot = (
        f"iamsim ships the {len(aws_managed_names())} AWS managed policies of its snapshot "
        "(iamsim/data/SOURCES.md); for another one, add its document under "
        f"accounts.{account}.policies and refer to it by name"
    )
    return snapshot if close is None else f"{close} {snapshot}"


@functools.cache
def org_default_policy(name: str) -> Policy | None:
    """AWS Organizations' own policies: `FullAWSAccess` (SCP) and `RCPFullAWSAccess` (RCP)."""
    if name not in ("FullAWSAccess", "RCPFullAWSAccess"):
        return None
    folder = resources.files(__name__).joinpath("organizations")
    return Policy.from_json(folder.joinpath(f"{name}.json").read_text("utf-8"))
