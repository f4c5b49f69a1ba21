"""Checked by mypy (pyproject: [tool.mypy] files), never run: the builders' calls are typed.

Each call below is wrong on purpose and carries the error mypy must report; with
`warn_unused_ignores` (strict), mypy fails if a builder stops being checked.
"""

from __future__ import annotations

from iamsim.decision import make_denial, make_layer
from iamsim.reason import Reason
from iamsim.session import make_role_session
from iamsim.trace import make_policy_trace

REASON = Reason("no_identity_allow")


def swapped_positional_arguments() -> None:
    # side and policy_type swapped: "identity" is not a Side.
    make_denial("identity", "source", False, None, REASON, "s3:GetObject")
    make_denial("source", "identity", False, None, REASON, "s3:GetObject")  # type: ignore[arg-type]


def wrong_keyword_types() -> None:
    make_layer(side="source", policy_type="identity", verdict="allow", policies=(), note=REASON)
    make_layer(
        side="source",
        policy_type="identity",
        verdict="allowed",  # type: ignore[arg-type]
        policies=(),
        note=REASON,
    )
    make_role_session(  # type: ignore[call-arg]
        role_arn="arn:aws:iam::222222222222:role/Reader",
        session_nam="dev",
    )


def unknown_keyword() -> None:
    make_policy_trace(  # type: ignore[call-arg]
        policy_type="identity",
        name=None,
        account=None,
        statements=(),
        attached_to=None,
        document=None,
    )
