"""A large world document with varied policies, for benchmarks/bench_load.py.

Run: python benchmarks/gen_world.py OUT.json [--users N] [--roles N] [--accounts N]
(the extension picks the format: .json, .yaml/.yml or .toml).

Every user has an inline policy and every role a trust policy and an inline policy;
the documents vary (actions, resources, conditions, principals, one or several
statements) so that neither the reader nor a memo sees the same text twice. The
same seed gives the same world.
"""

from __future__ import annotations

import argparse
import json
import random
from typing import Any

ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:Get*",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "kms:Decrypt",
    "kms:Encrypt",
    "ec2:Describe*",
    "logs:PutLogEvents",
    "sns:Publish",
    "lambda:InvokeFunction",
    "iam:PassRole",
    "sts:AssumeRole",
)

SERVICES = ("ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com")


def _resource(rng: random.Random, action: str, account: str, i: int) -> str:
    service = action.split(":", 1)[0]
    region = rng.choice(("us-east-1", "eu-west-1", "ap-southeast-2"))
    key = rng.choice(("*", "logs/*", "data/${aws:username}/*"))
    return {
        "s3": f"arn:aws:s3:::bucket-{account[-4:]}-{i}/{key}",
        "dynamodb": f"arn:aws:dynamodb:{region}:{account}:table/t{i}",
        "sqs": f"arn:aws:sqs:{region}:{account}:queue-{i}",
        "kms": f"arn:aws:kms:{region}:{account}:key/{i:08x}-12ab-34cd-56ef-1234567890ab",
        "ec2": "*",
        "logs": f"arn:aws:logs:{region}:{account}:log-group:/app/{i}:*",
        "sns": f"arn:aws:sns:{region}:{account}:topic-{i}",
        "lambda": f"arn:aws:lambda:{region}:{account}:function:fn-{i}",
        "iam": f"arn:aws:iam::{account}:role/Role{i}",
        "sts": f"arn:aws:iam::{account}:role/Role{(i + 1) % 1000}",
    }[service]


def _condition(rng: random.Random, i: int) -> dict[str, Any] | None:
    kind = rng.randrange(6)
    if kind == 0:
        return {"StringEquals": {"aws:PrincipalTag/team": f"team-{i % 37}"}}
    if kind == 1:
        return {"IpAddress": {"aws:SourceIp": [f"10.{i % 250}.0.0/16", "192.0.2.0/24"]}}
    if kind == 2:
        return {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    if kind == 3:
        return {"StringLike": {"aws:userid": [f"AIDA*{i % 97}", "AROA*:ops-*"]}}
    return None


def _statement(rng: random.Random, account: str, i: int) -> dict[str, Any]:
    actions = rng.sample(ACTIONS, rng.randint(1, 3))
    statement: dict[str, Any] = {
        "Sid": f"S{i}x{rng.randrange(1000)}",
        "Effect": "Deny" if rng.random() < 0.1 else "Allow",
        "Action": actions[0] if len(actions) == 1 else actions,
        "Resource": [_resource(rng, a, account, i) for a in actions],
    }
    condition = _condition(rng, i)
    if condition is not None:
        statement["Condition"] = condition
    return statement


def _policy(rng: random.Random, account: str, i: int) -> dict[str, Any]:
    count = rng.choice((1, 1, 2, 3))
    return {
        "Version": "2012-10-17",
        "Statement": [_statement(rng, account, i + k) for k in range(count)],
    }


def _trust(rng: random.Random, accounts: list[str], i: int) -> dict[str, Any]:
    kind = rng.randrange(4)
    if kind == 0:
        principal: dict[str, Any] = {"Service": rng.choice(SERVICES)}
    elif kind == 1:
        principal = {"AWS": f"arn:aws:iam::{rng.choice(accounts)}:root"}
    else:
        principal = {"AWS": f"arn:aws:iam::{rng.choice(accounts)}:user/user{i % 997}"}
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sts:AssumeRole",
    }
    if kind == 2:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}
    elif kind == 3:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def world_document(
    users: int = 10_000, roles: int = 10_000, accounts: int = 10, seed: int = 12
) -> dict[str, Any]:
    """A world of `users` users and `roles` roles spread evenly over `accounts` accounts."""
    rng = random.Random(seed)
    ids = [f"{100000000000 + 111111 * k:012d}" for k in range(1, accounts + 1)]
    doc: dict[str, Any] = {"accounts": {}}
    for k, account in enumerate(ids):
        body: dict[str, Any] = {"alias": f"acct-{k}", "users": {}, "roles": {}}
        for i in range(k, users, accounts):
            body["users"][f"user{i}"] = {
                "policies": [_policy(rng, account, i)],
                "tags": {"team": f"team-{i % 37}"},
            }
        for i in range(k, roles, accounts):
            body["roles"][f"Role{i}"] = {
                "trust_policy": _trust(rng, ids, i),
                "policies": [_policy(rng, account, i)],
            }
        doc["accounts"][account] = body
    return doc


def write(doc: dict[str, Any], path: str) -> None:
    """Write `doc` as JSON, YAML (block style, as people write it) or TOML."""
    if path.endswith(".json"):
        with open(path, "w", encoding="utf-8") as file:
            json.dump(doc, file, indent=2)
    elif path.endswith((".yaml", ".yml")):
        import yaml

        with open(path, "w", encoding="utf-8") as file:
            dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
            yaml.dump(doc, file, Dumper=dumper, sort_keys=False)
    elif path.endswith(".toml"):
        from iamsim.world.dump import dump_text

        with open(path, "w", encoding="utf-8") as file:
            file.write(dump_text(doc, "toml"))
    else:
        raise SystemExit(f"{path}: use .json, .yaml, .yml or .toml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--roles", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    write(world_document(args.users, args.roles, args.accounts, args.seed), args.out)


if __name__ == "__main__":
    main()
