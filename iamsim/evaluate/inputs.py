"""What the engine needs besides the request: every policy that applies to it, by layer.

The world gathers these (it knows who belongs to which account and organization);
the engine only evaluates and combines them. They depend on the caller, the action
and the resource but not on the request's context, so the world reuses them.
"""

from __future__ import annotations

import functools
from typing import Literal

import attrs

from iamsim.compile import CompiledPolicy
from iamsim.model import Policy
from iamsim.reason import Reason

__all__ = ["Attached", "Inputs", "OrgLevel"]


@attrs.frozen
class Attached:
    """A policy as attached somewhere, with the name reports use for it.

    Compiled on first use, not when attached: a world of twenty thousand policies loads
    without compiling any, and a decision compiles only the policies it reads (once,
    through `compile_policy`'s memo). Parsing has already checked the policy's shape, so
    compiling later cannot fail and cannot let a malformed policy in.
    """

    policy: Policy
    name: str | None = None
    account: str | None = None
    # KMS key policies: a statement without Resource "has no effect" (AWS KMS, key policies).
    require_resource: bool = False

    @functools.cached_property
    def compiled(self) -> CompiledPolicy:
        """The policy's evaluation form (attrs keeps it in a slot: later reads cost nothing)."""
        return self.policy.compile()


@attrs.frozen
class OrgLevel:
    """One level of an organization path (root, an OU, the account) and its SCPs or RCPs."""

    attached_to: str  # "root", "ou:Workloads", "account:111111111111"
    policies: tuple[Attached, ...]


@attrs.frozen
class Inputs:
    """Every policy layer for a caller, action and resource, and the facts the combining
    rules depend on.

    `identity` is None for callers that have no identity side (service principals,
    anonymous); `root_caller` marks the account root user (implicitly allowed in
    its own account). `scp`/`rcp` are None when they do not apply, with the reason
    in `scp_note`/`rcp_note`. `resource_required` is True for role trust policies
    and KMS key policies, which must allow even within one account;
    `identity_required` makes the caller's side allow too, even when the resource
    policy names the caller within one account (`sts:SetSourceIdentity` in a role chain).
    """

    caller_account: str | None
    resource_account: str | None
    identity: tuple[Attached, ...] | None
    resource_type: Literal["resource", "trust"] = "resource"
    resource_policy: Attached | None = None
    resource_required: bool = False
    identity_required: bool = False
    resource_label: str = "resource"  # "bucket", "key", "role", … for sentences
    resource_arn: str | None = None  # the entity that owns the policy (the bucket of an object)
    resource_missing: Reason | None = None  # why there is no resource policy, when it is unknown
    root_caller: bool = False
    boundary: Attached | None = None
    session: tuple[Attached, ...] | None = None
    scp: tuple[OrgLevel, ...] | None = None
    scp_note: Reason | None = None
    rcp: tuple[OrgLevel, ...] | None = None
    rcp_note: Reason | None = None
    service_denial: Reason | None = None  # a service rule that denies whatever the policies say
    service_side: Literal["source", "target"] = "target"  # whose side that rule concerns
    service_allow: Reason | None = None  # a service rule that allows whatever the policies say
    identity_note: Reason | None = None  # e.g. the caller's account is not in the world
    # A role chain's source identity, which sts:SetSourceIdentity may not change.
    fixed_source_identity: str | None = None
    notes: tuple[Reason, ...] = ()
    # RestrictPublicBuckets cuts the public bucket policy's grants for this caller: why.
    public_restricted: Reason | None = None
    # Why the target side takes no part (a resource AWS owns, a KMS alias): the caller's
    # policies alone decide, as for a resource of its own account.
    target_note: Reason | None = None

    # Whether the same-account grant rules apply: one account, or a target that takes no
    # part (`target_note`). Derived once: the combining rules read it on every request.
    same_account: bool = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        same = self.target_note is not None or (
            self.caller_account is not None and self.caller_account == self.resource_account
        )
        object.__setattr__(self, "same_account", same)
