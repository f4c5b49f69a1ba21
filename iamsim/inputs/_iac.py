"""The world document an infrastructure-as-code input describes, assembled piece by piece.

Terraform plans and CloudFormation templates both declare roles, users, groups, managed
policies, attachments and resource policies in whatever order their authors wrote them.
`Draft` collects those declarations per account, checks each policy as it arrives (so a
problem names the input's own path: a Terraform address, a template path), and finally
writes the world document of WORLD.md, which `World.from_dict` then validates as usual.
Every problem is collected; `Draft.document` raises one `WorldError` with all of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from iamsim.errors import PolicyError, Problem, WorldError
from iamsim.evaluate.public import is_public
from iamsim.model import Policy, PolicyKind

__all__ = ["BPA_SETTINGS", "Draft", "default_key_policy"]

# S3 Block Public Access settings, as the world document spells them (WORLD.md).
BPA_SETTINGS = (
    "block_public_acls",
    "ignore_public_acls",
    "block_public_policy",
    "restrict_public_buckets",
)


def default_key_policy(account: str) -> dict[str, Any]:
    """The key policy KMS gives a key created without one: the account's IAM policies
    decide (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)."""
    return {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


@attrs.define
class Draft:
    """Accounts being described, and every problem met on the way (one load's scratch)."""

    accounts: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    problems: list[Problem] = attrs.field(factory=list)
    # entity kind, account, name → the input path that declared it (for "declared twice")
    declared: dict[tuple[str, str, str], str] = attrs.field(factory=dict)
    # deferred links, applied once every entity is declared: (kind, account, name, key, item, path)
    links: list[tuple[str, str, str, str, Any, str]] = attrs.field(factory=list)
    # entities whose declaration had a problem: links to them add no second problem
    failed: set[tuple[str, str, str]] = attrs.field(factory=set)
    # policies a resource only echoes, used where nothing sets one: (account, arn) → document
    echoes: dict[tuple[str, str], dict[str, Any]] = attrs.field(factory=dict)
    # S3 Block Public Access: (account, bucket ARN or None for the account) → settings
    public_access: dict[tuple[str, str | None], dict[str, bool]] = attrs.field(factory=dict)

    def add(self, code: str, path: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(code, path, message, hint))

    def policy(self, value: Any, path: str, kind: PolicyKind) -> dict[str, Any] | None:
        """`value` (JSON text or a mapping) as a checked policy document, or None (a problem)."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                self.add("policy.json", path, f"not JSON: {exc.msg} at column {exc.colno}")
                return None
        if not isinstance(value, Mapping):
            self.add("value.type", path, f"a policy must be a JSON object, not {_kind(value)}")
            return None
        try:
            Policy.from_json(value, kind=kind)
        except PolicyError as exc:
            self.problems.extend(p.under(path) for p in exc.problems)
            return None
        return dict(value)

    def account(self, account: str) -> dict[str, Any]:
        return self.accounts.setdefault(account, {})

    def _declare(self, kind: str, account: str, name: str, path: str) -> bool:
        first = self.declared.setdefault((kind, account, name), path)
        if first != path:
            self.add(
                "iac.duplicate",
                path,
                f"{kind} {name} of account {account} is also declared by {first}",
            )
            return False
        return True

    def entity(self, kind: str, account: str, name: str, body: dict[str, Any], path: str) -> None:
        """Declare a role, user or group (`kind` is the world document's key: `roles`…)."""
        if self._declare(kind, account, name, path):
            self.account(account).setdefault(kind, {})[name] = body

    def fail(self, kind: str, account: str, name: str) -> None:
        """Record that an entity could not be declared (its problem is already recorded)."""
        self.failed.add((kind, account, name))

    def managed_policy(self, account: str, name: str, document: dict[str, Any], path: str) -> None:
        if self._declare("policies", account, name, path):
            self.account(account).setdefault("policies", {})[name] = document

    def resource(self, account: str, arn: str, path: str) -> None:
        """Declare a resource that may carry a policy (a bucket, key, queue, topic)."""
        resources = self.account(account).setdefault("resources", {})
        resources.setdefault(arn, {})
        self.declared.setdefault(("resources", account, arn), path)

    def resource_policy(
        self, account: str, arn: str, document: dict[str, Any], path: str, *, echo: bool = False
    ) -> None:
        """Set the policy of `arn`; two different policies for one resource are a problem.

        An `echo` is what a resource shows of its policy without setting it (a bucket's
        computed `policy` in Terraform): any policy set explicitly replaces it.
        """
        body = self.account(account).setdefault("resources", {}).setdefault(arn, {})
        if echo:
            self.echoes.setdefault((account, arn), document)
            return
        owner = self.declared.get(("resource policy", account, arn))
        if owner is not None and owner != path and body.get("policy") != document:
            self.add(
                "iac.duplicate",
                path,
                f"{arn} already has a different policy from {owner}",
                "a resource has one resource-based policy; keep one of the two",
            )
            return
        self.declared[("resource policy", account, arn)] = path
        body["policy"] = document

    def block_public_access(
        self, account: str, bucket: str | None, settings: Mapping[str, Any], path: str
    ) -> None:
        """S3 Block Public Access settings of an account (`bucket` None) or of a bucket ARN,
        as the world document spells them; a setting not given is off."""
        flags: dict[str, bool] = {}
        for key in BPA_SETTINGS:
            value = settings.get(key, False)
            if value is None:
                value = False
            if not isinstance(value, bool):
                self.add("value.type", f"{path}.{key}", f"{key} must be true or false")
                continue
            flags[key] = value
        self.public_access[(account, bucket)] = flags

    def _public_policies(self) -> None:
        """A public bucket policy where BlockPublicPolicy is in effect (account or bucket):
        S3 refuses to put it, so the input that puts it cannot be applied (S3 API
        Reference, PublicAccessBlockConfiguration: BlockPublicPolicy "causes Amazon S3 to
        reject calls to PUT Bucket policy if the specified bucket policy allows public
        access")."""
        for (account, bucket), flags in self.public_access.items():
            if bucket is None:
                self.account(account)["s3_block_public_access"] = flags
            else:
                resources = self.account(account).setdefault("resources", {})
                resources.setdefault(bucket, {})["block_public_access"] = flags
        for account, body in self.accounts.items():
            level = self.public_access.get((account, None), {})
            for arn, resource in body.get("resources", {}).items():
                document = resource.get("policy")
                if document is None or arn.split(":", 3)[2:3] != ["s3"]:
                    continue
                own = self.public_access.get((account, arn), {})
                if not (level.get("block_public_policy") or own.get("block_public_policy")):
                    continue
                if is_public(Policy.from_json(document, kind="resource")):
                    where = self.declared.get(("resource policy", account, arn)) or arn
                    level_words = (
                        "the bucket" if own.get("block_public_policy") else f"account {account}"
                    )
                    self.add(
                        "iac.public_policy_blocked",
                        where,
                        f"the policy of {arn} is public and BlockPublicPolicy is on for "
                        f"{level_words}: S3 refuses to put it",
                        "grant fixed principals, or limit the grant with a condition on "
                        "aws:PrincipalOrgID, aws:SourceVpce, … (S3's meaning of 'public')",
                    )

    def link(self, kind: str, account: str, name: str, key: str, item: Any, path: str) -> None:
        """Add `item` to the list `key` (`policies`, `groups`) of an entity, or set a scalar
        (`permissions_boundary`), once every entity is declared."""
        self.links.append((kind, account, name, key, item, path))

    def document(
        self,
        source: str,
        organization: dict[str, Any] | None = None,
        org_policies: bool = False,
    ) -> dict[str, Any]:
        """The world document, with the `organization` section when the input holds the
        tree; raise `WorldError` with every problem found in `source`. `org_policies`: the
        input declares SCPs/RCPs kept beside the document (it is not empty)."""
        for kind, account, name, key, item, path in self.links:
            body = self.accounts.get(account, {}).get(kind, {}).get(name)
            if body is None and (kind, account, name) in self.failed:
                continue
            if body is None:
                singular = kind[:-1]
                self.add(
                    "iac.unknown_entity",
                    path,
                    f"{singular} {name} of account {account} is not declared in {source}",
                    f"an input describes its accounts whole: declare the {singular} there too",
                )
            elif key in ("policies", "groups"):
                items = body.setdefault(key, [])
                if item not in items:
                    items.append(item)
            else:
                body[key] = item
        for (account, arn), document in self.echoes.items():
            body = self.accounts[account]["resources"][arn]
            body.setdefault("policy", document)
        if self.public_access:
            self._public_policies()
        if self.problems:
            raise WorldError(self.problems)
        if not self.accounts and organization is None and not org_policies:
            raise WorldError(
                Problem(
                    "iac.empty",
                    source,
                    "declares no IAM role, user, group, managed policy, resource policy, "
                    "SCP or RCP",
                )
            )
        out: dict[str, Any] = {"accounts": {a: self.accounts[a] for a in sorted(self.accounts)}}
        if organization is not None:
            out["organization"] = organization
        return out


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", list: "a list"}.get(
        type(value), "null" if value is None else type(value).__name__
    )
