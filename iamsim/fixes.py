"""Fix suggestions: for each denial, the smallest change on that side that lets the request pass.

Every suggestion that changes the world or the call is verified: it is applied to
a copy of the world (`attrs.evolve`) or of the call, and the same call is
replayed; a change that does not remove its denial is not offered. Guardrails
(SCPs, RCPs) and service rules are reported with `apply = None` and who owns
them: they are not silently loosened.

How a fix is expressed:

- `apply(world) -> World`: a change to a policy (or an entity the world lacks);
- `request` with `request_for == "call"`: arguments of the denied call to change
  (`{"external_id": "my-secret-123"}`; for `simulate`, `{"context": {…}}`);
- `request` with `request_for == "session"`: arguments of the AssumeRole call that
  created the calling session (`{"policy": {…}}`, `{"policy_arns": […]}`): create
  the session again with them, then replay. `session_with(fixes, session)` gives
  the session that call would return.

Suggestions never widen beyond the request: a new statement names the caller,
the one action and the one resource of the request; an existing statement is
only extended (a principal, an action) when it names no wildcard.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.decision import Decision, Denial
from iamsim.errors import IamsimError
from iamsim.model import Policy
from iamsim.session import RoleSession

if TYPE_CHECKING:
    from iamsim.trace import ConditionTrace, PolicyTrace, StatementTrace
    from iamsim.world import World

__all__ = ["Fix", "apply_all", "replay", "session_with", "suggest_fixes"]

Apply = Callable[["World"], "World"]

# A made-up but well-formed MFA token for request fixes (STS wants six digits).
MFA_TOKEN = "123456"
_MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")
_WILD = ("*", "?", "${")


@attrs.frozen
class Fix:
    """One change that would remove one denial.

    Either `apply(world) -> World` makes the change in a copy of the world, or
    `request` names the call arguments to change (`{"external_id": "…"}`) —
    of the denied call (`request_for == "call"`) or of the AssumeRole call that
    created the calling session (`request_for == "session"`). A guardrail the
    user should not loosen has neither; its description says who owns it.
    """

    side: str
    policy_type: str
    account: str | None
    description: str
    change: Any
    apply: Apply | None = attrs.field(default=None, eq=False, repr=False)
    request: Mapping[str, Any] | None = None
    denial: Denial | None = attrs.field(default=None, eq=False, repr=False)
    request_for: str = "call"

    @property
    def guardrail(self) -> bool:
        """A report only: nothing to apply (SCP, RCP, service rule, unknown resource)."""
        return self.apply is None and self.request is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "policy_type": self.policy_type,
            "account": self.account,
            "description": self.description,
            "change": self.change,
            "applies_to_world": self.apply is not None,
            "request": None if self.request is None else dict(self.request),
            "request_for": self.request_for,
        }


# -- policy documents ----------------------------------------------------------------


def _doc(policy: Policy | None) -> dict[str, Any]:
    doc: dict[str, Any] = (
        {"Version": "2012-10-17", "Statement": []} if policy is None else policy.to_dict()
    )
    stmts = doc["Statement"]
    doc["Statement"] = list(stmts) if isinstance(stmts, list) else [stmts]
    return doc


def _with_statement(policy: Policy | None, statement: dict[str, Any]) -> Policy:
    doc = _doc(policy)
    doc["Statement"] = [*doc["Statement"], statement]
    return Policy.from_json(doc)


def _without_statement(policy: Policy, label: str) -> Policy | None:
    kept = tuple(s for i, s in enumerate(policy.statements) if s.label(i) != label)
    if not kept:
        return None
    return attrs.evolve(policy, statements=kept, statement_is_list=True)


def _has_statement(policy: Policy, label: str) -> bool:
    return any(s.label(i) == label for i, s in enumerate(policy.statements))


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _wild(values: Any) -> bool:
    return any(any(w in str(v) for w in _WILD) for v in _listed(values))


def _narrow_statement(raw: Mapping[str, Any], *, resource: bool) -> bool:
    """Whether a statement names no wildcard action or resource (extending it stays narrow)."""
    if "NotAction" in raw or "NotResource" in raw:
        return False
    if _wild(raw.get("Action")):
        return False
    return not (resource and _wild(raw.get("Resource")))


def _positive(operator: str) -> bool:
    op = operator.split(":")[-1].lower()
    return "not" not in op and (op.startswith("string") or op.startswith("arn"))


def _wanted_value(cond: ConditionTrace) -> str | None:
    """A concrete value that satisfies a positive string condition, if the policy names one."""
    if not _positive(cond.operator):
        return None
    return next((str(v) for v in cond.policy_values if not _wild(v)), None)


def _requires_key(cond: ConditionTrace) -> bool:
    """`Null: {key: false}`: the statement only wants the key to be present."""
    return cond.operator.lower() == "null" and [str(v).lower() for v in cond.policy_values] == [
        "false"
    ]


def _tag_dict(tags: Any) -> dict[str, str]:
    from iamsim.sts import _as_tags

    return dict(_as_tags(tags))


# -- the world -----------------------------------------------------------------------


def _edit_account(world: World, account_id: str, change: Callable[[Any], Any]) -> World:
    """A copy of the world with one account changed (created when the world lacks it)."""
    from iamsim.world.model import Account

    if world.account(account_id) is None:
        return attrs.evolve(world, accounts=(*world.accounts, change(Account(id=account_id))))
    return attrs.evolve(
        world,
        accounts=tuple(change(a) if a.id == account_id else a for a in world.accounts),
    )


def _resolve(world: World, account: str, spec: Any) -> Policy | None:
    if spec is None or isinstance(spec, Policy):
        return spec
    from iamsim.world.managed import AWS_MANAGED_PREFIX, aws_managed_policy

    if str(spec).startswith(AWS_MANAGED_PREFIX):
        return aws_managed_policy(str(spec))
    found = world.account(account)
    name = str(spec).rsplit("/", 1)[-1]
    return None if found is None else dict(found.policies).get(name)


class _Planner:
    """Builds the candidate fixes for one denial from the decision's call and world."""

    def __init__(self, decision: Decision, world: World, kind: str, call: dict[str, Any]) -> None:
        self.d = decision
        self.world = world
        self.kind = kind
        self.call = call
        caller = call.get("caller") if kind == "assume_role" else call.get("principal")
        self.session = caller if isinstance(caller, RoleSession) else None
        self.caller_arn = caller if isinstance(caller, str) else None

    # -- where the caller's policies live ---------------------------------------------

    def _principal_entity(self) -> Any:
        if self.session is not None:
            return self.world.role(self.session.role_arn)
        if self.caller_arn is None:
            return None
        if ":role/" in self.caller_arn:
            return self.world.role(self.caller_arn)
        if ":assumed-role/" in self.caller_arn:
            account = self.caller_arn.split(":")[4]
            name = self.caller_arn.split("/")[1]
            return next(
                (
                    r
                    for a in self.world.accounts
                    if a.id == account
                    for r in a.roles
                    if r.name == name
                ),
                None,
            )
        return self.world.user(self.caller_arn)

    def _principal_arn(self) -> str | None:
        entity = self._principal_entity()
        return None if entity is None else str(entity.arn)

    def _edit_entity(self, change: Callable[[Any], Any]) -> Apply | None:
        entity = self._principal_entity()
        if entity is None:
            return None
        arn, is_role = entity.arn, hasattr(entity, "trust_policy")

        def apply(world: World) -> World:
            current: Any = world.role(arn) if is_role else world.user(arn)
            return world.replace(current, change(current))

        return apply

    def _named(self) -> tuple[str, Any]:
        """How a resource-based policy names the caller: (words, Principal element)."""
        caller = self.d.caller
        if caller == "anonymous":
            return "anonymous callers", "*"
        if caller.endswith(".amazonaws.com"):
            return caller, {"Service": caller}
        principal = self._principal_arn() or caller
        return principal, {"AWS": principal}

    # -- candidates per denial -----------------------------------------------------------

    def candidates(self, denial: Denial) -> Iterator[Fix]:
        handler = getattr(self, f"_fix_{denial.policy_type}", None)
        if handler is None:
            return iter(())
        return (f for f in handler(denial) if f is not None)

    def _narrow(self, denial: Denial) -> dict[str, Any]:
        return {"Effect": "Allow", "Action": denial.action, "Resource": self.d.resource}

    def _fix_identity(self, denial: Denial) -> Iterator[Fix | None]:
        entity = self._principal_entity()
        if entity is None:
            yield self._unknown_caller(denial)
            return
        who = entity.arn
        if denial.explicit:
            yield self._remove_from_entity(denial, who)
            return
        statement = self._narrow(denial)
        yield Fix(
            "source",
            "identity",
            denial.account,
            f"Add to the identity policies of {who} a statement allowing "
            f"{denial.action} on {self.d.resource}.",
            statement,
            apply=self._edit_entity(
                lambda e: attrs.evolve(
                    e,
                    policies=(
                        *e.policies,
                        Policy.from_json({"Version": "2012-10-17", "Statement": [statement]}),
                    ),
                )
            ),
            denial=denial,
        )

    def _unknown_caller(self, denial: Denial) -> Fix | None:
        """A user of an account the world does not describe: describe it, with the grant."""
        from iamsim.world.model import User

        arn = self.caller_arn
        if arn is None or ":user/" not in arn:
            return None
        account = arn.split(":")[4]
        if self.world.account(account) is not None:
            return None
        statement = self._narrow(denial)
        policy = Policy.from_json({"Version": "2012-10-17", "Statement": [statement]})

        def apply(world: World) -> World:
            user = world.user(arn)
            if user is not None:
                return world.replace(user, attrs.evolve(user, policies=(*user.policies, policy)))
            return _edit_account(
                world, account, lambda a: attrs.evolve(a, users=(*a.users, User(arn, [policy])))
            )

        return Fix(
            "source",
            "identity",
            denial.account,
            f"The world does not describe account {account}: in it, {arn} needs an identity "
            f"policy allowing {denial.action} on {self.d.resource}.",
            {"add_user": arn, "statement": statement},
            apply=apply,
            denial=denial,
        )

    def _remove_from_entity(self, denial: Denial, who: str) -> Fix | None:
        entity = self._principal_entity()
        label = denial.statement or ""
        specs = list(entity.policies)
        index = next(
            (i for i, s in enumerate(specs) if isinstance(s, Policy) and _has_statement(s, label)),
            None,
        )
        if index is not None:

            def change(e: Any) -> Any:
                items = list(e.policies)
                smaller = _without_statement(items[index], label)
                items[index : index + 1] = [] if smaller is None else [smaller]
                return attrs.evolve(e, policies=tuple(items))

            return Fix(
                "source",
                "identity",
                denial.account,
                f"Remove or narrow the Deny statement {label} in the identity policies of "
                f"{who}: it explicitly denies {denial.action}.",
                {"remove_statement": label},
                apply=self._edit_entity(change),
                denial=denial,
            )
        # A customer managed policy of the account, attached by name or ARN.
        account = str(entity.account)
        named = self.world.account(account)
        names = dict(named.policies) if named is not None else {}
        for spec in specs:
            if isinstance(spec, Policy):
                continue
            name = str(spec).rsplit("/", 1)[-1]
            policy = names.get(name)
            if policy is None or not _has_statement(policy, label):
                continue

            if _without_statement(policy, label) is None:
                # The policy holds nothing but the Deny: detach it from this principal.
                def detach(e: Any, spec: Any = spec) -> Any:
                    return attrs.evolve(e, policies=tuple(p for p in e.policies if p != spec))

                return Fix(
                    "source",
                    "identity",
                    denial.account,
                    f"Detach the managed policy {name} from {who}: its only statement {label} "
                    f"explicitly denies {denial.action}.",
                    {"detach_policy": name},
                    apply=self._edit_entity(detach),
                    denial=denial,
                )

            def edit(world: World, name: str = name) -> World:
                def change(a: Any) -> Any:
                    items = dict(a.policies)
                    items[name] = _without_statement(items[name], label)
                    return attrs.evolve(a, policies=tuple(items.items()))

                return _edit_account(world, account, change)

            return Fix(
                "source",
                "identity",
                denial.account,
                f"Remove or narrow the Deny statement {label} in the managed policy {name} "
                f"attached to {who}: it explicitly denies {denial.action}.",
                {"policy": name, "remove_statement": label},
                apply=edit,
                denial=denial,
            )
        return None

    def _fix_boundary(self, denial: Denial) -> Iterator[Fix | None]:
        entity = self._principal_entity()
        if entity is None or entity.permissions_boundary is None:
            return
        statement = self._narrow(denial)

        def current(world: World, e: Any) -> Policy | None:
            return _resolve(world, e.account, e.permissions_boundary)

        def edit(change: Callable[[Policy | None], Policy]) -> Apply:
            arn, is_role = entity.arn, hasattr(entity, "trust_policy")

            def apply(world: World) -> World:
                e: Any = world.role(arn) if is_role else world.user(arn)
                return world.replace(
                    e, attrs.evolve(e, permissions_boundary=change(current(world, e)))
                )

            return apply

        if denial.explicit:
            label = denial.statement or ""
            yield Fix(
                "source",
                "boundary",
                denial.account,
                f"Remove or narrow the Deny statement {label} in the permissions boundary "
                f"of {entity.arn}: it explicitly denies {denial.action}.",
                {"remove_statement": label},
                apply=edit(
                    lambda p: (
                        (None if p is None else _without_statement(p, label))
                        or _with_statement(None, statement)
                    )
                ),
                denial=denial,
            )
            return
        yield Fix(
            "source",
            "boundary",
            denial.account,
            f"Widen the permissions boundary of {entity.arn} to allow {denial.action} on "
            f"{self.d.resource} (the boundary caps every identity grant).",
            statement,
            apply=edit(lambda p: _with_statement(p, statement)),
            denial=denial,
        )

    # -- session policies: a change to the AssumeRole call that created the session ------

    def _fix_session(self, denial: Denial) -> Iterator[Fix | None]:
        session = self.session
        if session is None:
            return
        inline = session.session_policies[0] if session.session_policies else None
        arns = list(session.session_policy_arns)
        where = f"when creating the session {session.arn} with AssumeRole on {session.role_arn}"
        if denial.explicit:
            label = denial.statement or ""
            if inline is not None and _has_statement(inline, label):
                smaller = _without_statement(inline, label)
                request: dict[str, Any] = {"policy": None if smaller is None else smaller.to_dict()}
                yield Fix(
                    "source",
                    "session",
                    denial.account,
                    f"Remove the Deny statement {label} from the session policy passed {where}: "
                    f"it explicitly denies {denial.action}.",
                    {"remove_statement": label},
                    request=request,
                    request_for="session",
                    denial=denial,
                )
            kept = [a for a in arns if denial.policy not in (a, a.rsplit("/", 1)[-1])]
            if len(kept) < len(arns):
                yield Fix(
                    "source",
                    "session",
                    denial.account,
                    f"Leave the managed session policy {denial.policy} out of the policy ARNs "
                    f"passed {where}: its {label} explicitly denies {denial.action}.",
                    {"remove_policy_arn": denial.policy},
                    request={"policy_arns": kept},
                    request_for="session",
                    denial=denial,
                )
            return
        statement = self._narrow(denial)
        widened = _with_statement(inline, statement)
        yield Fix(
            "source",
            "session",
            denial.account,
            f"Pass a session policy that also allows {denial.action} on {self.d.resource} "
            f"{where} (session policies only narrow the role's permissions).",
            statement,
            request={"policy": widened.to_dict()},
            request_for="session",
            denial=denial,
        )

    # -- the target side -------------------------------------------------------------------

    def _target_policy(self) -> tuple[str, Any]:
        if self.kind == "assume_role" or self.d.action.lower().startswith("sts:"):
            return "role", self.world.role(self.d.resource)
        resource = self.d.resource
        if resource.startswith("arn:aws:s3:::"):
            resource = "arn:aws:s3:::" + resource.split(":::", 1)[1].split("/", 1)[0]
        found = self.world.resource(resource)
        if found is None:
            found = next(
                (
                    r
                    for a in self.world.accounts
                    for r in a.resources
                    if self.d.resource.startswith(r.arn)
                    and self.d.resource[len(r.arn) : len(r.arn) + 1] in ("", ":", "/")
                ),
                None,
            )
        return "resource", found

    def _edit_target(self, change: Callable[[Policy | None], Policy | None]) -> Apply | None:
        kind, entity = self._target_policy()
        if entity is None:
            return None

        def apply(world: World) -> World:
            if kind == "role":
                current = world.role(entity.arn)
                assert current is not None
                new_trust = change(_resolve(world, current.account, current.trust_policy))
                if new_trust is None:  # an empty trust policy trusts nobody
                    new_trust = Policy.from_json(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Deny",
                                    "Principal": {"AWS": "*"},
                                    "Action": "sts:AssumeRole",
                                }
                            ],
                        }
                    )
                return world.replace(current, attrs.evolve(current, trust_policy=new_trust))
            res = world.resource(entity.arn)
            assert res is not None
            return world.replace(
                res, attrs.evolve(res, policy=change(_resolve(world, res.account, res.policy)))
            )

        return apply

    def _target_trace(self, denial: Denial) -> PolicyTrace | None:
        for check in self.d.checks:
            if check.action != denial.action:
                continue
            for layer in check.layers:
                if layer.policy_type == denial.policy_type and layer.policies:
                    return layer.policies[0]
        return None

    def _raw_statement(self, denial: Denial, index: int) -> dict[str, Any] | None:
        trace = self._target_trace(denial)
        if trace is None or trace.policy is None:
            return None
        stmts = _doc(trace.policy)["Statement"]
        return stmts[index] if index < len(stmts) else None

    def _fix_trust(self, denial: Denial) -> Iterator[Fix | None]:
        return self._fix_resource(denial)

    def _fix_resource(self, denial: Denial) -> Iterator[Fix | None]:
        kind, entity = self._target_policy()
        what = "role trust policy" if kind == "role" else "resource-based policy"
        if denial.explicit:
            label = denial.statement or ""
            yield Fix(
                "target",
                denial.policy_type,
                denial.account,
                f"Remove or narrow the Deny statement {label} in the {what} of "
                f"{entity.arn if entity is not None else self.d.resource}.",
                {"remove_statement": label},
                apply=self._edit_target(
                    lambda p: None if p is None else _without_statement(p, label)
                ),
                denial=denial,
            )
            return
        if entity is None:
            yield self._missing_target(denial, kind)
            return
        trace = self._target_trace(denial)
        statements: tuple[StatementTrace, ...] = () if trace is None else trace.statements
        allows = [s for s in statements if s.effect == "Allow"]
        # 1. A statement that failed only on a condition: the caller's own request first
        #    (external ID, session name, MFA, tags, source identity), then the caller's
        #    tags, then an exception for the caller that keeps every other condition.
        for st in (s for s in allows if s.near_miss):
            yield self._request_change(denial, st)
        for st in (s for s in allows if s.near_miss):
            yield self._tag_caller(denial, st)
        for st in (s for s in allows if s.near_miss):
            yield self._exception(denial, st, kind, what, entity.arn)
        # 2. A statement that failed only on its Principal (or only on its Action, for a
        #    trust policy): extend it when it names no wildcard, else copy it, narrowed.
        for st in allows:
            if st.failed == ("principal",):
                yield self._add_principal(denial, st, kind, what, entity.arn)
            if st.failed == ("action",) and kind == "role":
                yield self._add_action(denial, st, what, entity.arn)
        # 3. A new statement naming the caller, the action and (for resources) the resource.
        words, named = self._named()
        statement: dict[str, Any] = {"Effect": "Allow", "Principal": named, "Action": denial.action}
        if kind != "role":
            statement["Resource"] = self.d.resource
        yield Fix(
            "target",
            denial.policy_type,
            denial.account,
            f"Add to the {what} of {entity.arn} a statement allowing {words} to "
            f"perform {denial.action}" + (f" on {self.d.resource}." if kind != "role" else "."),
            statement,
            apply=self._edit_target(lambda p: _with_statement(p, statement)),
            denial=denial,
        )

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
        from iamsim.decision import POLICY_TYPE_WORDS

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
            kept = tuple((k, v) for k, v in e.tags if k.lower() not in lowered)
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

    def _exception(
        self, denial: Denial, st: StatementTrace, kind: str, what: str, owner: str
    ) -> Fix | None:
        """A copy of a near-missed statement for the caller alone, keeping every other condition.

        A failed condition the request carries a value for is pinned to that value (the
        copy still constrains the key); one the request lacks is left out.
        """
        raw = self._raw_statement(denial, st.index)
        if raw is None:
            return None
        condition = copy.deepcopy(raw.get("Condition") or {})
        changed: list[str] = []
        for cond in st.failed_conditions:
            for op in list(condition):
                if op.lower() != cond.operator.lower():
                    continue
                block = condition[op]
                for key in [k for k in block if k.lower() == cond.key.lower()]:
                    if cond.request_values and _positive(op):
                        block[key] = list(cond.request_values)
                        changed.append(f"{key} is pinned to {', '.join(cond.request_values)}")
                    else:
                        del block[key]
                        changed.append(f"{key} is left out")
                if not block:
                    del condition[op]
        if not changed:
            return None
        words, named = self._named()
        statement: dict[str, Any] = {"Effect": "Allow", "Principal": named, "Action": denial.action}
        if kind != "role":
            statement["Resource"] = self.d.resource
        if condition:
            statement["Condition"] = condition
        return Fix(
            "target",
            denial.policy_type,
            denial.account,
            f"Add to the {what} of {owner} a statement allowing {words} to perform "
            f"{denial.action} with the conditions of {st.label} except that "
            f"{'; '.join(changed)}.",
            statement,
            apply=self._edit_target(lambda p: _with_statement(p, statement)),
            denial=denial,
        )

    def _add_principal(
        self, denial: Denial, st: StatementTrace, kind: str, what: str, owner: str
    ) -> Fix | None:
        raw = self._raw_statement(denial, st.index)
        words, named = self._named()
        if raw is None or not isinstance(named, dict) or "AWS" not in named:
            return None
        principal = named["AWS"]
        if not _narrow_statement(raw, resource=kind != "role"):
            # Extending it would grant more than the request: copy it, narrowed, instead.
            statement = {
                "Effect": "Allow",
                "Principal": named,
                "Action": denial.action,
                **({"Resource": self.d.resource} if kind != "role" else {}),
                **({"Condition": raw["Condition"]} if raw.get("Condition") else {}),
            }
            return Fix(
                "target",
                denial.policy_type,
                denial.account,
                f"Add to the {what} of {owner} a statement allowing {words} to perform "
                f"{denial.action}"
                + (f" on {self.d.resource}" if kind != "role" else "")
                + f" with the conditions of {st.label}.",
                statement,
                apply=self._edit_target(lambda p: _with_statement(p, statement)),
                denial=denial,
            )
        index = st.index

        def add_principal(p: Policy | None) -> Policy | None:
            doc = _doc(p)
            target = doc["Statement"][index]
            current = target.get("Principal", {})
            current = current if isinstance(current, dict) else {}
            target["Principal"] = {**current, "AWS": [*_listed(current.get("AWS")), principal]}
            return Policy.from_json(doc)

        return Fix(
            "target",
            denial.policy_type,
            denial.account,
            f"Add {principal} to the Principal of statement {st.label} in the {what} of {owner}.",
            {"statement": st.label, "add_principal": principal},
            apply=self._edit_target(add_principal),
            denial=denial,
        )

    def _add_action(self, denial: Denial, st: StatementTrace, what: str, owner: str) -> Fix | None:
        """Trust policies: add sts:TagSession / sts:SetSourceIdentity to the trusting statement."""
        raw = self._raw_statement(denial, st.index)
        if raw is None or "NotAction" in raw or "NotPrincipal" in raw:
            return None
        principal = raw.get("Principal")
        if principal == "*" or (
            isinstance(principal, dict) and any(_wild(v) for v in principal.values())
        ):
            return None
        index = st.index

        def add_action(p: Policy | None) -> Policy | None:
            doc = _doc(p)
            target = doc["Statement"][index]
            target["Action"] = [*_listed(target.get("Action")), denial.action]
            return Policy.from_json(doc)

        return Fix(
            "target",
            denial.policy_type,
            denial.account,
            f"Add {denial.action} to the Action of statement {st.label} in the {what} of "
            f"{owner}, which already trusts the caller.",
            {"statement": st.label, "add_action": denial.action},
            apply=self._edit_target(add_action),
            denial=denial,
        )

    def _missing_target(self, denial: Denial, kind: str) -> Fix | None:
        """The role or resource is not in the world: create it, trusting the caller alone."""
        from iamsim.world.model import Resource, Role

        words, named = self._named()
        arn = self.d.resource
        if kind == "role":
            account = arn.split(":")[4]
            statement: dict[str, Any] = {
                "Effect": "Allow",
                "Principal": named,
                "Action": denial.action,
            }

            def create_role(world: World) -> World:
                role = world.role(arn)
                if role is not None:
                    trust = _with_statement(_resolve(world, account, role.trust_policy), statement)
                    return world.replace(role, attrs.evolve(role, trust_policy=trust))
                new = Role(arn, trust_policy=_with_statement(None, statement))
                return _edit_account(
                    world, account, lambda a: attrs.evolve(a, roles=(*a.roles, new))
                )

            known = self.world.account(account) is not None
            found = self.world.account(account)
            roles = "" if found is None else ", ".join(r.name for r in found.roles)
            where = (
                f"account {account} (its roles: {roles or 'none'})"
                if known
                else f"account {account}, which the world does not describe"
            )
            return Fix(
                "target",
                "trust",
                denial.account,
                f"The role {arn} does not exist in {where}: call an existing role, or create "
                f"it with a trust policy allowing {words} to perform {denial.action}.",
                {"create_role": arn, "statement": statement},
                apply=create_role,
                denial=denial,
            )
        account = arn.split(":")[4] if len(arn.split(":")) > 4 else ""
        if not account:
            # An S3 bucket the world does not describe: its owner is unknown, so no side
            # can be named; report it (nothing to apply).
            bucket = arn.split("/", 1)[0]
            return Fix(
                "target",
                denial.policy_type,
                None,
                f"The world does not describe {bucket}: add it with its owning account and "
                "its resource-based policy to get a verified fix.",
                {"describe_resource": bucket},
                denial=denial,
            )
        statement = {
            "Effect": "Allow",
            "Principal": named,
            "Action": denial.action,
            "Resource": arn,
        }

        def create(world: World) -> World:
            res = world.resource(arn)
            if res is not None:
                policy = _with_statement(_resolve(world, account, res.policy), statement)
                return world.replace(res, attrs.evolve(res, policy=policy))
            new = Resource(arn, account=account, policy=_with_statement(None, statement))
            return _edit_account(
                world, account, lambda a: attrs.evolve(a, resources=(*a.resources, new))
            )

        return Fix(
            "target",
            denial.policy_type,
            denial.account,
            f"The world does not describe {arn}: describe it in account {account} with a "
            f"resource-based policy allowing {words} to perform {denial.action}.",
            {"create_resource": arn, "statement": statement},
            apply=create,
            denial=denial,
        )

    # -- guardrails and service rules: reported, never loosened ------------------------------

    def _fix_scp(self, denial: Denial) -> Iterator[Fix]:
        yield self._guardrail(denial, "service control policy", "source")

    def _fix_rcp(self, denial: Denial) -> Iterator[Fix]:
        yield self._guardrail(denial, "resource control policy", "target")

    def _guardrail(self, denial: Denial, words: str, side: str) -> Fix:
        org = self.world.organization
        owner = (
            f"the organization's management account {org.management_account}"
            if org
            else "the organization's administrators"
        )
        where = f" attached to {denial.attached_to}" if denial.attached_to else ""
        name = f" {denial.policy}" if denial.policy else ""
        how = "explicitly denies" if denial.explicit else "does not allow"
        return Fix(
            side,
            denial.policy_type,
            denial.account,
            f"The {words}{name}{where} {how} {denial.action}; it is a guardrail owned by "
            f"{owner} — ask them for an exception rather than loosening it.",
            {"policy": denial.policy, "attached_to": denial.attached_to},
            denial=denial,
        )

    def _fix_service(self, denial: Denial) -> Iterator[Fix]:
        yield Fix(
            denial.side,
            "service",
            denial.account,
            f"{denial.reason.rstrip('.')}, and no policy change can allow it.",
            {"reason": denial.reason},
            denial=denial,
        )


