"""Target-side fixes: a role's trust policy or a resource-based policy, or the missing target."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.calls import AssumeRoleWithSamlCall, AssumeRoleWithWebIdentityCall
from iamsim.decision import Denial
from iamsim.errors import IamsimError
from iamsim.evaluate.services import RBP_SERVICES
from iamsim.fixes.documents import (
    _doc,
    _edit_account,
    _listed,
    _narrow_statement,
    _positive,
    _resolve,
    _wild,
    _with_statement,
    _without_statement,
)
from iamsim.fixes.guardrails import perimeter_fix, perimeter_keys
from iamsim.fixes.model import Apply, Fix
from iamsim.fixes.near_miss import _NearMissFixes
from iamsim.model import Policy
from iamsim.render.reasons import clause
from iamsim.sts_federated import federated_principal
from iamsim.world.model import Resource, Role
from iamsim.world.names import ACCOUNT_ID, ARN_PARTS

if TYPE_CHECKING:
    from iamsim.trace import PolicyTrace, StatementTrace
    from iamsim.world import World


class _NotProbed(Exception):
    """The target's policy is not the one traced: `_matching_copies` gives up."""


class _TargetFixes(_NearMissFixes):
    """Candidates for trust and resource denials: the caller's request and tags first, then
    the target's policy (an exception, an added principal or action, a new statement)."""

    def _named(self) -> tuple[str, Any]:
        """How a resource-based policy names the caller: (words, Principal element)."""
        caller = self.d.caller
        call = self.d.call
        if isinstance(call, AssumeRoleWithWebIdentityCall | AssumeRoleWithSamlCall):
            # A web-identity or SAML caller is named by its provider (Principal element).
            provider = federated_principal(self.world, call).provider
            return f"callers of the identity provider {provider}", {"Federated": provider}
        if caller == "anonymous":
            return "anonymous callers", "*"
        if caller.endswith(".amazonaws.com"):
            return caller, {"Service": caller}
        principal = self._principal_arn() or caller
        return principal, {"AWS": principal}

    def _allow_caller(
        self, denial: Denial, kind: str, named: Any, condition: Any = None
    ) -> dict[str, Any]:
        """A statement allowing the caller (`named`) the denied action, on the resource unless
        it goes in a role's trust policy, under `condition` when there is one."""
        statement: dict[str, Any] = {"Effect": "Allow", "Principal": named, "Action": denial.action}
        if kind != "role":
            statement["Resource"] = self.d.resource
        if condition:
            statement["Condition"] = condition
        return statement

    def _target_policy(self) -> tuple[str, Any]:
        if self.kind == "assume_role" or self.d.action.lower().startswith("sts:"):
            return "role", self.world.role(self.d.resource)
        resource = self.d.resource
        if resource.startswith("arn:aws:s3:::"):
            resource = "arn:aws:s3:::" + resource.split(":::", 1)[1].split("/", 1)[0]
        return "resource", self.world.covering(resource)

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
        """Statement `index` of the target's policy as a document (a copy of its own)."""
        trace = self._target_trace(denial)
        if trace is None or trace.policy is None:
            return None
        stmts = self._document(trace.policy)["Statement"]
        return copy.deepcopy(stmts[index]) if index < len(stmts) else None

    def _document(self, policy: Policy) -> dict[str, Any]:
        """`_doc(policy)`, made once per policy: a policy of N statements is read for each of
        them, and remaking it every time would cost N² (callers copy what they change)."""
        found = self._documents.get(id(policy))
        if found is None or found[0] is not policy:
            found = self._documents[id(policy)] = (policy, _doc(policy))
        doc: dict[str, Any] = found[1]
        return doc

    def _probes(
        self, denial: Denial, kind: str, allows: list[StatementTrace], named: Any
    ) -> list[tuple[StatementTrace, dict[str, Any]]]:
        """For `_matching_copies`: each statement step 2 may extend, as the caller would match
        it once extended (its conditions kept; action and resource set there)."""
        probes = []
        for st in allows:
            raw = self._raw_statement(denial, st.index)
            if raw is None:
                continue  # no candidate either
            condition = {"Condition": raw["Condition"]} if "Condition" in raw else {}
            if st.failed == ("principal",) and isinstance(named, dict) and "AWS" in named:
                probes.append((st, {"Effect": "Allow", "Principal": named, **condition}))
            elif st.failed == ("action",) and kind == "role" and "Principal" in raw:
                probes.append((st, {"Effect": "Allow", "Principal": raw["Principal"], **condition}))
        return probes

    def _matching_copies(
        self, denial: Denial, kind: str, candidates: list[tuple[StatementTrace, dict[str, Any]]]
    ) -> set[int] | None:
        """Which statements' candidates can work at all, found by one replay, not one each.

        Extending a statement that failed only on its Principal (or, in a trust policy, its
        Action) to the caller works only if its conditions hold for this request; the
        conditions were never evaluated, as the statement failed first. Each candidate's
        own verification rebuilds the world, so trying N of them costs N worlds of N
        statements: quadratic. Instead, copies of all of them, narrowed to the caller,
        action and resource (the part the extension would match), are added to the
        policy at once and the call replayed: the indexes of the statements whose copy
        matched. None when there is nothing worth probing or the probe cannot be made;
        then every candidate is tried, as before.
        """
        trace = self._target_trace(denial)
        if len(candidates) < 2 or trace is None or trace.policy is None:
            return None
        owner = trace.policy
        original = self._document(owner)["Statement"]
        copies = []
        for _, probe in candidates:
            probe = dict(probe)
            probe["Action"] = denial.action
            if kind != "role":
                probe["Resource"] = self.d.resource
            copies.append(probe)

        def add_copies(p: Policy | None) -> Policy | None:
            if p is not owner:  # not the policy traced: do not guess
                raise _NotProbed
            return Policy.from_json({**self._document(owner), "Statement": [*original, *copies]})

        apply = self._edit_target(add_copies)
        if apply is None:
            return None
        try:
            after = self.d.replay(apply(self.world))
        except (IamsimError, _NotProbed):
            return None
        for check in after.checks:
            if check.action != denial.action:
                continue
            for layer in check.layers:
                if layer.policy_type == denial.policy_type and layer.policies:
                    first = len(original)
                    return {
                        candidates[st.index - first][0].index
                        for st in layer.policies[0].statements
                        if st.index >= first and st.matched
                    }
        return None

    def _fix_trust(self, denial: Denial) -> Iterator[Fix | None]:
        return self._fix_resource(denial)

    def _fix_resource(self, denial: Denial) -> Iterator[Fix | None]:
        kind, entity = self._target_policy()
        what = "role trust policy" if kind == "role" else "resource-based policy"
        refused = self._refuses_anonymous()
        if refused is not None:
            # Opening the policy to Principal "*" would not help, and would admit everyone.
            yield Fix(
                "target",
                denial.policy_type,
                denial.account,
                (f"No change to the {what} of {entity.arn}" if entity else f"No {what}")
                + " can allow this: "
                + f"{clause(refused.cause)} (see the source-side denial); a statement for "
                'Principal "*" would admit every caller and still not admit anonymous ones.',
                {"reason": refused.reason},
                denial=denial,
            )
            return
        if denial.explicit:
            perimeter = self._perimeter(denial, what, entity)
            if perimeter is not None:
                yield perimeter
                return
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
        service = self.d.resource.split(":")[2] if self.d.resource.count(":") >= 5 else ""
        if kind != "role" and service and service not in RBP_SERVICES:
            # No resource-based policy can exist: reported, with the way AWS does it.
            yield Fix(
                "target",
                denial.policy_type,
                denial.account,
                f"{service} does not support resource-based policies: a caller from another "
                f"account reaches {self.d.resource} only through a role in account "
                f"{denial.account} that trusts it.",
                {"reason": "no resource-based policies", "service": service},
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
        words, named = self._named()
        usable = self._matching_copies(denial, kind, self._probes(denial, kind, allows, named))
        for st in allows:
            probed = st.failed in (("principal",), ("action",))
            if usable is not None and probed and st.index not in usable:
                continue  # its conditions do not hold for this request: it cannot work
            if st.failed == ("principal",):
                yield self._add_principal(denial, st, kind, what, entity.arn)
            if st.failed == ("action",) and kind == "role":
                yield self._add_action(denial, st, what, entity.arn)
        # 3. A new statement naming the caller, the action and (for resources) the resource.
        statement = self._allow_caller(denial, kind, named)
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

    def _perimeter(self, denial: Denial, what: str, entity: Any) -> Fix | None:
        """The guardrail report for an explicit Deny that draws a data perimeter, or None."""
        trace = self._target_trace(denial)
        if trace is None:
            return None
        for st in trace.statements:
            if st.effect == "Deny" and st.matched and st.label == denial.statement:
                raw = self._raw_statement(denial, st.index)
                keys = () if raw is None else perimeter_keys(raw)
                if keys:
                    owner = entity.arn if entity is not None else self.d.resource
                    return perimeter_fix(denial, what, owner, keys)
        return None

    def _refuses_anonymous(self) -> Denial | None:
        """The source-side denial of an anonymous caller by a service that takes no unsigned
        request (sts): no policy on the target side can lift it."""
        if self.d.caller != "anonymous":
            return None
        return next(
            (d for d in self.d.denied_by if d.side == "source" and d.policy_type == "service"),
            None,
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
        statement = self._allow_caller(denial, kind, named, condition)
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
            statement = self._allow_caller(denial, kind, named, raw.get("Condition"))
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

        words, named = self._named()
        arn = self.d.resource
        if kind == "role":
            parts = ARN_PARTS.fullmatch(arn)
            if (
                parts is None
                or parts["service"] != "iam"
                or not ACCOUNT_ID.fullmatch(parts["account"])
                or not parts["resource"].startswith("role/")
            ):
                # `*` or another ARN: no role to trust anyone, so nothing to create.
                return Fix(
                    "target",
                    denial.policy_type,
                    denial.account,
                    f"{arn} is not a role: {denial.action} is called on a role "
                    "(arn:aws:iam::ACCOUNT:role/NAME), and the trust policy of that role must "
                    f"allow {words} to perform it; name the role instead.",
                    {"reason": "not a role ARN", "resource": arn},
                    denial=denial,
                )
            account = parts["account"]
            statement = self._allow_caller(denial, kind, named)

            def create_role(world: World) -> World:
                role = world.role(arn)
                if role is not None:
                    trust = _with_statement(_resolve(world, account, role.trust_policy), statement)
                    return world.replace(role, attrs.evolve(role, trust_policy=trust))
                new = Role(arn, trust_policy=_with_statement(None, statement))
                return _edit_account(
                    world, account, lambda a: attrs.evolve(a, roles=(*a.roles, new))
                )

            found = self.world.account(account)
            roles = "" if found is None else ", ".join(r.name for r in found.roles)
            where = (
                f"account {account} (its roles: {roles or 'none'})"
                if found is not None
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
        statement = self._allow_caller(denial, kind, named)

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
