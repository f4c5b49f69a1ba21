"""Hypothesis strategies for property tests of policies and worlds.

    from iamsim import strategies

    arns(service=None, account=None)   ARNs of users, roles, sessions, buckets, queues, keys…
    conditions()                       a Condition block: every operator, valid values for it
    statements(kind="identity")        one statement, valid for that kind of policy
    policies(kind="identity")          a policy document (identity, trust, resource, scp,
                                       rcp, boundary, session)
    world_documents(), worlds()        a small valid world, as a document or a `World`
    requests(world)                    a request record asked of that world
    contexts(world)                    request context built from the world's conditions

Everything generated is accepted by iamsim (as AWS accepts it) and shrinks toward small,
plain values: the first account, short names, one statement, no condition.
"""

from __future__ import annotations

import base64
import datetime as _dt
import ipaddress
import re
from collections.abc import Iterator, Sequence
from typing import Any

from hypothesis import strategies as st

from iamsim.conditions.operators import OPERATORS, SET_QUALIFIERS, OperatorSpec
from iamsim.conditions.requests import value_problem
from iamsim.model import Policy, Statement
from iamsim.reference import condition_key_type
from iamsim.world import World
from iamsim.world.model import NamedPolicy

__all__ = [
    "ACCOUNTS",
    "account_ids",
    "actions",
    "arns",
    "conditions",
    "contexts",
    "policies",
    "requests",
    "statements",
    "world_documents",
    "worlds",
]

ACCOUNTS: tuple[str, ...] = ("111111111111", "222222222222", "333333333333", "444444444444")
KINDS: tuple[str, ...] = ("identity", "trust", "resource", "scp", "rcp", "boundary", "session")
_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
_NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-"
_BUCKET_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
_ACTIONS: dict[str, tuple[str, ...]] = {
    "s3": ("GetObject", "PutObject", "DeleteObject", "ListBucket", "GetObjectTagging"),
    "sqs": ("SendMessage", "ReceiveMessage", "DeleteMessage"),
    "sns": ("Publish", "Subscribe"),
    "kms": ("Decrypt", "Encrypt", "GenerateDataKey"),
    "dynamodb": ("GetItem", "PutItem", "Query"),
    "lambda": ("InvokeFunction", "GetFunction"),
    "iam": ("GetUser", "ListRoles", "PassRole"),
    "sts": ("AssumeRole", "TagSession"),
}
_TRUST_ACTIONS = ("sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity")
_SERVICE_PRINCIPALS = ("ec2.amazonaws.com", "lambda.amazonaws.com", "sns.amazonaws.com")
_RESOURCE_SERVICES = ("s3", "sqs", "sns", "kms", "dynamodb", "lambda")

# Condition keys by the kind of value they hold, and the multivalued ones (set qualifiers).
_KEYS: dict[str, tuple[str, ...]] = {
    "string": (
        "aws:PrincipalTag/team",
        "aws:RequestedRegion",
        "aws:PrincipalOrgID",
        "aws:username",
        "s3:prefix",
        "sts:ExternalId",
    ),
    "numeric": ("aws:MultiFactorAuthAge", "s3:max-keys"),
    "date": ("aws:CurrentTime", "aws:TokenIssueTime"),
    "bool": ("aws:SecureTransport", "aws:MultiFactorAuthPresent", "aws:ViaAWSService"),
    "binary": ("aws:PrincipalTag/blob",),
    "ip": ("aws:SourceIp",),
    "arn": ("aws:PrincipalArn", "aws:SourceArn"),
    "null": ("aws:PrincipalTag/team", "aws:SourceIp", "sts:ExternalId"),
}
_MULTIVALUED = ("aws:TagKeys", "aws:PrincipalServiceNamesList")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]+")


def _text(alphabet: str, min_size: int = 1, max_size: int = 8) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)