# -- replaying -------------------------------------------------------------------------


def session_with(fixes: Sequence[Fix], session: RoleSession) -> RoleSession:
    """The session AssumeRole would return with every `request_for == "session"` change.

    Session policies do not take part in authorizing the AssumeRole call itself, so the
    rest of the session (role, name, tags, source identity) is unchanged.
    """
    for fix in fixes:
        if fix.request is None or fix.request_for != "session":
            continue
        if "policy" in fix.request:
            doc = fix.request["policy"]
            session = attrs.evolve(
                session,
                session_policies=() if doc is None else (Policy.from_json(doc, kind="session"),),
            )
        if "policy_arns" in fix.request:
            session = attrs.evolve(session, session_policy_arns=tuple(fix.request["policy_arns"]))
    return session


def _merged(request: dict[str, Any], more: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(request)
    for key, value in more.items():
        if key in ("context", "tags") and isinstance(out.get(key), Mapping):
            out[key] = {**out[key], **_tag_dict(value)} if key == "tags" else {**out[key], **value}
        else:
            out[key] = value
    return out


def _replay(world: World, kind: str, call: dict[str, Any], fixes: Sequence[Fix] = ()) -> Decision:
    args = dict(call)
    for fix in fixes:
        if fix.request is not None and fix.request_for == "call":
            args = _merged(args, fix.request)
    who = "caller" if kind == "assume_role" else "principal"
    if isinstance(args.get(who), RoleSession):
        args[who] = session_with(fixes, args[who])
    if kind == "assume_role":
        return world.assume_role(args.pop("caller"), **args)
    return world.simulate(
        args.pop("principal"),
        args.pop("action"),
        args.pop("resource"),
        args.pop("context"),
        now=args.pop("now"),
    )


def _same(a: Denial, b: Denial) -> bool:
    return (a.policy_type, a.side, a.action, a.explicit) == (
        b.policy_type,
        b.side,
        b.action,
        b.explicit,
    )


def _verified(
    fix: Fix, world: World, kind: str, call: dict[str, Any], before: Sequence[Denial]
) -> bool:
    """Whether the fix, applied on its own, removes its denial and adds none."""
    if fix.guardrail:
        return True  # a report: nothing to verify
    try:
        after = _replay(fix.apply(world) if fix.apply is not None else world, kind, call, (fix,))
    except IamsimError:
        return False
    assert fix.denial is not None
    return not any(_same(fix.denial, d) for d in after.denied_by) and all(
        any(_same(d, b) for b in before) for d in after.denied_by
    )


def _compose(first: Fix, then: Fix) -> Fix:
    """Two changes to one layer as one fix (remove a Deny, then add the missing Allow)."""
    apply = None
    if first.apply is not None or then.apply is not None:
        a, b = first.apply, then.apply

        def apply(world: World) -> World:
            world = a(world) if a is not None else world
            return b(world) if b is not None else world

    request = None
    if first.request is not None or then.request is not None:
        request = _merged(dict(first.request or {}), then.request or {})
    return attrs.evolve(
        first,
        description=f"{first.description} Then: {then.description}",
        change=[first.change, then.change],
        apply=apply,
        request=request,
    )


def _completed(
    fix: Fix, world: World, kind: str, call: dict[str, Any], before: Sequence[Denial]
) -> Fix | None:
    """A fix for an explicit Deny whose layer allows nothing once the Deny is gone.

    Each layer is listed once, so removing its Deny uncovers "nothing allows it" in the
    same layer; the fix that removes the Deny then also adds the narrow Allow.
    """
    denial = fix.denial
    if denial is None or not denial.explicit or fix.guardrail:
        return None
    try:
        after = _replay(fix.apply(world) if fix.apply is not None else world, kind, call, (fix,))
    except IamsimError:
        return None
    gap = [
        d
        for d in after.denied_by
        if not d.explicit
        and (d.policy_type, d.side, d.action) == (denial.policy_type, denial.side, denial.action)
    ]
    if len(gap) != 1 or after._origin is None:
        return None
    fixed_world, _, _ = after._origin
    planner = _Planner(after, fixed_world, kind, copy.copy(call))
    for follow in planner.candidates(gap[0]):
        if follow is None or follow.guardrail:
            continue
        both = _compose(fix, follow)
        if _verified(both, world, kind, call, before):
            return both
    return None


def suggest_fixes(decision: Decision) -> Sequence[Fix]:
    """The verified fixes for every denial of a decision made by a world: one per denial."""
    if decision.allowed:
        return ()
    origin = decision._origin
    if origin is None:
        raise IamsimError(
            "this decision was rebuilt from JSON; fixes need the world: "
            "re-run the request with World.simulate or World.assume_role"
        )
    world, kind, call = origin
    call = copy.copy(call)
    planner = _Planner(decision, world, kind, call)
    fixes: list[Fix] = []
    for denial in decision.denied_by:
        for fix in planner.candidates(denial):
            if fix in fixes:
                break
            if _verified(fix, world, kind, call, decision.denied_by):
                fixes.append(fix)
                break
            completed = _completed(fix, world, kind, call, decision.denied_by)
            if completed is not None:
                fixes.append(completed)
                break
    return tuple(fixes)


def apply_all(fixes: Sequence[Fix], world: World) -> tuple[World, dict[str, Any]]:
    """Apply every fix: the changed world and the merged changes to the denied call.

    Changes to the AssumeRole call that created the calling session
    (`request_for == "session"`) are not in the returned arguments: see `session_with`.
    """
    request: dict[str, Any] = {}
    for fix in fixes:
        if fix.apply is not None:
            world = fix.apply(world)
        if fix.request is not None and fix.request_for == "call":
            request = _merged(request, fix.request)
    return world, request


def replay(decision: Decision, fixes: Sequence[Fix] | None = None) -> Decision:
    """The same call again, with every fix applied (world, call and session changes)."""
    origin = decision._origin
    if origin is None:
        raise IamsimError("this decision was rebuilt from JSON; replaying needs the world")
    world, kind, call = origin
    fixes = decision.suggest_fixes() if fixes is None else fixes
    for fix in fixes:
        if fix.apply is not None:
            world = fix.apply(world)
    return _replay(world, kind, dict(call), fixes)
