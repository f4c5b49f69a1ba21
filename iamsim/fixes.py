"""Fix suggestions: for each denial, the smallest change on that side that lets the request pass.

Every suggestion that changes the world is verified: it is applied to a copy of
the world (`attrs.evolve`) and the same call is replayed; a change that does not
remove its denial is not offered. Guardrails (SCPs, RCPs) and service rules are
reported with `apply = None` and who owns them: they are not silently loosened.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.decision import Decision, Denial
from iamsim.errors import IamsimError
from iamsim.model import Policy
from iamsim.session import RoleSession

if TYPE_CHECKING:
    from iamsim.world import World

__all__ = ["Fix", "suggest_fixes"]

Apply = Callable[["World"], "World"]


@attrs.frozen
class Fix:
    """One change that would remove one denial.

    Either `apply(world) -> World` makes the change in a copy of the world, or
    `request` names the call arguments to change (`{"external_id": "…"}`). A
    guardrail the user should not loosen has neither; its description says who owns it.
    """

    side: str
    policy_type: str
    account: str | None
    description: str
    change: Any
    apply: Apply | None = attrs.field(default=None, eq=False, repr=False)
    request: Mapping[str, Any] | None = None
    denial: Denial | None = attrs.field(default=None, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "policy_type": self.policy_type,
            "account": self.account,
            "description": self.description,
            "change": self.change,
            "applies_to_world": self.apply is not None,
            "request": None if self.request is None else dict(self.request),
        }


def _with_statement(policy: Policy | None, statement: dict[str, Any]) -> Policy:
    doc: dict[str, Any] = (
        {"Version": "2012-10-17", "Statement": []} if policy is None else policy.to_dict()
    )
    stmts = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    doc["Statement"] = [*stmts, statement]
    return Policy.from_json(doc)


def _without_statement(policy: Policy, label: str) -> Policy | None:
    kept = tuple(s for i, s in enumerate(policy.statements) if s.label(i) != label)
    if not kept:
        return None
    return attrs.evolve(policy, statements=kept, statement_is_list=True)


def _has_statement(policy: Policy, label: str) -> bool:
    return any(s.label(i) == label for i, s in enumerate(policy.statements))


class _Planner:
    """Builds the fix for one denial from the decision's call and world."""

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

        def apply(world: World) -> World:
            current: Any = (
                world.role(entity.arn)
                if hasattr(entity, "trust_policy")
                else world.user(entity.arn)
            )
            return world.replace(current, change(current))

        return apply

    # -- one fix per denial -------------------------------------------------------------

    def fix(self, denial: Denial) -> Fix | None:
        handler = getattr(self, f"_fix_{denial.policy_type}", None)
        if handler is None:
            return None
        fix: Fix | None = handler(denial)
        return fix

    def _narrow(self, denial: Denial) -> dict[str, Any]:
        return {"Effect": "Allow", "Action": denial.action, "Resource": self.d.resource}

    def _fix_identity(self, denial: Denial) -> Fix | None:
        entity = self._principal_entity()
        if entity is None:
            return None
        who = entity.arn
        if denial.explicit:
            return self._remove_from_entity(denial, "policies", who)
        statement = self._narrow(denial)
        apply = self._edit_entity(
            lambda e: attrs.evolve(
                e,
                policies=(
                    *e.policies,
                    Policy.from_json({"Version": "2012-10-17", "Statement": [statement]}),
                ),
            )
        )
        return Fix(
            "source",
            "identity",
            denial.account,
            f"Add to the identity policies of {who} a statement allowing "
            f"{denial.action} on {self.d.resource}.",
            statement,
            apply=apply,
            denial=denial,
        )

    def _remove_from_entity(self, denial: Denial, field: str, who: str) -> Fix | None:
        entity = self._principal_entity()
        label = denial.statement or ""
        specs = getattr(entity, field)
        index = next(
            (i for i, s in enumerate(specs) if isinstance(s, Policy) and _has_statement(s, label)),
            None,
        )
        if index is None:
            return None

        def change(e: Any) -> Any:
            items = list(getattr(e, field))
            smaller = _without_statement(items[index], label)
            items[index : index + 1] = [] if smaller is None else [smaller]
            return attrs.evolve(e, **{field: tuple(items)})

        return Fix(
            "source",
            denial.policy_type,
            denial.account,
            f"Remove or narrow the Deny statement {label} in the identity policies of "
            f"{who}: it explicitly denies {denial.action}.",
            {"remove_statement": label},
            apply=self._edit_entity(change),
            denial=denial,
        )

    def _fix_boundary(self, denial: Denial) -> Fix | None:
        entity = self._principal_entity()
        if entity is None or entity.permissions_boundary is None:
            return None
        statement = self._narrow(denial)
        account = self.world.account(entity.account)

        def current(e: Any) -> Policy | None:
            spec = e.permissions_boundary
            if isinstance(spec, Policy):
                return spec
            found = (
                None
                if account is None
                else dict(account.policies).get(str(spec).rsplit("/", 1)[-1])
            )
            if found is None:
                from iamsim.world.managed import aws_managed_policy

                found = aws_managed_policy(str(spec))
            return found

        if denial.explicit:
            label = denial.statement or ""

            def drop(e: Any) -> Any:
                policy = current(e)
                smaller = None if policy is None else _without_statement(policy, label)
                return attrs.evolve(
                    e, permissions_boundary=smaller or _with_statement(None, statement)
                )

            return Fix(
                "source",
                "boundary",
                denial.account,
                f"Remove or narrow the Deny statement {label} in the permissions boundary "
                f"of {entity.arn}: it explicitly denies {denial.action}.",
                {"remove_statement": label},
                apply=self._edit_entity(drop),
                denial=denial,
            )

        def widen(e: Any) -> Any:
            return attrs.evolve(e, permissions_boundary=_with_statement(current(e), statement))

        return Fix(
            "source",
            "boundary",
            denial.account,
            f"Widen the permissions boundary of {entity.arn} to allow {denial.action} on "
            f"{self.d.resource} (the boundary caps every identity grant).",
            statement,
            apply=self._edit_entity(widen),
            denial=denial,
        )

    def _fix_session(self, denial: Denial) -> Fix | None:
        statement = self._narrow(denial)
        policy = self.call.get("policy") if self.kind == "assume_role" else None
        current = None
        if self.session is not None and self.session.session_policies:
            current = self.session.session_policies[0]
        elif policy is not None:
            current = Policy.from_json(policy)
        widened = _with_statement(current, statement)
        return Fix(
            "source",
            "session",
            denial.account,
            f"Pass a session policy that also allows {denial.action} on "
            f"{self.d.resource} when the session is created (session policies only "
            "narrow the role's permissions).",
            statement,
            request={"policy": widened.to_dict()},
            denial=denial,
        )

    def _target_policy(self) -> tuple[str, Any]:
        if self.kind == "assume_role" or self.d.action.lower().startswith("sts:"):
            role = self.world.role(self.d.resource)
            return "role", role
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
                new_trust = change(self._resolved(world, current, current.trust_policy))
                if new_trust is None:
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
            spec = None if res.policy is None else self._resolved(world, res, res.policy)
            return world.replace(res, attrs.evolve(res, policy=change(spec)))

        return apply

    @staticmethod
    def _resolved(world: World, entity: Any, spec: Any) -> Policy | None:
        if isinstance(spec, Policy) or spec is None:
            return spec
        account = world.account(entity.account)
        return None if account is None else dict(account.policies).get(str(spec).rsplit("/")[-1])

    def _fix_trust(self, denial: Denial) -> Fix | None:
        return self._fix_resource(denial)

    def _fix_resource(self, denial: Denial) -> Fix | None:
        kind, entity = self._target_policy()
        what = "role trust policy" if kind == "role" else "resource-based policy"
        if denial.explicit:
            label = denial.statement or ""
            return Fix(
                "target",
                denial.policy_type,
                denial.account,
                f"Remove or narrow the Deny statement {label} in the {what} of {self.d.resource}.",
                {"remove_statement": label},
                apply=self._edit_target(
                    lambda p: None if p is None else _without_statement(p, label)
                ),
                denial=denial,
            )
        wanted = [
            n
            for n in self.d.near_misses
            if n.policy_type == denial.policy_type and n.key.lower() == "sts:externalid"
        ]
        if wanted and self.kind == "assume_role" and len(wanted[0].policy_values) >= 1:
            value = wanted[0].policy_values[0]
            return Fix(
                "source",
                denial.policy_type,
                denial.account,
                f"Call AssumeRole with the external ID the trust policy expects: "
                f"--external-id {value}.",
                {"external_id": value},
                request={"external_id": value},
                denial=denial,
            )
        principal = self._principal_arn() or self.d.caller
        if self.d.caller in ("anonymous",) or self.d.caller.endswith(".amazonaws.com"):
            named: Any = "*" if self.d.caller == "anonymous" else {"Service": self.d.caller}
        else:
            named = {"AWS": principal}
        if entity is None:
            return None
        index = self._missed_only_principal(denial)
        if index is not None and isinstance(named, dict) and "AWS" in named:
            # Keep the statement's conditions (an external ID, an org guard): only name the caller.
            def add_principal(p: Policy | None) -> Policy | None:
                assert p is not None
                doc = p.to_dict()
                stmts = (
                    doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
                )
                target = stmts[index]
                current = target.get("Principal", {})
                listed = current.get("AWS", []) if isinstance(current, dict) else []
                listed = [listed] if isinstance(listed, str) else list(listed)
                target["Principal"] = {**current, "AWS": [*listed, principal]}
                doc["Statement"] = stmts
                return Policy.from_json(doc)

            return Fix(
                "target",
                denial.policy_type,
                denial.account,
                f"Add {principal} to the Principal of statement "
                f"{self._label(denial, index)} in the {what} of {entity.arn}.",
                {"statement": self._label(denial, index), "add_principal": principal},
                apply=self._edit_target(add_principal),
                denial=denial,
            )
        statement: dict[str, Any] = {"Effect": "Allow", "Principal": named, "Action": denial.action}
        if kind != "role":
            statement["Resource"] = self.d.resource
        return Fix(
            "target",
            denial.policy_type,
            denial.account,
            f"Add to the {what} of {entity.arn} a statement allowing {principal} to "
            f"perform {denial.action}.",
            statement,
            apply=self._edit_target(lambda p: _with_statement(p, statement)),
            denial=denial,
        )

    def _target_trace(self, denial: Denial) -> Any:
        for check in self.d.checks:
            if check.action != denial.action:
                continue
            for layer in check.layers:
                if layer.policy_type == denial.policy_type and layer.policies:
                    return layer.policies[0]
        return None

    def _missed_only_principal(self, denial: Denial) -> int | None:
        """The Allow statement that would apply but for its Principal, if there is one."""
        trace = self._target_trace(denial)
        if trace is None:
            return None
        return next(
            (
                st.index
                for st in trace.statements
                if st.effect == "Allow" and st.failed == ("principal",)
            ),
            None,
        )

    def _label(self, denial: Denial, index: int) -> str:
        trace = self._target_trace(denial)
        return str(trace.statements[index].label) if trace is not None else f"Statement[{index}]"

    def _fix_scp(self, denial: Denial) -> Fix:
        return self._guardrail(denial, "service control policy", "source")

    def _fix_rcp(self, denial: Denial) -> Fix:
        return self._guardrail(denial, "resource control policy", "target")

    def _guardrail(self, denial: Denial, words: str, side: str) -> Fix:
        org = self.world.organization
        owner = (
            f"the organization's management account {org.management_account}"
            if org
            else "the organization's administrators"
        )
        where = f" attached to {denial.attached_to}" if denial.attached_to else ""
        name = f" {denial.policy}" if denial.policy else ""
        return Fix(
            side,
            denial.policy_type,
            denial.account,
            f"The {words}{name}{where} blocks {denial.action}; it is a guardrail owned by "
            f"{owner} — ask them for an exception rather than loosening it.",
            {"policy": denial.policy, "attached_to": denial.attached_to},
            denial=denial,
        )

    def _fix_service(self, denial: Denial) -> Fix:
        return Fix(
            "target",
            "service",
            denial.account,
            f"{denial.reason} No policy change can allow it; use the key from its own account.",
            {"reason": denial.reason},
            denial=denial,
        )


