"""Typos that AWS accepts silently: an action or a condition key no service documents.

IAM stores a policy that names `s3:GetObjet` or the key `aws:RequestRegion` without a word
("IAM JSON policy elements: Action": IAM does not check that an action exists; the policy
simply never matches it), so such a statement grants or denies nothing, quietly. iamsim
checks every name against AWS's service reference (`iamsim.reference`) and reports what no
service documents as a `Problem` with a "did you mean": the world and the command line turn
them into `IamsimWarning`s, or errors with `strict=True` / `--strict`.

What is not checked, to never warn on a real name: a service prefix the reference does not
know in a condition key (services document keys the table may lack), an action of a retired
service or a retired action (AWS's older managed policies still name them), and `*`.

Each policy is checked once (memoized on the frozen `Policy`), never per request.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Iterable, Mapping

from iamsim.errors import IamsimWarning, Problem, join_path
from iamsim.model import Policy, Statement
from iamsim.reference import (
    action_known,
    condition_key_type,
    service_name,
    suggest_action,
    suggest_condition_key,
)

__all__ = [
    "action_problem",
    "context_problems",
    "key_problem",
    "policy_typos",
    "warn_problems",
]

_WILDCARD = re.compile(r"[*?]")
# A key whose prefix is a service this table knows (or `aws`) is checked; others are not.
_KEY = re.compile(r"([A-Za-z0-9-]+):(.+)", re.DOTALL)


def _hint(choices: Iterable[str]) -> str | None:
    """ "did you mean" with the closest documented name (the reference ranks them)."""
    for choice in choices:
        return f"did you mean `{choice}`?"
    return None


@functools.lru_cache(maxsize=4096)
def action_problem(action: str, path: str = "") -> Problem | None:
    """The problem with one action name (a wildcard pattern too), or None when AWS documents
    it, it is `*`, or its text is not `service:Action` (the grammar reports that)."""
    if not isinstance(action, str) or action == "*" or ":" not in action:
        return None
    prefix = action.partition(":")[0]
    known = action_known(action)
    if known is None:
        if _WILDCARD.search(prefix) or not prefix:
            return None
        return Problem(
            "typo.service",
            path,
            f"unknown service prefix `{prefix}` in action `{action}`: AWS's service reference "
            "lists no such service",
            _hint(suggest_action(action)),
        )
    if known:
        return None
    if _WILDCARD.search(action):
        # Suggest from the literal part: `s3:GetObjet*` → `s3:GetObject*`.
        literal = _WILDCARD.sub("", action)
        tail = "*" if action.endswith("*") else ""
        close = [s + tail for s in suggest_action(literal)]
        return Problem(
            "typo.action",
            path,
            f"`{action}` matches no action of {service_name(prefix) or prefix}",
            _hint(close),
        )
    return Problem(
        "typo.action",
        path,
        f"unknown action `{action}`: {service_name(prefix) or prefix} documents no such action",
        _hint(suggest_action(action)),
    )


@functools.lru_cache(maxsize=4096)
def key_problem(key: str, path: str = "") -> Problem | None:
    """The problem with one condition key, or None when it is documented (a tag-key pattern
    such as `aws:ResourceTag/team` included) or belongs to a service the table does not know."""
    if not isinstance(key, str):
        return None
    issuer, colon, claim = key.partition(":")
    if colon and claim and "." in issuer:
        # A web identity key, `ISSUER:claim` (token.actions.githubusercontent.com:sub, an EKS
        # issuer with its path): its claims are the provider's, not the service reference's.
        return None
    found = _KEY.fullmatch(key)
    if found is None:
        return Problem(
            "typo.condition_key",
            path,
            f"`{key}` is not a condition key: a key is `service:Name` (such as aws:SourceIp)",
            None,
        )
    prefix = found.group(1).lower()
    if prefix != "aws" and service_name(prefix) is None:
        return None
    if condition_key_type(key) is not None:
        return None
    owner = (
        "global condition key" if prefix == "aws" else f"condition key of {service_name(prefix)}"
    )
    return Problem(
        "typo.condition_key",
        path,
        f"unknown condition key `{key}`: AWS documents no such {owner}, so the request never "
        "carries it",
        _hint(suggest_condition_key(key)),
    )


def _element(value: object, path: str) -> Iterable[tuple[str, str]]:
    """(action, path) for each item of an Action or NotAction element."""
    if isinstance(value, str):
        yield value, path
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            if isinstance(item, str):
                yield item, f"{path}[{i}]"


def _statement(stmt: Statement, path: str) -> Iterable[Problem]:
    for name, value in (("Action", stmt.action), ("NotAction", stmt.not_action)):
        for action, where in _element(value, join_path(path, name)):
            problem = action_problem(action, where)
            if problem is not None:
                yield problem
    seen: set[str] = set()
    for entry in stmt.condition or ():
        key = entry.key
        if key.lower() in seen:
            continue
        seen.add(key.lower())
        problem = key_problem(key, join_path(path, f"Condition.{entry.operator}.{key}"))
        if problem is not None:
            yield problem


@functools.lru_cache(maxsize=4096)
def policy_typos(policy: Policy) -> tuple[Problem, ...]:
    """Every unknown action and condition key of a policy, with its JSON path in the policy
    (`Statement[0].Action[1]`), in document order."""
    out: list[Problem] = []
    statements = policy.statements if isinstance(policy.statements, tuple) else ()
    single = not policy.statement_is_list and len(statements) == 1
    for i, stmt in enumerate(statements):
        if isinstance(stmt, Statement):
            out.extend(_statement(stmt, "Statement" if single else f"Statement[{i}]"))
    return tuple(out)


def context_problems(context: Mapping[str, object], path: str = "context") -> list[Problem]:
    """The unknown condition keys of a request's context, each at `context['KEY']` (or, for
    a command-line option such as `--context`, at `--context KEY`)."""
    out = []
    for key in context:
        where = f"{path} {key}" if path.startswith("--") else f"{path}[{key!r}]"
        problem = key_problem(key, where)
        if problem is not None:
            out.append(problem)
    return out


def warn_problems(problems: Iterable[Problem], *, stacklevel: int = 2) -> None:
    """Each problem as an `IamsimWarning` (one line: where, what, did you mean)."""
    for problem in problems:
        warnings.warn(IamsimWarning(problem.line()), stacklevel=stacklevel + 1)