def account_ids() -> st.SearchStrategy[str]:
    """Twelve-digit account IDs: mostly a few fixed ones (so worlds share them), any too."""
    return st.one_of(st.sampled_from(ACCOUNTS), st.from_regex(r"[0-9]{12}", fullmatch=True))


def _names() -> st.SearchStrategy[str]:
    return _text(_NAME_CHARS, 1, 12)


def _bucket() -> st.SearchStrategy[str]:
    return st.builds(
        lambda a, b: a + b, st.sampled_from("abcdefghijklmnop"), _text(_BUCKET_CHARS, 2, 10)
    )


@st.composite
def arns(draw: st.DrawFn, service: str | None = None, account: str | None = None) -> str:
    """An ARN of one of the services iamsim models (`iam` gives users, roles and account
    roots; `sts` assumed-role sessions; `s3` buckets and objects; …), in `account` if given."""
    service = service or draw(st.sampled_from(("iam", "sts", *_RESOURCE_SERVICES)))
    acct = account or draw(account_ids())
    region = draw(st.sampled_from(_REGIONS))
    name = draw(_names())
    if service == "iam":
        kind = draw(st.sampled_from(("user", "role", "root")))
        return (
            f"arn:aws:iam::{acct}:root" if kind == "root" else f"arn:aws:iam::{acct}:{kind}/{name}"
        )
    if service == "sts":
        session = draw(_text(_NAME_CHARS, 2, 12))
        return f"arn:aws:sts::{acct}:assumed-role/{name}/{session}"
    if service == "s3":
        bucket = draw(_bucket())
        key = draw(st.one_of(st.none(), _text(_BUCKET_CHARS + "/._-", 1, 12)))
        return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"
    if service == "sqs":
        return f"arn:aws:sqs:{region}:{acct}:{draw(_text(_BUCKET_CHARS, 1, 12))}"
    if service == "sns":
        return f"arn:aws:sns:{region}:{acct}:{draw(_text(_BUCKET_CHARS, 1, 12))}"
    if service == "kms":
        return f"arn:aws:kms:{region}:{acct}:key/{draw(st.uuids())}"
    if service == "dynamodb":
        return f"arn:aws:dynamodb:{region}:{acct}:table/{draw(_text(_BUCKET_CHARS, 3, 12))}"
    if service == "lambda":
        return f"arn:aws:lambda:{region}:{acct}:function:{draw(_text(_BUCKET_CHARS, 1, 12))}"
    raise ValueError(
        f"arns: unknown service {service!r} (one of iam, sts, {', '.join(_RESOURCE_SERVICES)})"
    )


def actions(service: str | None = None) -> st.SearchStrategy[str]:
    """A real action (`s3:GetObject`) of `service`, or of any service iamsim models."""
    prefixes = (service,) if service else tuple(_ACTIONS)
    return st.sampled_from([f"{p}:{a}" for p in prefixes for a in _ACTIONS[p]])


def _action_patterns(*, star: bool = True) -> st.SearchStrategy[str]:
    patterns = [f"{p}:*" for p in _ACTIONS] + ["s3:Get*", "sqs:*Message"]
    return st.one_of(actions(), st.sampled_from(patterns + (["*"] if star else [])))


# ------------------------------------------------------------------------ conditions


def _date(moment: _dt.datetime, form: int) -> str:
    if form == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if form == 1:
        return moment.strftime("%Y-%m-%d")
    return str(int(moment.timestamp()))


