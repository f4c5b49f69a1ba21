"""The two worlds `bench_graph.py` measures (issue #14, item 4), built in code.

- `flat_world()`: one account, 150 users and 150 roles; user i may assume role i; every
  role trusts the account; role i holds `s3:GetObject` (i % 3 == 0), `sts:AssumeRole` on
  every role (i % 3 == 1) or `ec2:Describe*` (i % 3 == 2). The workload PMapper takes
  103 s for on this machine (33.7 s to build its graph, 69 s to answer).
- `org_world(accounts=1000)`: an organization of `accounts` accounts with 20 users and 20
  roles each. Role j trusts its own account (j even) or the next account (j odd: trust
  across accounts); user j may assume role j of its account and role j of the previous
  account; role 0 of each account may assume the roles named `r1` anywhere; roles hold
  `s3:GetObject` on the shared bucket (j % 5 == 0) or `ec2:Describe*`.
"""

from __future__ import annotations

from typing import Any

import iamsim

FLAT_ACCOUNT = "111111111111"
BUCKET = "arn:aws:s3:::bench-bucket"
OBJECT = f"{BUCKET}/data.csv"
USERS_PER_ACCOUNT = ROLES_PER_ACCOUNT = 20


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: str, resource: str | list[str]) -> dict[str, Any]:
    return _doc({"Effect": "Allow", "Action": action, "Resource": resource})


def _trust(account: str) -> dict[str, Any]:
    return _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "sts:AssumeRole",
        }
    )


_HOLDINGS = (
    _allow("s3:GetObject", f"{BUCKET}/*"),
    _allow("sts:AssumeRole", "*"),
    _allow("ec2:Describe*", "*"),
)


def flat_world(users: int = 150, roles: int = 150) -> iamsim.World:
    """One account: `users` users, `roles` roles, as the module docstring says."""
    role_arns = [f"arn:aws:iam::{FLAT_ACCOUNT}:role/role{i:03d}" for i in range(roles)]
    entities: list[Any] = [
        iamsim.User(
            f"arn:aws:iam::{FLAT_ACCOUNT}:user/user{i:03d}",
            policies=[_allow("sts:AssumeRole", role_arns[i % roles])],
        )
        for i in range(users)
    ]
    entities += [
        iamsim.Role(arn, trust_policy=_trust(FLAT_ACCOUNT), policies=[_HOLDINGS[i % 3]])
        for i, arn in enumerate(role_arns)
    ]
    entities.append(iamsim.Resource(BUCKET, account=FLAT_ACCOUNT))
    return iamsim.World.of(*entities)


def org_account(k: int) -> str:
    return f"{100000000000 + k:012d}"


def org_world(accounts: int = 1000) -> iamsim.World:
    """An organization of `accounts` accounts, as the module docstring says."""
    ids = [org_account(k) for k in range(accounts)]
    entities: list[Any] = []
    for k, account in enumerate(ids):
        previous, following = ids[k - 1], ids[(k + 1) % accounts]
        for j in range(USERS_PER_ACCOUNT):
            entities.append(
                iamsim.User(
                    f"arn:aws:iam::{account}:user/u{j}",
                    policies=[
                        _allow(
                            "sts:AssumeRole",
                            [
                                f"arn:aws:iam::{account}:role/r{j}",
                                f"arn:aws:iam::{previous}:role/r{j}",
                            ],
                        )
                    ],
                )
            )
        for j in range(ROLES_PER_ACCOUNT):
            if j == 0:
                holding = _allow("sts:AssumeRole", "arn:aws:iam::*:role/r1")
            elif j % 5 == 0:
                holding = _HOLDINGS[0]
            else:
                holding = _HOLDINGS[2]
            entities.append(
                iamsim.Role(
                    f"arn:aws:iam::{account}:role/r{j}",
                    trust_policy=_trust(account if j % 2 == 0 else following),
                    policies=[holding],
                )
            )
    entities.append(iamsim.Resource(BUCKET, account=ids[0]))
    organization = iamsim.Organization(
        id="o-benchgraph1",
        management_account=ids[0],
        root=iamsim.OrgUnit(name="Root", accounts=tuple(ids)),
    )
    return iamsim.World.of(*entities, organization=organization)
