"""SCP, RCP, data-perimeter and service-rule denials: reported with who owns them, never
loosened."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from iamsim.decision import Denial
from iamsim.fixes.base import _PlannerBase
from iamsim.fixes.model import Fix
from iamsim.reason import Reason
from iamsim.render.reasons import clause

__all__ = ["PERIMETER_KEYS", "perimeter_fix", "perimeter_keys"]

# The condition keys that draw a data perimeter (IAM User Guide, "Establish permissions
# guardrails using data perimeters": trusted identities, trusted resources, expected
# networks; and the global condition keys page for the service-principal side). A Deny in a
# resource-based policy or an RCP that keys on one of them, or that names its principals
# with NotPrincipal, keeps outsiders out on purpose: a fix reports it, never narrows it.
PERIMETER_KEYS = frozenset(
    key.lower()
    for key in (
        # trusted identities
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        # trusted resources
        "aws:ResourceOrgID",
        "aws:ResourceOrgPaths",
        "aws:ResourceAccount",
        # AWS services acting for a trusted identity (the confused-deputy perimeter)
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceAccount",
        # expected networks
        "aws:SourceIp",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:VpcSourceIp",
    )
)


def perimeter_keys(statement: Mapping[str, Any]) -> tuple[str, ...]:
    """The perimeter keys a statement's Condition consults, in its own spelling, plus
    `NotPrincipal` when it names its principals that way."""
    found: list[str] = []
    condition = statement.get("Condition")
    if isinstance(condition, Mapping):
        for block in condition.values():
            if isinstance(block, Mapping):
                found += [k for k in block if isinstance(k, str) and k.lower() in PERIMETER_KEYS]
    if "NotPrincipal" in statement:
        found.append("NotPrincipal")
    return tuple(dict.fromkeys(found))


def perimeter_fix(denial: Denial, what: str, owner: str, keys: tuple[str, ...]) -> Fix:
    """A Deny that draws a data perimeter, reported as a guardrail (nothing to apply)."""
    label = f" {denial.statement}" if denial.statement else ""
    return Fix(
        "target",
        denial.policy_type,
        denial.account,
        f"The Deny statement{label} in the {what} of {owner} is a data perimeter (it keys on "
        f"{', '.join(keys)}) and explicitly denies {denial.action}; it is a guardrail owned by "
        f"the administrators of account {denial.account} — ask them for an exception rather "
        "than loosening it.",
        {"policy": owner, "statement": denial.statement, "perimeter_keys": list(keys)},
        denial=denial,
    )


class _GuardrailFixes(_PlannerBase):
    """Reports for SCP, RCP and service-rule denials: nothing to apply."""

    def _fix_scp(self, denial: Denial) -> Iterator[Fix]:
        yield self._guardrail(denial, "service control policy", "source")

    def _fix_rcp(self, denial: Denial) -> Iterator[Fix]:
        yield self._guardrail(denial, "resource control policy", "target")

    def _fix_vpc_endpoint(self, denial: Denial) -> Iterator[Fix]:
        # The endpoint policy is the network's guardrail, kept by whoever runs the VPC: the
        # fix names it and its owner, and never widens it.
        how = "explicitly denies" if denial.explicit else "does not allow"
        statement = f" (statement {denial.statement})" if denial.statement else ""
        yield Fix(
            "source",
            "vpc_endpoint",
            denial.account,
            f"The {denial.policy or 'VPC endpoint policy'}{statement} {how} {denial.action}; "
            "it is a network guardrail owned by the administrators of account "
            f"{denial.account} — ask them for an exception, or make the request through "
            "another endpoint or network, rather than loosening it.",
            {"policy": denial.policy, "statement": denial.statement},
            denial=denial,
        )

    def _fix_block_public_access(self, denial: Denial) -> Iterator[Fix]:
        # S3 Block Public Access is the bucket owner's account-wide guardrail: the fix names
        # it, and never turns it off or makes the bucket public.
        yield Fix(
            "target",
            "block_public_access",
            denial.account,
            f"{clause(denial.cause)}; S3 Block Public Access is a guardrail owned by the "
            f"administrators of account {denial.account} — ask them to grant this caller by "
            "name in a bucket policy that is not public (a fixed principal, or a condition on "
            "aws:PrincipalOrgID or aws:PrincipalAccount), rather than turning the setting off.",
            {"setting": "RestrictPublicBuckets"},
            denial=denial,
        )

    def _guardrail(self, denial: Denial, words: str, side: str) -> Fix:
        org = self.world.organization
        owner = (
            f"the organization's management account {org.management_account}"
            if org
            else "the organization's administrators"
        )
        where = f" attached to {denial.attached_to}" if denial.attached_to else ""
        name = f" {denial.policy}" if denial.policy else ""
        how = "explicitly denies" if denial.explicit else "does not allow"
        first = ""
        if self._without_region(denial):
            # The lock may well allow the call once its region is known: say that first.
            words_first = clause(Reason("region_unknown"))
            first = words_first[:1].upper() + words_first[1:] + "; otherwise, "
        return Fix(
            side,
            denial.policy_type,
            denial.account,
            f"{first}{'t' if first else 'T'}he {words}{name}{where} {how} {denial.action}; it is "
            f"a guardrail owned by {owner} — ask them for an exception rather than loosening "
            "it.",
            {"policy": denial.policy, "attached_to": denial.attached_to},
            denial=denial,
        )

    def _without_region(self, denial: Denial) -> bool:
        """The denial's condition is on aws:RequestedRegion, which the request lacked."""
        key = "aws:requestedregion"
        return key in {k.lower() for k in self.d.missing_context_keys} and key in {
            k.lower()
            for k in (
                *denial.condition_keys,
                *(n.key for n in self.d.near_misses if n.policy_type == denial.policy_type),
            )
        }

    def _fix_service(self, denial: Denial) -> Iterator[Fix]:
        yield Fix(
            denial.side,
            "service",
            denial.account,
            f"{clause(denial.cause)}, and no policy change can allow it.",
            {"reason": denial.reason},
            denial=denial,
        )