def _replay(world: World, kind: str, call: dict[str, Any]) -> Decision:
    args = dict(call)
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


def _verified(fix: Fix, world: World, kind: str, call: dict[str, Any]) -> bool:
    """Whether the fix, applied on its own, removes its denial (and adds none)."""
    try:
        if fix.apply is not None:
            after = _replay(fix.apply(world), kind, call)
        elif fix.request is not None:
            after = _replay(world, kind, {**call, **fix.request})
        else:
            return True  # a guardrail report: nothing to verify
    except IamsimError:
        return False
    assert fix.denial is not None
    return not any(_same(fix.denial, d) for d in after.denied_by)


def suggest_fixes(decision: Decision) -> Sequence[Fix]:
    """The verified fixes for every denial of a decision made by a world."""
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
        fix = planner.fix(denial)
        if fix is not None and _verified(fix, world, kind, call) and fix not in fixes:
            fixes.append(fix)
    return tuple(fixes)


def apply_all(fixes: Sequence[Fix], world: World) -> tuple[World, dict[str, Any]]:
    """Apply every fix: the changed world and the merged call-argument changes."""
    request: dict[str, Any] = {}
    for fix in fixes:
        if fix.apply is not None:
            world = fix.apply(world)
        if fix.request is not None:
            request.update(fix.request)
    return world, request