@st.composite
def _value(draw: st.DrawFn, spec: OperatorSpec) -> Any:
    """One policy value valid for `spec`'s kind of value."""
    kind = spec.kind
    if kind == "numeric":
        return draw(
            st.one_of(
                st.integers(0, 10_000).map(str),
                st.integers(0, 10_000),
                st.decimals(0, 1000, places=2).map(str),
            )
        )
    if kind == "date":
        moment = draw(
            st.datetimes(
                min_value=_dt.datetime(2000, 1, 1),
                max_value=_dt.datetime(2040, 1, 1),
                timezones=st.just(_dt.UTC),
            )
        )
        return _date(moment, draw(st.integers(0, 2)))
    if kind in ("bool", "null"):
        return draw(st.sampled_from(("true", "false", True, False)))
    if kind == "binary":
        return base64.b64encode(draw(st.binary(min_size=1, max_size=8))).decode()
    if kind == "ip":
        if draw(st.booleans()):
            address = draw(st.ip_addresses(v=4))
            prefix = draw(st.integers(8, 32))
        else:
            address = draw(st.ip_addresses(v=6))
            prefix = draw(st.integers(16, 128))
        return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    if kind == "arn":
        arn = draw(arns(service=draw(st.sampled_from(("iam", "sts", "s3", "sqs")))))
        return arn if not spec.wildcards or draw(st.booleans()) else arn.rsplit("/", 1)[0] + "/*"
    text = draw(_text("abcdefgh0123456789-", 1, 8))
    if spec.wildcards and draw(st.booleans()):
        text = draw(st.sampled_from((text + "*", "*" + text, text[:1] + "?" + text[1:])))
    return text


@st.composite
def _entry(draw: st.DrawFn, operator: str | None = None) -> tuple[str, str, Any]:
    """(operator key, condition key, value or values) for one operator of the table."""
    base = operator or draw(st.sampled_from(sorted(OPERATORS)))
    spec = OPERATORS[base]
    qualifier = None
    if spec.kind != "null":
        qualifier = draw(st.sampled_from((None, None, *SET_QUALIFIERS)))
    if_exists = spec.if_exists_allowed and draw(st.booleans())
    name = f"{qualifier + ':' if qualifier else ''}{base}{'IfExists' if if_exists else ''}"
    keys = _MULTIVALUED if qualifier and spec.kind == "string" else _KEYS[spec.kind]
    key = draw(st.sampled_from(keys))
    values = draw(st.lists(_value(spec), min_size=1, max_size=3))
    return name, key, values[0] if len(values) == 1 and draw(st.booleans()) else values


@st.composite
def conditions(draw: st.DrawFn, operators: Sequence[str] | None = None) -> dict[str, Any]:
    """A Condition block of one to three entries; `operators` limits the base operators
    (default: every operator of `iamsim/conditions/operators.py`)."""
    names = sorted(operators or OPERATORS)
    block: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.integers(1, 3))):
        op, key, value = draw(_entry(draw(st.sampled_from(names))))
        block.setdefault(op, {})[key] = value
    return block


# ------------------------------------------------------------------------- policies


def _principal(draw: st.DrawFn, kind: str, accounts: Sequence[str] | None) -> Any:
    if kind == "rcp":
        return "*"
    account = st.sampled_from(accounts) if accounts else account_ids()
    aws = st.one_of(
        account,
        account.map(lambda a: f"arn:aws:iam::{a}:root"),
        st.builds(lambda a, n: f"arn:aws:iam::{a}:role/{n}", account, _names()),
        st.builds(lambda a, n: f"arn:aws:iam::{a}:user/{n}", account, _names()),
    )
    choices: list[st.SearchStrategy[Any]] = [
        st.fixed_dictionaries({"AWS": st.one_of(aws, st.lists(aws, min_size=1, max_size=3))})
    ]
    choices.append(st.fixed_dictionaries({"Service": st.sampled_from(_SERVICE_PRINCIPALS)}))
    if kind == "resource":
        choices.append(st.just("*"))
    return draw(st.one_of(*choices))


