"""Hypothesis strategies and targets shared by the fuzz tests and `benchmarks/fuzz_long.py`.

Each target takes one generated input and runs it through the library; it returns
normally or raises `IamsimError`. Anything else escaping a target is a bug. Work is
bounded by input size (every collection has a `max_size`), never by the clock: the
suite runs few examples, the long run many, with a per-input alarm.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import strategies as st

import iamsim
from iamsim.cli import main
from iamsim.errors import IamsimError

# ------------------------------------------------------------------------ plain values

ACCOUNTS = ["111111111111", "222222222222", "333333333333", "011111111111", "12345", ""]
ARNS = [
    "arn:aws:iam::111111111111:user/alice",
    "arn:aws:iam::222222222222:role/CrossAccountS3Reader",
    "arn:aws:sts::222222222222:assumed-role/CrossAccountS3Reader/dev",
    "arn:aws:iam::111111111111:root",
    "arn:aws:iam::111111111111:group/g",
    "arn:aws:s3:::prod-bucket",
    "arn:aws:s3:::prod-bucket/report.csv",
    "arn:aws:kms:us-east-1:222222222222:key/k",
    "arn:aws:sqs:us-east-1:222222222222:q",
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::*:role/*",
    "arn:aws:iam:::role/x",
    "arn:aws:s3:::",
    "arn:",
    "*",
]
WORDS = [
    "anonymous",
    "sns.amazonaws.com",
    "s3.amazonaws.com",
    "sts:AssumeRole",
    "sts:TagSession",
    "sts:GetCallerIdentity",
    "s3:GetObject",
    "s3:*",
    "kms:Decrypt",
    "iam:PassRole",
    "2012-10-17",
    "2008-10-17",
    "${aws:username}",
    "${",
    "Allow",
    "Deny",
    "aws:SourceIp",
    "aws:PrincipalTag/team",
    "sts:ExternalId",
    "203.0.113.0/24",
    "2026-06-15T12:45:00Z",
    "my-secret-123",
    "o-a1b2c3d4e5",
    "r-root",
    "true",
    "null",
    "",
    " ",
    "\x00",
    "\n",
    "é",
    "\ud7ff",
    "-",
    "--",
]
POLICY_KEYS = [
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "CanonicalUser",
]
OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringEqualsIgnoreCase",
    "ArnLike",
    "ArnEquals",
    "IpAddress",
    "NotIpAddress",
    "NumericLessThan",
    "NumericEquals",
    "DateGreaterThan",
    "DateLessThanEquals",
    "Bool",
    "BinaryEquals",
    "Null",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringLike",
    "StringEqualsIfExists",
    "ForAllValues:NumericLessThanIfExists",
    "Bogus",
]
WORLD_KEYS = [
    "accounts",
    "organization",
    "alias",
    "policies",
    "users",
    "groups",
    "roles",
    "resources",
    "scps",
    "rcps",
    "trust_policy",
    "policy",
    "tags",
    "path",
    "permissions_boundary",
    "max_session_duration",
    "account",
    "id",
    "root",
    "ous",
    "management_account",
    "feature_set",
]

ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "sts:AssumeRole",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:GetCallerIdentity",
    "kms:Decrypt",
    "iam:PassRole",
    "ec2:RunInstances",
    "sqs:SendMessage",
    "sns:Publish",
    "lambda:InvokeFunctionUrl",
]
ACTION_PATTERNS = [*ACTIONS, "*", "s3:*", "s3:Get*", "sts:Assume?ole", "S3:getobject"]
RESOURCES = [
    "*",
    "arn:aws:s3:::prod-bucket",
    "arn:aws:s3:::prod-bucket/report.csv",
    "arn:aws:s3:::prod-bucket/*",
    "arn:aws:s3:::other/${aws:username}/*",
    "arn:aws:iam::222222222222:role/CrossAccountS3Reader",
    "arn:aws:iam::222222222222:role/*",
    "arn:aws:kms:us-east-1:222222222222:key/k",
    "arn:aws:sqs:us-east-1:222222222222:q",
    "arn:aws:ec2:us-east-1:111111111111:instance/*",
]
CALLERS = [
    "arn:aws:iam::111111111111:user/alice",
    "arn:aws:iam::111111111111:user/bob",
    "arn:aws:iam::333333333333:user/carol",
    "arn:aws:iam::222222222222:role/CrossAccountS3Reader",
    "arn:aws:sts::222222222222:assumed-role/CrossAccountS3Reader/dev",
    "arn:aws:iam::111111111111:root",
    "anonymous",
    "sns.amazonaws.com",
    "s3.amazonaws.com",
]
CONDITION_KEYS = [
    "aws:SourceIp",
    "aws:PrincipalTag/team",
    "aws:RequestTag/team",
    "aws:TagKeys",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:SecureTransport",
    "aws:username",
    "sts:ExternalId",
    "sts:RoleSessionName",
    "sts:SourceIdentity",
    "sts:TransitiveTagKeys",
    "s3:prefix",
    "kms:CallerAccount",
]
CONDITION_VALUES = [
    "203.0.113.0/24",
    "2001:db8::/32",
    "blue",
    "team*",
    "true",
    "false",
    "2026-06-15T12:45:00Z",
    "1781527500",
    "3600",
    "o-a1b2c3d4e5",
    "111111111111",
    "my-secret-123",
    "arn:aws:iam::111111111111:user/*",
    "${aws:username}",
    "QmluYXJ5",
]

text = st.text(max_size=24)
words = st.sampled_from(WORDS + ARNS + ACCOUNTS + POLICY_KEYS + OPERATORS + WORLD_KEYS)
word_or_text = st.one_of(words, text, words.map(lambda w: w + "*"), words.map(lambda w: w.upper()))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    word_or_text,
)
# Python values a document never holds but a caller may still pass.
odd_scalars = st.one_of(
    st.binary(max_size=8),
    st.datetimes(),
    st.dates(),
    st.sets(st.integers(), max_size=3),
    st.just(object()),
    st.complex_numbers(max_magnitude=10),
)


def junk(max_leaves: int = 12, odd: bool = True) -> st.SearchStrategy[Any]:
    """Nested lists and mappings of anything, keys mostly policy- or world-like."""
    leaves = st.one_of(scalars, odd_scalars) if odd else scalars
    keys = st.one_of(words, text)
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(keys, inner, max_size=4),
            st.tuples(inner, inner) if odd else st.lists(inner, max_size=2),
        ),
        max_leaves=max_leaves,
    )


json_junk = junk(odd=False)


def rare(draw: st.DrawFn, n: int) -> bool:
    """True about once in `n + 1` draws. (Hypothesis favours the ends of a range, so the
    rare value is one in the middle.)"""
    return bool(draw(st.integers(0, n)) == 3)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`good` most of the time, else `bad`: inputs that get past the first check."""
    return st.integers(0, 6).flatmap(lambda i: bad if i == 3 else good)


