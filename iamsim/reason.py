"""Why, as data: a reason code and the facts its sentence needs — no English here.

Denials, layer notes and decision notes carry a `Reason`; `iamsim.render.reasons`
holds the one table that words each code, so the rules that decide never write
prose and a renderer can phrase the same facts its own way.

A saved decision (`Decision.to_dict`) keeps only the words, so `from_dict` rebuilds
each reason with the code "saved", whose one field "text" is the sentence verbatim.
A `Denial`, `Layer` or `Decision` made by hand may also be given a plain sentence: it
is read as a saved one (`Reason.of`).
"""

from __future__ import annotations

from typing import Literal

import attrs

from iamsim.frozen import builder

__all__ = [
    "FieldValue",
    "Reason",
    "ReasonCode",
    "ReasonFields",
    "make_reason",
    "words_key",
    "words_tuple_key",
]

ReasonCode = Literal[
    # Denials: AWS's combining rules (evaluate/combine.py).
    "explicit_deny",  # statement, policy_type, policy, [attached_to], action
    "org_level_no_allow",  # policy_type, attached_to, policies, action
    "no_identity_allow",  # caller, action, resource, [delegated_by]
    "boundary_no_allow",  # policy, action
    "session_no_allow",  # caller, action
    "resource_condition_failed",  # policy_type, resource, caller, keys
    "resource_no_statement",  # policy_type, resource, action, caller
    "resource_policy_absent",  # label, resource, policy_type (a cross-account caller)
    "resource_policy_required",  # label, resource, policy_type, action (same account)
    "vpc_endpoint_no_allow",  # policy, action, keys
    "bpa_restrict_public_buckets",  # bucket, account
    # What the world cannot describe (world/callers.py, world/gather.py).
    # [suggestion]: the ARN of the world the missing one most likely misspells.
    "caller_account_unknown",  # account, caller, [delegated_by], [suggestion]
    "role_missing",  # role, account, [suggestion]
    "role_account_unknown",  # account, role, [suggestion]
    "resource_unknown",  # resource, [account], [suggestion]
    "service_without_resource_policies",  # service, resource, account
    # Rules of a service, whatever the policies say.
    "anonymous_not_accepted",  # service, services
    "kms_cross_account",  # action
    "get_caller_identity",  # (no field)
    "root_cannot_assume_role",  # caller
    "source_identity_fixed",  # inherited, wanted
    "aws_managed_policy_write",  # resource, action
    "aws_owned_write",  # resource, action
    "kms_alias_reserved",  # alias
    "kms_alias_cross_account",  # action, alias, account
    "kms_alias_aws_managed_key",  # key
    "protected_role_identity_center",  # role, name, service
    "protected_role_service_linked",  # role, name, service
    # Layer notes: why a layer takes no part, or needs nothing more.
    # (A code that starts "exempt_" marks a layer AWS exempts the caller from.)
    "scp_not_for_services",
    "scp_not_for_federated",
    "caller_not_in_organization",
    "exempt_scp_management_account",
    "exempt_scp_service_linked_role",
    "resource_not_in_organization",
    "exempt_rcp_management_account",
    "rcp_not_for_service",  # service
    "exempt_rcp_service_linked_role",
    "exempt_rcp_service_linked_role_assumed",
    "exempt_rcp_aws_managed_key",
    "exempt_rcp_retire_grant",
    "rcp_aws_owned",
    "identity_not_needed_without_identity",
    "not_needed_direct_grant",  # policy_type (said of identity, boundary and session)
    "not_needed_role_grant",  # policy_type
    "resource_not_needed_same_account",
    "root_allowed_in_own_account",
    "no_resource_policy",  # label, policy_type
    # Why the target side takes no part; why a target has no resource-based policy.
    "aws_owned_target",  # resource
    "kms_alias_no_key_policy",  # alias
    "aws_owned_no_resource_policy",  # resource
    # Decision notes.
    "deny_skipped_missing_key",  # statement, policy, keys
    "role_simulated_as_session",  # role, session
    "session_arn_fresh",  # session
    "same_organization",  # organization
    "service_linked_role_deletion",
    "federated_claims_unverified",  # operation
    "saml_role_from_call",  # role, provider
    "saml_session_name_from_subject",  # session
    "vpc_endpoint_unknown",  # endpoint
    "bpa_public_bucket",  # account (a layer note)
    "vpc_endpoint_other_service",  # endpoint, service, action
    # First-line additions: what the request lacked that decided it.
    "region_unknown",  # (no field)
    # A reason read back from a saved decision, or given as a sentence by hand.
    "saved",  # text
]
"""Every reason code; `iamsim.render.reasons` words each one (a test holds them equal)."""

FieldValue = str | tuple[str, ...]
ReasonFields = tuple[tuple[str, FieldValue], ...]


@attrs.frozen
class Reason:
    """One reason: a stable code and the facts (name, value) its sentence needs.

    Compared and hashed as data; a `Denial`, `Layer` or `Decision` compares the reasons
    it holds by their words, so a saved decision equals the one it was saved from.
    """

    code: ReasonCode
    fields: ReasonFields = ()

    @classmethod
    def saved(cls, text: str) -> Reason:
        """A reason known only by its words (read back from a saved decision)."""
        return cls("saved", (("text", text),))

    @classmethod
    def of(cls, value: Reason | str) -> Reason:
        """`value` itself, or a plain sentence as a saved reason."""
        return value if isinstance(value, Reason) else cls.saved(value)

    def get(self, name: str) -> FieldValue | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

    def text(self, name: str) -> str:
        """The field `name` as one string ("" when absent; a tuple joined by ", ")."""
        value = self.get(name)
        if value is None:
            return ""
        return value if isinstance(value, str) else ", ".join(value)

    def with_fields(self, *fields: tuple[str, FieldValue]) -> Reason:
        """The same reason with more facts."""
        return Reason(self.code, self.fields + fields)

    def __str__(self) -> str:
        from iamsim.render.reasons import sentence

        return sentence(self)


make_reason = builder(Reason)


def words_key(value: object) -> object:
    """How a Denial or a Layer compares its reason: by its words (attrs `eq` key)."""
    if isinstance(value, Reason):
        from iamsim.render.reasons import sentence

        return sentence(value)
    return value


def words_tuple_key(value: object) -> object:
    """How a Decision compares its notes: by their words (attrs `eq` key)."""
    if isinstance(value, tuple):
        return tuple(map(words_key, value))
    return value