@st.composite
def statements(
    draw: st.DrawFn,
    kind: str = "identity",
    *,
    resources: Sequence[str] | None = None,
    accounts: Sequence[str] | None = None,
    effect: str | None = None,
) -> dict[str, Any]:
    """One statement valid in a policy of `kind` (see `policies`).

    `resources` limits the Resource element to those ARNs (and patterns below them);
    `accounts` the principals a trust or resource policy names.
    """
    if kind not in KINDS:
        raise ValueError(f"statements: unknown kind {kind!r} (one of {', '.join(KINDS)})")
    stmt: dict[str, Any] = {}
    if draw(st.booleans()):
        stmt["Sid"] = draw(_text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    stmt["Effect"] = (
        "Deny" if kind == "rcp" else effect or draw(st.sampled_from(("Allow", "Allow", "Deny")))
    )
    if kind == "trust":
        stmt["Principal"] = _principal(draw, kind, accounts)
        if "Service" in stmt["Principal"]:
            stmt["Action"] = "sts:AssumeRole"
        else:
            chosen = draw(st.lists(st.sampled_from(_TRUST_ACTIONS), min_size=1, max_size=2))
            stmt["Action"] = chosen[0] if len(chosen) == 1 else sorted(set(chosen))
    else:
        if kind in ("resource", "rcp"):
            if kind == "resource" and stmt["Effect"] == "Deny" and draw(st.integers(0, 4)) == 0:
                stmt["NotPrincipal"] = {"AWS": draw(st.sampled_from(accounts or ACCOUNTS))}
            else:
                stmt["Principal"] = _principal(draw, kind, accounts)
        patterns = _action_patterns(star=kind != "rcp")
        if kind != "rcp" and draw(st.integers(0, 5)) == 0:
            stmt["NotAction"] = draw(patterns)
        else:
            stmt["Action"] = draw(
                st.one_of(patterns, st.lists(patterns, min_size=1, max_size=3, unique=True))
            )
        if resources:
            targets = [*resources, *(f"{r}/*" for r in resources if r.startswith("arn:aws:s3"))]
            stmt["Resource"] = draw(st.sampled_from(targets))
        else:
            stmt["Resource"] = draw(st.one_of(st.just("*"), arns().filter(lambda a: "/" in a)))
            if kind != "resource" and draw(st.integers(0, 5)) == 0:
                stmt["NotResource"] = stmt.pop("Resource")
    if draw(st.integers(0, 2)) == 0:
        stmt["Condition"] = draw(conditions())
    return stmt


@st.composite
def policies(
    draw: st.DrawFn,
    kind: str = "identity",
    *,
    resources: Sequence[str] | None = None,
    accounts: Sequence[str] | None = None,
    max_statements: int = 3,
) -> dict[str, Any]:
    """A policy document valid for `kind`: "identity", "trust", "resource", "scp", "rcp",
    "boundary" or "session" (`Policy.from_json(p, kind=kind)` accepts it)."""
    stmts = draw(
        st.lists(
            statements(kind, resources=resources, accounts=accounts),
            min_size=1,
            max_size=max_statements,
        )
    )
    seen: set[str] = set()
    for stmt in stmts:  # IAM requires each Sid to be unique within a policy
        if stmt.get("Sid") in seen:
            del stmt["Sid"]
        elif "Sid" in stmt:
            seen.add(stmt["Sid"])
    return {"Version": "2012-10-17", "Statement": stmts}


# --------------------------------------------------------------------------- worlds

_USERS = ("alice", "bob", "carol")
_ROLES = ("app", "deploy", "audit")


@st.composite
def world_documents(draw: st.DrawFn, *, organization: bool | None = None) -> dict[str, Any]:
    """A small valid world document (docs/world.md): one to three accounts, each with a
    few users, roles (trusting the world's accounts) and resources with policies; maybe
    an organization with an SCP and an RCP."""
    ids = draw(st.lists(st.sampled_from(ACCOUNTS[:3]), min_size=1, max_size=3, unique=True))
    accounts: dict[str, Any] = {}
    for n, account in enumerate(ids):
        body: dict[str, Any] = {}
        users = draw(st.lists(st.sampled_from(_USERS), max_size=2, unique=True))
        if users:
            body["users"] = {}
        for user in users:
            spec: dict[str, Any] = {
                "policies": draw(st.lists(policies("identity", max_statements=2), max_size=2))
            }
            if draw(st.integers(0, 3)) == 0:
                spec["permissions_boundary"] = draw(policies("boundary", max_statements=1))
            if draw(st.booleans()):
                spec["tags"] = {"team": draw(st.sampled_from(("blue", "red")))}
            body["users"][user] = spec
        roles = draw(st.lists(st.sampled_from(_ROLES), max_size=2, unique=True))
        if roles:
            body["roles"] = {}
        for role in roles:
            body["roles"][role] = {
                "trust_policy": draw(policies("trust", accounts=ids, max_statements=2)),
                "policies": draw(st.lists(policies("identity", max_statements=2), max_size=1)),
            }
        resources: dict[str, Any] = {}
        for service in draw(st.lists(st.sampled_from(("s3", "sqs")), max_size=2, unique=True)):
            arn = (
                f"arn:aws:s3:::bucket-{n}"
                if service == "s3"
                else f"arn:aws:sqs:us-east-1:{account}:queue-{n}"
            )
            spec = {}
            if draw(st.booleans()):
                spec["policy"] = draw(
                    policies("resource", resources=[arn], accounts=ids, max_statements=2)
                )
            resources[arn] = spec
        if resources:
            body["resources"] = resources
        accounts[account] = body
    doc: dict[str, Any] = {"accounts": accounts}
    if organization is None:
        organization = draw(st.booleans())
    if organization:
        management = "999999999999"
        accounts[management] = {}
        org_policies: dict[str, Any] = {}
        work: dict[str, Any] = {"accounts": ids}
        if draw(st.booleans()):
            org_policies["Guard"] = draw(policies("scp", max_statements=2))
            work["scps"] = ["FullAWSAccess", "Guard"]
        if draw(st.booleans()):
            org_policies["Perimeter"] = draw(policies("rcp", max_statements=1))
            work["rcps"] = ["Perimeter"]
        doc["organization"] = {
            "id": "o-aaaaaaaaaa",
            "management_account": management,
            "policies": org_policies,
            "root": {"accounts": [management], "ous": {"Work": work}},
        }
    return doc


def worlds(*, organization: bool | None = None) -> st.SearchStrategy[World]:
    """A small valid `World` (built from `world_documents`)."""
    return world_documents(organization=organization).map(World.from_dict)


# ------------------------------------------------------------------------- requests


def _world_policies(world: World) -> Iterator[Policy]:
    def own(spec: object) -> Iterator[Policy]:
        if isinstance(spec, Policy):
            yield spec
        elif isinstance(spec, NamedPolicy):
            yield spec.policy

    for account in world.accounts:
        for _, policy in account.policies:
            yield policy
        for user in account.users:
            for spec in (*user.policies, user.permissions_boundary):
                yield from own(spec)
        for group in account.groups:
            for spec in group.policies:
                yield from own(spec)
        for role in account.roles:
            for spec in (role.trust_policy, *role.policies, role.permissions_boundary):
                yield from own(spec)
        for resource in account.resources:
            yield from own(resource.policy)
    if world.organization is not None:
        for _, policy in world.organization.policies:
            yield policy


def _statements(world: World) -> Iterator[Statement]:
    for policy in _world_policies(world):
        if isinstance(policy.statements, tuple | list):
            yield from (s for s in policy.statements if isinstance(s, Statement))


def _listed(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list):
        return [v for v in value if isinstance(v, str)]
    return []


def _literal(text: str) -> bool:
    return "*" not in text and "?" not in text and "${" not in text


def _named_actions(world: World) -> list[str]:
    found = {a for s in _statements(world) for a in _listed(s.action) if _literal(a) and ":" in a}
    return sorted(found)


def _named_resources(world: World) -> list[str]:
    found = {r.arn for a in world.accounts for r in a.resources}
    found |= {
        r for s in _statements(world) for r in _listed(s.resource) if _literal(r) and r != "*"
    }
    return sorted(found)


def _condition_values(world: World) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for stmt in _statements(world):
        for entry in stmt.condition or ():
            if not isinstance(entry.key, str) or "${" in entry.key:
                continue
            values = [str(v).lower() if isinstance(v, bool) else str(v) for v in entry.values]
            out.setdefault(entry.key, []).extend(
                v.replace("*", "x").replace("?", "x") for v in values if "${" not in v
            )
    return {k: sorted(set(v)) for k, v in sorted(out.items())}


@st.composite
def contexts(draw: st.DrawFn, world: World, *, prefix: str = "") -> dict[str, Any]:
    """Request context: keys the world's conditions read (those starting with `prefix`),
    with the values they compare against (or others), so that a property meets each
    condition both ways."""
    found = {k: v for k, v in _condition_values(world).items() if k.startswith(prefix)}
    if not found:
        return {}
    context: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(sorted(found)), max_size=3, unique=True)):
        # Only values AWS could send for the key (a documented key has a type; a pattern
        # such as `arn:aws:iam::*:role/x` is no ARN a request carries).
        pool = [v for v in (*found[key], _other(key)) if value_problem(key, v) is None]
        if pool:
            context[key] = draw(st.sampled_from(pool))
    return context


