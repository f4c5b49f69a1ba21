"""Target statements missed only on conditions the caller can meet: call arguments, caller tags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from iamsim.decision import POLICY_TYPE_WORDS, Denial
from iamsim.fixes.base import _PlannerBase
from iamsim.fixes.documents import _listed, _requires_key, _tag_dict, _wanted_value
from iamsim.fixes.model import Fix

if TYPE_CHECKING:
    from iamsim.trace import StatementTrace

# A made-up but well-formed MFA token for request fixes (STS wants six digits).
MFA_TOKEN = "123456"
_MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")


class _NearMissFixes(_PlannerBase):
    """For a statement that failed only on its conditions: what the caller itself can change."""

    def _request_change(self, denial: Denial, st: StatementTrace) -> Fix | None:
        """The call arguments that meet every failed condition, when the caller sets them all."""
        failed = st.failed_conditions
        if not failed:
            return None
        args: dict[str, Any] = {}
        context: dict[str, Any] = {}
        words: list[str] = []
        tags = _tag_dict(self.call.get("tags")) if self.kind == "assume_role" else {}
        for cond in failed:
            key = cond.key.lower()
            if key in _MFA_KEYS:
                if self.kind == "assume_role":
                    account = self.d.caller_account or "111111111111"
                    name = (self._principal_arn() or self.d.caller).rsplit("/", 1)[-1]
                    args["serial_number"] = f"arn:aws:iam::{account}:mfa/{name}"
                    args["token_code"] = MFA_TOKEN
                else:
                    context["aws:MultiFactorAuthPresent"] = True
                    context["aws:MultiFactorAuthAge"] = 0
                words.append("sign in with MFA (--serial-number and --token-code)")
                continue
            if self.kind == "assume_role" and key in ("aws:tagkeys", "sts:transitivetagkeys"):
                # Pass only the tag keys the statement accepts.
                allowed = {str(v) for v in cond.policy_values}
                if not cond.operator.lower().startswith("forallvalues:stringequals"):
                    return None
                if key == "aws:tagkeys":
                    tags = {k: v for k, v in tags.items() if k in allowed}
                    args["tags"] = tags or None
                    dropped = sorted(set(_tag_dict(self.call.get("tags"))) - set(tags))
                else:
                    keys = _listed(self.call.get("transitive_tag_keys"))
                    args["transitive_tag_keys"] = [k for k in keys if k in allowed] or None
                    dropped = sorted(set(keys) - allowed)
                words.append(f"without the {cond.key} {', '.join(dropped)}")
                continue
            value = _wanted_value(cond)
            if value is None and key == "sts:sourceidentity" and _requires_key(cond):
                value = (self._principal_arn() or self.d.caller).rsplit("/", 1)[-1]
            if value is None:
                return None
            arg = {
                "sts:externalid": "external_id",
                "sts:rolesessionname": "session_name",
                "sts:sourceidentity": "source_identity",
            }.get(key)
            if self.kind == "assume_role" and arg is not None:
                args[arg] = value
                flag = arg.replace("_", "-")
                flag = "role-session-name" if flag == "session-name" else flag
                words.append(f"--{flag} {value}")
            elif self.kind == "assume_role" and key.startswith("aws:requesttag/"):
                tag = cond.key.split("/", 1)[1]
                tags = {k: v for k, v in tags.items() if k.lower() != tag.lower()} | {tag: value}
                args["tags"] = tags
                words.append(f"the session tag {tag}={value}")
            elif self.kind == "simulate" and (arg is not None or key.startswith("aws:requesttag/")):
                context[cond.key] = value
                words.append(f"{cond.key} = {value}")
            else:
                return None
        if context:
            args["context"] = {**dict(self.call.get("context") or {}), **context}
        call = "AssumeRole" if self.kind == "assume_role" else "the request"
        if list(args) == ["external_id"]:
            text = (
                f"Call AssumeRole with the external ID the trust policy expects: "
                f"--external-id {args['external_id']}."
            )
        else:
            text = (
                f"Call {call} as statement {st.label} of the {self._words(denial)} expects: "
                f"{', '.join(words)}."
            )
        return Fix(
            denial.side,  # the side whose denial it removes, though the caller makes it
            denial.policy_type,
            denial.account,
            text,
            dict(args),
            request=args,
            denial=denial,
        )

    def _words(self, denial: Denial) -> str:

        return POLICY_TYPE_WORDS.get(denial.policy_type, denial.policy_type)

    def _tag_caller(self, denial: Denial, st: StatementTrace) -> Fix | None:
        """Tag the caller as a statement's aws:PrincipalTag conditions expect (source side)."""
        failed = st.failed_conditions
        entity = self._principal_entity()
        if not failed or entity is None:
            return None
        wanted: dict[str, str] = {}
        for cond in failed:
            value = _wanted_value(cond)
            if not cond.key.lower().startswith("aws:principaltag/") or value is None:
                return None
            wanted[cond.key.split("/", 1)[1]] = value

        def retag(e: Any) -> Any:
            lowered = {k.lower() for k in wanted}
            kept = tuple((k, v) for k, v in e.tags.items() if k.lower() not in lowered)
            return attrs.evolve(e, tags=(*kept, *wanted.items()))

        listed = ", ".join(f"{k}={v}" for k, v in wanted.items())
        return Fix(
            denial.side,
            denial.policy_type,
            str(entity.account),
            f"Tag {entity.arn} with {listed}, as statement {st.label} of the "
            f"{self._words(denial)} requires.",
            {"tag": entity.arn, "tags": wanted},
            apply=self._edit_entity(retag),
            denial=denial,
        )
