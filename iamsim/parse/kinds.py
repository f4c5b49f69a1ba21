"""Which elements a statement must or must not combine, in general and per attachment point."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamsim.parse.grammar import _NO_PRINCIPAL, _RESOURCE_REQUIRED, STATEMENT_ELEMENTS
from iamsim.parse.recorder import _Recorder


class _KindRules(_Recorder):
    """Element combinations and the rules of each attachment point (trust, SCP, RCP…)."""

    def structure(self, stmt: Mapping[Any, Any], at: Mapping[str, str], effect: str | None) -> None:
        kind = self.kind
        where = self.kind_name()
        has = {name: name in stmt for name in STATEMENT_ELEMENTS}

        # Exactly one of Action/NotAction (IAM User Guide, "IAM JSON policy elements").
        if has["Action"] and has["NotAction"]:
            self.add(
                "statement.action.conflict",
                at["NotAction"],
                "Action and NotAction cannot both appear in one statement",
            )
        elif not has["Action"] and not has["NotAction"]:
            self.add("statement.action.missing", at["Action"], "Action or NotAction is required")

        # Principal / NotPrincipal.
        if kind in _NO_PRINCIPAL:
            for name in ("Principal", "NotPrincipal"):
                if has[name]:
                    self.add(
                        f"statement.{_snake(name)}.forbidden",
                        at[name],
                        f"{name} is not allowed in {where}",
                        "only resource-based and trust policies name principals",
                    )
        else:
            if has["Principal"] and has["NotPrincipal"]:
                self.add(
                    "statement.principal.conflict",
                    at["NotPrincipal"],
                    "Principal and NotPrincipal cannot both appear in one statement",
                )
            if kind in ("trust", "rcp") and has["NotPrincipal"]:
                self.add(
                    "statement.not_principal.forbidden",
                    at["NotPrincipal"],
                    f"NotPrincipal is not allowed in {where}",
                )
            if kind in ("trust", "rcp") and not has["Principal"]:
                self.add(
                    "statement.principal.missing",
                    at["Principal"],
                    f"Principal is required in {where}",
                )
            elif kind == "resource" and not has["Principal"] and not has["NotPrincipal"]:
                self.add(
                    "statement.principal.missing",
                    at["Principal"],
                    f"Principal or NotPrincipal is required in {where}",
                )
        # IAM User Guide, "NotPrincipal": it is only supported with "Effect": "Deny".
        if has["NotPrincipal"] and effect == "Allow":
            self.add(
                "statement.not_principal.allow",
                at["NotPrincipal"],
                'NotPrincipal can only be used with "Effect": "Deny"',
            )

        # Resource / NotResource.
        if has["Resource"] and has["NotResource"]:
            self.add(
                "statement.resource.conflict",
                at["NotResource"],
                "Resource and NotResource cannot both appear in one statement",
            )
        if kind == "trust":
            # MalformedPolicyDocument: "Has prohibited field Resource".
            for name in ("Resource", "NotResource"):
                if has[name]:
                    self.add(
                        f"statement.{_snake(name)}.forbidden",
                        at[name],
                        f"{name} is not allowed in {where}",
                        f'AWS rejects it: "Has prohibited field {name}"',
                    )
        elif kind in _RESOURCE_REQUIRED and not has["Resource"] and not has["NotResource"]:
            self.add(
                "statement.resource.missing",
                at["Resource"],
                f"Resource or NotResource is required in {where}",
            )

        if kind == "rcp":
            self.rcp_rules(stmt, at, effect)

    def rcp_rules(self, stmt: Mapping[Any, Any], at: Mapping[str, str], effect: str | None) -> None:
        # AWS Organizations User Guide, "RCP syntax": customer RCPs only Deny; Principal
        # is "*"; NotPrincipal and NotAction are unsupported; Action names a service.
        if effect == "Allow":
            self.add(
                "statement.effect.not_deny",
                at["Effect"],
                'Effect must be "Deny" in an RCP, not "Allow"',
                "only the AWS-managed RCPFullAWSAccess policy allows",
            )
        if "Principal" in stmt and stmt["Principal"] != "*":
            self.add(
                "statement.principal.not_wildcard",
                at["Principal"],
                'Principal must be "*" in an RCP',
                'use "Principal": "*" and narrow with conditions such as aws:PrincipalOrgID',
            )
        if "NotAction" in stmt:
            self.add(
                "statement.not_action.forbidden",
                at["NotAction"],
                "NotAction is not allowed in an RCP",
            )
        action = stmt.get("Action")
        if action == "*":
            paths = [at["Action"]]
        elif isinstance(action, list | tuple):
            paths = [f"{at['Action']}[{i}]" for i, v in enumerate(action) if v == "*"]
        else:
            paths = []
        for path in paths:
            self.add(
                "statement.action.wildcard",
                path,
                'Action "*" is not allowed in an RCP',
                'name a service prefix, such as "s3:*"',
            )


def _snake(name: str) -> str:
    return "not_" + name[3:].lower() if name.startswith("Not") else name.lower()