# A value of each documented key type that no generated condition names.
_OTHERS = {
    "arn": "arn:aws:iam::999999999999:user/other",
    "numeric": "-1",
    "date": "2000-01-01T00:00:00Z",
    "bool": "false",
    "ipaddress": "198.51.100.1",
}


def _other(key: str) -> str:
    """A value of `key`'s documented type that the world's conditions do not name."""
    return _OTHERS.get((condition_key_type(key) or "").lower(), "other")


def _callers(world: World) -> list[str]:
    out: list[str] = []
    for account in world.accounts:
        out += [u.arn for u in account.users]
        for role in account.roles:
            out += [
                role.arn,
                role.arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/s1",
            ]
    return out


@st.composite
def requests(
    draw: st.DrawFn,
    world: World,
    *,
    kind: str | None = None,
    callers: st.SearchStrategy[str] | None = None,
) -> dict[str, Any]:
    """A request record (`iamsim.expectations`) to ask `world`: callers, roles, actions,
    resources and context values taken from the world.

    `kind` is "simulate" or "assume_role" (default: either, when the world has roles);
    `callers` replaces the world's own principals (for example `arns(service="iam")`).
    """
    known = _callers(world)
    if not known:  # an account's root user is always there
        known = [f"arn:aws:iam::{a.id}:root" for a in world.accounts] or [
            f"arn:aws:iam::{ACCOUNTS[0]}:root"
        ]
    who = callers if callers is not None else st.sampled_from(known)
    roles = [r.arn for a in world.accounts for r in a.roles]
    if kind is None:
        kind = draw(st.sampled_from(("simulate", "assume_role"))) if roles else "simulate"
    if kind == "assume_role":
        if not roles:
            raise ValueError("requests(kind='assume_role'): the world has no roles")
        record: dict[str, Any] = {
            "caller": draw(who),
            "role_arn": draw(st.sampled_from(roles)),
            "session_name": draw(st.sampled_from(("s1", "ci-run"))),
        }
        ids = [  # those STS takes as an external ID
            v
            for v in _condition_values(world).get("sts:ExternalId", [])
            if 2 <= len(v) <= 1224 and _EXTERNAL_ID.fullmatch(v)
        ]
        if ids and draw(st.booleans()) is True:
            record["external_id"] = draw(st.sampled_from(ids))
        return record
    named = _named_actions(world)
    resources = _named_resources(world) or ["*"]
    resource = draw(st.sampled_from(resources))
    if resource.startswith("arn:aws:s3:::") and "/" not in resource and draw(st.booleans()):
        resource += "/" + draw(st.sampled_from(("report.csv", "a/b.txt")))
    record = {
        "caller": draw(who),
        "action": draw(st.sampled_from(named) if named else actions()),
        "resource": resource,
    }
    context = draw(contexts(world))
    if context:
        record["context"] = context
    return record
