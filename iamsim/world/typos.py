"""The typos of a world's own policies (`iamsim.parse.typos`), each located by its path in
the world document, reported as `IamsimWarning`s or, with `strict=True`, as one
`WorldError` listing them all.

AWS managed policies named by ARN are AWS's own and not checked: some of them name actions
the service reference does not document (tests/unit/test_typos.py lists them)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from iamsim.conditions.requests import checked_context
from iamsim.errors import Problem, ValidationError, WorldError
from iamsim.model import Policy
from iamsim.parse.typos import action_problem, context_problems, policy_typos, warn_problems
from iamsim.request import Context
from iamsim.world.gather import REQUEST_ACTION
from iamsim.world.model import Account, Group, Organization, Role, User

__all__ = ["checked_request_context", "report_typos", "request_typos", "world_typos"]


def _policies(account: Account) -> Iterator[tuple[str, object]]:
    base = f"accounts.{account.id}"
    for name, policy in account.policies:
        yield f"{base}.policies.{name}", policy
    entities: tuple[tuple[str, tuple[User | Group | Role, ...]], ...] = (
        ("users", account.users),
        ("groups", account.groups),
        ("roles", account.roles),
    )
    for kind, members in entities:
        for entity in members:
            path = f"{base}.{kind}.{entity.name}"
            if isinstance(entity, Role):
                yield f"{path}.trust_policy", entity.trust_policy
            for i, attached in enumerate(entity.policies):
                yield f"{path}.policies[{i}]", attached
            yield f"{path}.permissions_boundary", getattr(entity, "permissions_boundary", None)
    for resource in account.resources:
        yield f"{base}.resources.{resource.arn}.policy", resource.policy


def world_typos(accounts: Iterable[Account], organization: Organization | None) -> list[Problem]:
    """Every unknown action and condition key in the world's own documents, in order."""
    out: list[Problem] = []
    located: list[tuple[str, object]] = []
    if organization is not None:
        located += [(f"organization.policies.{n}", p) for n, p in organization.policies]
    for account in accounts:
        located += _policies(account)
    for path, policy in located:
        if isinstance(policy, Policy):
            out += [problem.under(path) for problem in policy_typos(policy)]
    return out


def report_typos(
    accounts: Iterable[Account],
    organization: Organization | None,
    *,
    strict: bool,
    source: str = "",
) -> None:
    """Warn about each typo (`source`, a file name, starts each line), or with `strict`
    raise one `WorldError` listing them all."""
    problems = world_typos(accounts, organization)
    if source:
        problems = [_in_file(p, source) for p in problems]
    if strict and problems:
        raise WorldError(problems)
    warn_problems(problems, stacklevel=3)


def _in_file(problem: Problem, source: str) -> Problem:
    """The problem with the file it is in before its path (`org.yaml: accounts.…`)."""
    return Problem(problem.code, f"{source}: {problem.path}", problem.message, problem.hint)


def request_typos(action: object, context: object, *, strict: bool) -> None:
    """Warn about a request's unknown action and context keys, or with `strict` raise one
    `ValidationError` naming them all. Ill-typed values are left to the request's checks."""
    problems: list[Problem] = []
    if isinstance(action, str) and REQUEST_ACTION.fullmatch(action):  # else the request's error
        found = action_problem(action, "action")
        if found is not None:
            problems.append(found)
    if isinstance(context, Mapping):
        problems += context_problems(context)
    if not problems:
        return
    if strict:
        raise ValidationError("; ".join(p.line() for p in problems))
    warn_problems(problems, stacklevel=3)


def checked_request_context(context: Mapping[str, object] | Context) -> Context | None:
    """`checked_context` (the values' types), then a warning for each key AWS does not
    document; run where a request's own context is read once, so a request without
    context pays nothing."""
    checked = checked_context(context)
    if checked is not None:
        keys = context.to_dict() if isinstance(context, Context) else context
        warn_problems(context_problems(keys), stacklevel=4)
    return checked