# --------------------------------------------------------------------------- policies


def _one_or_list(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(values, st.lists(values, max_size=3))


good_principals = st.one_of(
    st.just("*"),
    st.fixed_dictionaries(
        {},
        optional={
            "AWS": _one_or_list(
                st.sampled_from(
                    ["*", "111111111111", "arn:aws:iam::111111111111:root", *CALLERS[:5]]
                )
            ),
            "Service": _one_or_list(st.sampled_from(["sns.amazonaws.com", "s3.amazonaws.com"])),
            "Federated": st.just("cognito-identity.amazonaws.com"),
        },
    ),
)
principal_values = mostly(
    good_principals,
    st.one_of(
        st.dictionaries(
            st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "aws", "X"]),
            _one_or_list(word_or_text),
            max_size=3,
        ),
        json_junk,
    ),
)
condition_scalars = st.one_of(
    st.sampled_from(CONDITION_VALUES), st.booleans(), st.integers(-5, 10**6), text
)
condition_values = mostly(
    st.dictionaries(
        st.sampled_from(OPERATORS),
        st.dictionaries(
            st.sampled_from(CONDITION_KEYS), _one_or_list(condition_scalars), max_size=2
        ),
        max_size=2,
    ),
    st.dictionaries(
        st.one_of(st.sampled_from(OPERATORS), text),
        st.one_of(
            st.dictionaries(
                st.one_of(words, text), _one_or_list(st.one_of(scalars, json_junk)), max_size=3
            ),
            json_junk,
        ),
        max_size=3,
    ),
)
actions_in_policies = _one_or_list(mostly(st.sampled_from(ACTION_PATTERNS), word_or_text))
resources_in_policies = _one_or_list(mostly(st.sampled_from(RESOURCES), word_or_text))
statement_values: dict[str, st.SearchStrategy[Any]] = {
    "Sid": mostly(st.sampled_from(["S1", "S2", "Deny1"]), word_or_text),
    "Effect": mostly(st.sampled_from(["Allow", "Deny"]), st.sampled_from(["allow", "", "Maybe"])),
    "Principal": principal_values,
    "NotPrincipal": principal_values,
    "Action": actions_in_policies,
    "NotAction": actions_in_policies,
    "Resource": resources_in_policies,
    "NotResource": resources_in_policies,
    "Condition": condition_values,
}
USUAL_KEYS = ["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]


@st.composite
def statements(draw: st.DrawFn) -> Any:
    """A statement-like mapping: policy keys with plausible values, some junk, some missing."""
    if not rare(draw, 6):  # the usual shape: Effect, Action, Resource, maybe more
        more = draw(st.lists(st.sampled_from(USUAL_KEYS), max_size=3, unique=True))
        keys = ["Effect", "Action", "Resource", *more]
    else:
        keys = draw(st.lists(st.sampled_from(sorted(statement_values)), max_size=7, unique=True))
    out: dict[Any, Any] = {}
    for key in keys:
        out[key] = draw(json_junk if rare(draw, 15) else statement_values[key])
    if rare(draw, 9):
        out[draw(st.one_of(words, text))] = draw(json_junk)
    return out


@st.composite
def policy_docs(draw: st.DrawFn) -> Any:
    """A policy-like mapping (sometimes not a mapping at all)."""
    if rare(draw, 15):
        return draw(junk())
    doc: dict[Any, Any] = {}
    if not rare(draw, 6):
        doc["Version"] = draw(
            mostly(st.just("2012-10-17"), st.sampled_from(["2008-10-17", "", "2012-10-18"]))
        )
    if rare(draw, 6):
        doc["Id"] = draw(scalars)
    if not rare(draw, 10):
        doc["Statement"] = draw(
            mostly(
                st.one_of(statements(), st.lists(statements(), min_size=1, max_size=3)),
                st.one_of(st.lists(statements(), max_size=3), json_junk),
            )
        )
    if rare(draw, 10):
        doc[draw(st.one_of(words, text))] = draw(json_junk)
    return doc


def _mutated(data: str, draw: st.DrawFn) -> str:
    """`data` with a slice cut, doubled or replaced: text that is almost right."""
    if not data:
        return data
    i = draw(st.integers(0, len(data)))
    j = draw(st.integers(i, min(len(data), i + 20)))
    filler = draw(
        st.sampled_from(
            ["", "{", "}", "[", "]", '"', ",", ":", "\\", "\\u", "1e999", "NaN", "\x00"]
        )
    )
    return data[:i] + filler + data[j:] if draw(st.booleans()) else data[:j] + data[i:]


@st.composite
def policy_texts(draw: st.DrawFn) -> Any:
    """Policy text and bytes: JSON of policy-like documents, mutated, or arbitrary."""
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return draw(st.binary(max_size=200))
    if choice == 1:
        return draw(st.text(max_size=200))
    doc = json.dumps(draw(policy_docs()), default=repr)
    if choice == 2:
        return doc
    mutated = _mutated(doc, draw)
    return mutated.encode("utf-8", "surrogatepass") if choice == 4 else mutated


KINDS = [None, "identity", "resource", "trust", "boundary", "session", "scp", "rcp"]


def policy_target(document: Any, kind: Any) -> None:
    """Parse, then use what parsed: round-trip, compile, render."""
    policy = iamsim.Policy.from_json(document, kind=kind)
    again = iamsim.Policy.from_json(policy.to_dict(), kind=kind)
    assert again == policy, (policy, again)
    policy.compile()
    policy.to_json()
    policy._repr_html_()


# ----------------------------------------------------------------------------- worlds


@st.composite
def entity_docs(draw: st.DrawFn, kind: str) -> Any:
    doc: dict[Any, Any] = {}
    if draw(st.booleans()):
        doc["policies"] = draw(
            st.one_of(
                st.lists(st.one_of(policy_docs(), word_or_text), max_size=2),
                json_junk,
            )
        )
    if kind == "roles" and not rare(draw, 6):
        doc["trust_policy"] = draw(st.one_of(policy_docs(), word_or_text))
    if kind == "resources" and draw(st.booleans()):
        doc["policy"] = draw(policy_docs())
    if rare(draw, 6):
        doc[draw(st.sampled_from(WORLD_KEYS))] = draw(json_junk)
    return doc


@st.composite
def world_docs(draw: st.DrawFn) -> Any:
    """A world-like mapping: accounts with entities and policies, maybe an organization."""
    if rare(draw, 15):
        return draw(junk())
    accounts: dict[Any, Any] = {}
    for account in draw(st.lists(st.one_of(st.sampled_from(ACCOUNTS), text), max_size=2)):
        body: dict[Any, Any] = {}
        for kind in draw(
            st.lists(st.sampled_from(["users", "groups", "roles", "resources"]), max_size=2)
        ):
            names = st.one_of(st.sampled_from(["alice", "r", "b", *ARNS]), text)
            body[kind] = draw(st.dictionaries(names, entity_docs(kind), max_size=2))
        if draw(st.booleans()):
            body["policies"] = draw(st.dictionaries(word_or_text, policy_docs(), max_size=2))
        if rare(draw, 6):
            body[draw(st.sampled_from(WORLD_KEYS))] = draw(json_junk)
        accounts[account] = body
    doc: dict[Any, Any] = {"accounts": accounts}
    if rare(draw, 6):
        doc["organization"] = draw(
            st.one_of(
                st.fixed_dictionaries(
                    {
                        "id": word_or_text,
                        "management_account": st.one_of(st.sampled_from(ACCOUNTS), json_junk),
                        "root": st.fixed_dictionaries(
                            {},
                            optional={
                                "accounts": st.lists(st.sampled_from(ACCOUNTS), max_size=3),
                                "ous": st.dictionaries(text, json_junk, max_size=2),
                                "scps": json_junk,
                            },
                        ),
                    }
                ),
                json_junk,
            )
        )
    if rare(draw, 8):
        doc[draw(st.sampled_from(WORLD_KEYS))] = draw(json_junk)
    return doc


def _toml_key(key: Any) -> str:
    return json.dumps(str(key))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps("" if value is None else str(value))


def to_toml(doc: Any) -> str:
    """A document as TOML (inline tables; None as ""): not every value survives, on purpose."""
    if not isinstance(doc, dict):
        return f"x = {_toml_value(doc)}\n"
    return "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in doc.items())


YAML_BITS = [
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!timestamp ",
    "!!binary ",
    "!!map ",
    "!!seq ",
    "!!set ",
    "!!omap ",
    "!!str ",
    "!!null ",
    "!!python/object ",
    "&a ",
    "*a ",
    "<<: ",
    "? ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    "|\n",
    ">\n",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "\t",
    "\n  ",
    "2020-13-45",
    "0x",
    "0o7",
    ".inf",
    ".nan",
    "~",
    "'",
    '"',
]


@st.composite
def world_files(draw: st.DrawFn) -> tuple[str, str]:
    """(extension, text) of a world file: a world-like document in one format, maybe
    mutated, or text made of format tokens."""
    ext = draw(st.sampled_from([".json", ".yaml", ".yml", ".toml"]))
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return ext, draw(st.text(max_size=200))
    if choice == 1 and ext in (".yaml", ".yml"):
        parts = draw(st.lists(st.one_of(st.sampled_from(YAML_BITS), words, text), max_size=20))
        return ext, "".join(parts)
    doc = draw(world_docs())
    if ext == ".json":
        data = json.dumps(doc, default=repr)
    elif ext == ".toml":
        data = to_toml(doc)
    else:
        data = yaml.safe_dump(json.loads(json.dumps(doc, default=repr)))
    return ext, _mutated(data, draw) if choice >= 4 else data


def world_target(doc: Any) -> None:
    world = iamsim.World.from_dict(doc)
    world._repr_html_()
    for account in world.accounts:
        for user in account.users:
            _decide(world, user.arn, "s3:GetObject", "*")


def world_file_target(ext: str, data: str) -> None:
    """Write the text to a temporary file and load it."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "world" + ext)
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as file:
            file.write(data)
        iamsim.World.load(path)


# --------------------------------------------------------------------------- requests

DEMO = iamsim.World.demo()
NOW = dt.datetime(2026, 6, 15, 12, 45, tzinfo=dt.UTC)

callers = mostly(
    st.sampled_from(CALLERS), st.one_of(st.sampled_from(ARNS + WORDS), word_or_text, json_junk)
)
actions = mostly(st.sampled_from(ACTIONS), st.one_of(st.sampled_from(WORDS), word_or_text, scalars))
resources = mostly(
    st.sampled_from(RESOURCES), st.one_of(st.sampled_from(ARNS), word_or_text, scalars)
)
contexts = mostly(
    st.one_of(
        st.none(),
        st.dictionaries(
            st.sampled_from(CONDITION_KEYS),
            _one_or_list(condition_scalars),
            max_size=3,
        ),
    ),
    st.one_of(
        st.dictionaries(st.one_of(words, text), st.one_of(scalars, json_junk), max_size=3),
        json_junk,
    ),
)
moments = mostly(
    st.one_of(st.just(NOW), st.none()),
    st.one_of(st.datetimes(), st.datetimes(timezones=st.just(dt.UTC)), scalars),
)
good_tags = st.dictionaries(
    st.sampled_from(["team", "project", "Team", "aws:x"]),
    st.sampled_from(["blue", "reports", ""]),
    max_size=3,
)
tag_values = mostly(
    st.one_of(st.none(), good_tags),
    st.one_of(
        st.dictionaries(word_or_text, word_or_text, max_size=3),
        st.lists(
            st.one_of(
                st.fixed_dictionaries({"Key": word_or_text, "Value": word_or_text}),
                st.tuples(word_or_text, word_or_text),
                json_junk,
            ),
            max_size=3,
        ),
        json_junk,
    ),
)
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
assume_kwargs = st.fixed_dictionaries(
    {
        "role_arn": mostly(st.just(ROLE), st.one_of(st.sampled_from(ARNS), word_or_text, scalars)),
        "session_name": mostly(
            st.just("dev-session"),
            st.one_of(st.sampled_from(["a", "x" * 65]), word_or_text, scalars),
        ),
    },
    optional={
        "external_id": mostly(st.just("my-secret-123"), st.one_of(word_or_text, scalars)),
        "duration_seconds": mostly(
            st.sampled_from([900, 3600, 43200]), st.one_of(st.integers(), scalars)
        ),
        "policy": st.one_of(policy_docs(), policy_texts(), scalars),
        "policy_arns": mostly(
            st.lists(st.sampled_from(["arn:aws:iam::aws:policy/ReadOnlyAccess"]), max_size=2),
            st.one_of(
                st.lists(st.one_of(st.sampled_from(ARNS), word_or_text), max_size=3), json_junk
            ),
        ),
        "tags": tag_values,
        "transitive_tag_keys": mostly(
            st.lists(st.sampled_from(["team", "project"]), max_size=2),
            st.one_of(st.lists(word_or_text, max_size=3), json_junk),
        ),
        "source_identity": mostly(st.just("alice"), st.one_of(word_or_text, scalars)),
        "serial_number": mostly(
            st.just("arn:aws:iam::111111111111:mfa/alice"),
            st.one_of(st.sampled_from(ARNS), word_or_text, scalars),
        ),
        "token_code": mostly(st.just("123456"), st.one_of(word_or_text, scalars)),
        "context": contexts,
        "now": moments,
    },
)


def _decide(world: iamsim.World, caller: Any, action: Any, resource: Any, **kw: Any) -> None:
    decision = world.simulate(caller, action, resource, **kw)
    use_decision(decision)


def use_decision(decision: Any) -> None:
    """Everything a decision offers: explanations, renderings, fixes."""
    decision.explain()
    decision.to_dict()
    decision._repr_html_()
    if not decision.allowed:
        decision.suggest_fixes()


def simulate_target(caller: Any, action: Any, resource: Any, context: Any, now: Any) -> None:
    decision = DEMO.simulate(caller, action, resource, context, now=now)
    use_decision(decision)


def assume_role_target(caller: Any, kwargs: dict[str, Any]) -> None:
    kwargs = dict(kwargs)
    decision = DEMO.assume_role(
        caller, kwargs.pop("role_arn"), kwargs.pop("session_name"), **kwargs
    )
    use_decision(decision)
    session = decision.session
    if session is not None:  # the session may call again
        use_decision(DEMO.simulate(session, "s3:GetObject", "arn:aws:s3:::prod-bucket/x"))


# -------------------------------------------------------------------------------- CLI

OPTIONS = [
    "simulate",
    "assume-role",
    "demo",
    "--caller",
    "--action",
    "--resource",
    "--role-arn",
    "--role-session-name",
    "--external-id",
    "--duration-seconds",
    "--policy",
    "--policy-arns",
    "--tags",
    "--transitive-tag-keys",
    "--source-identity",
    "--serial-number",
    "--token-code",
    "--world",
    "--context",
    "--now",
    "--explain",
    "--suggest",
    "--output",
    "json",
    "text",
    "--no-color",
    "--help",
    "--version",
    "-h",
    "--",
    "-",
    "=",
    "Key=team,Value=blue",
    "aws:SourceIp=203.0.113.7",
    'aws:TagKeys=["a","b"]',
    '[{"Key": "k", "Value": "v"}]',
    "file://",
    "file:///dev/null",
    "@",
    '{"Version": "2012-10-17", "Statement": []}',
]


COMMON_OPTIONS: dict[str, list[str] | None] = {
    "--context": [
        "aws:SourceIp=203.0.113.7",
        'aws:TagKeys=["a","b"]',
        "aws:PrincipalTag/team=blue",
        "sts:ExternalId=my-secret-123",
        "aws:MultiFactorAuthPresent=true",
    ],
    "--now": ["2026-06-15T12:45:00Z", "2026-06-15", "1969-01-01"],
    "--explain": None,
    "--suggest": None,
    "--no-color": None,
    "--output": ["json", "text"],
}
ASSUME_OPTIONS: dict[str, list[str] | None] = {
    "--external-id": ["my-secret-123", "wrong-id"],
    "--duration-seconds": ["900", "3600", "99999"],
    "--policy": [
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", '
        '"Resource": "*"}}',
        '{"Version": "2012-10-17", "Statement": []}',
        "file:///dev/null",
    ],
    "--policy-arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn=x"],
    "--tags": ["Key=team,Value=blue", "team=blue", '[{"Key": "k", "Value": "v"}]'],
    "--transitive-tag-keys": ["team"],
    "--source-identity": ["alice"],
    "--serial-number": ["arn:aws:iam::111111111111:mfa/alice"],
    "--token-code": ["123456"],
}


@st.composite
def argvs(draw: st.DrawFn) -> list[str]:
    """Argument lists: mostly a call with valid options (each value usually sensible), or
    tokens in any order."""
    tokens = st.one_of(st.sampled_from(OPTIONS), st.sampled_from(WORDS + ARNS), text)
    if rare(draw, 6):
        return draw(st.lists(tokens, max_size=8))
    assume = draw(st.booleans())
    if assume:
        argv = [
            "assume-role",
            "--caller",
            draw(st.sampled_from(CALLERS[:5])),
            "--role-arn",
            draw(mostly(st.just(ROLE), st.sampled_from(ARNS))),
            "--role-session-name",
            draw(mostly(st.just("dev-session"), st.sampled_from(["a", "a b", "x" * 65]))),
        ]
    else:
        argv = [
            "simulate",
            "--caller",
            draw(st.sampled_from(CALLERS)),
            "--action",
            draw(mostly(st.sampled_from(ACTIONS), st.sampled_from(WORDS))),
            "--resource",
            draw(mostly(st.sampled_from(RESOURCES), st.sampled_from(ARNS))),
        ]
    options = {**COMMON_OPTIONS, **(ASSUME_OPTIONS if assume else {})}
    for option in draw(st.lists(st.sampled_from(sorted(options)), max_size=4, unique=True)):
        values = options[option]
        argv.append(option)
        if values is not None:
            argv.append(draw(mostly(st.sampled_from(values), tokens)))
    if rare(draw, 6):
        argv.insert(draw(st.integers(0, len(argv))), draw(tokens))
    return argv


def cli_target(argv: list[str]) -> tuple[int, str, str]:
    """Run the command line in-process; its exit code, stdout and stderr.

    Raise AssertionError for an exit code outside 0, 1, 2, or a traceback in the output.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    assert code in (0, 1, 2), (argv, code, err.getvalue())
    assert "Traceback" not in out.getvalue() + err.getvalue(), argv
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------- the campaigns

CAMPAIGNS: dict[str, tuple[st.SearchStrategy[Any], Callable[..., None]]] = {
    "policy-structure": (st.tuples(policy_docs(), st.sampled_from(KINDS)), policy_target),
    "policy-bytes": (st.tuples(policy_texts(), st.sampled_from(KINDS)), policy_target),
    "policy-junk": (st.tuples(junk(), st.one_of(st.sampled_from(KINDS), scalars)), policy_target),
    "world-dict": (st.tuples(world_docs()), world_target),
    "world-file": (world_files(), world_file_target),
    "simulate": (st.tuples(callers, actions, resources, contexts, moments), simulate_target),
    "assume-role": (st.tuples(callers, assume_kwargs), assume_role_target),
    "cli": (st.tuples(argvs()), cli_target),
}
"""name → (strategy of argument tuples, target called with them)."""


def run(target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Call a target; an IamsimError is an answer, anything else propagates."""
    with contextlib.suppress(IamsimError):
        target(*args)
