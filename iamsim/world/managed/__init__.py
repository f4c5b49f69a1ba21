"""The AWS managed policies iamsim ships, as AWS publishes them (see SOURCES.md)."""

from __future__ import annotations

import functools
from importlib import resources

from iamsim.model import Policy

__all__ = ["AWS_MANAGED_PREFIX", "aws_managed_names", "aws_managed_policy", "org_default_policy"]

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


@functools.cache
def aws_managed_names() -> tuple[str, ...]:
    """Names of the shipped AWS managed policies."""
    folder = resources.files(__name__)
    return tuple(
        sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))
    )


@functools.cache
def aws_managed_policy(arn: str) -> Policy | None:
    """The document of an AWS managed policy ARN (any path), or None if not shipped."""
    if not arn.startswith(AWS_MANAGED_PREFIX):
        return None
    name = arn.rsplit("/", 1)[-1]
    if name not in aws_managed_names():
        return None
    text = resources.files(__name__).joinpath(f"{name}.json").read_text("utf-8")
    return Policy.from_json(text)


@functools.cache
def org_default_policy(name: str) -> Policy | None:
    """AWS Organizations' own policies: `FullAWSAccess` (SCP) and `RCPFullAWSAccess` (RCP)."""
    if name not in ("FullAWSAccess", "RCPFullAWSAccess"):
        return None
    folder = resources.files(__name__).joinpath("organizations")
    return Policy.from_json(folder.joinpath(f"{name}.json").read_text("utf-8"))
