"""The seed's requests, replayed on any world: the table the IaC inputs are checked against.

The requests are those of the seed page (`tests/compliance/decisions/seed.json`: the
allowed AssumeRole, a wrong, missing or differently cased external ID, session tags, a
too-long duration, the reads with the role's session) plus the S3 calls the role's
AmazonS3ReadOnlyAccess allows or not and a caller the world does not know.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import iamsim

SEED_CASES = Path(__file__).parents[1] / "compliance" / "decisions" / "seed.json"
ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
SESSION = {
    "assume_role": {
        "caller": ALICE,
        "role_arn": ROLE,
        "session_name": "dev-session",
        "external_id": "my-secret-123",
    }
}


def _extra_calls() -> list[tuple[str, dict[str, Any]]]:
    reads = [
        ("s3:GetObject", "arn:aws:s3:::prod-bucket/report.csv"),
        ("s3:ListBucket", "arn:aws:s3:::prod-bucket"),
        ("s3:PutObject", "arn:aws:s3:::prod-bucket/report.csv"),
        ("s3:DeleteObject", "arn:aws:s3:::prod-bucket/report.csv"),
        ("sts:AssumeRole", ROLE),
    ]
    out: list[tuple[str, dict[str, Any]]] = [
        (
            f"session {action} {resource}",
            {"simulate": {"principal": SESSION, "action": action, "resource": resource}},
        )
        for action, resource in reads
    ]
    out += [
        (
            f"alice {action} {resource}",
            {"simulate": {"principal": ALICE, "action": action, "resource": resource}},
        )
        for action, resource in reads
    ]
    out.append(
        (
            "unknown caller",
            {
                "assume_role": {
                    **SESSION["assume_role"],
                    "caller": "arn:aws:iam::333333333333:user/mallory",
                }
            },
        )
    )
    return out


def seed_calls() -> list[tuple[str, dict[str, Any]]]:
    """(id, call) for every seed case of the corpus, then the extra reads."""
    cases = json.loads(SEED_CASES.read_text("utf-8"))["cases"]
    return [(c["id"], c["call"]) for c in cases if c.get("world") == "seed"] + _extra_calls()


def run(world: iamsim.World, call: dict[str, Any]) -> tuple[str, tuple[tuple[str, ...], ...]]:
    """(outcome, denials) of `call` on `world`; an STS validation error is an outcome too."""
    ((kind, args),) = call.items()
    args = dict(args)
    try:
        if kind == "assume_role":
            d = world.assume_role(args.pop("caller"), **args)
        else:
            principal = args.pop("principal")
            if isinstance(principal, dict):
                first = world.assume_role(**principal["assume_role"])
                assert first.allowed, first.explain()
                principal = first.session
            d = world.simulate(principal, args.pop("action"), args.pop("resource"), **args)
    except iamsim.ValidationError as exc:
        return f"ValidationError: {exc}", ()
    denials = tuple(
        sorted((x.policy_type, x.side, str(x.explicit), x.account) for x in d.denied_by)
    )
    return d.outcome, denials
