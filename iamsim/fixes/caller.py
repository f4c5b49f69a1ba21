"""Source-side fixes: the caller's identity policies, permissions boundary and session policies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.decision import Denial
from iamsim.fixes.base import _PlannerBase
from iamsim.fixes.documents import (
    _edit_account,
    _has_deny,
    _resolve,
    _with_statement,
    _without_statement,
)
from iamsim.fixes.model import Apply, Fix
from iamsim.model import Policy
from iamsim.world.model import User

if TYPE_CHECKING:
    from iamsim.world import World


class _CallerFixes(_PlannerBase):
    """Candidates for identity, boundary and session denials: grants narrowed to the request."""

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
            (i for i, s in enumerate(specs) if isinstance(s, Policy) and _has_deny(s, label)),
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
            if policy is None or not _has_deny(policy, label):
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
        return self._remove_from_group(denial, who, entity, label)

    def _remove_from_group(self, denial: Denial, who: str, user: Any, label: str) -> Fix | None:
        """The Deny in an inline policy of one of the user's groups (their policies apply)."""
        account = self.world.account(str(user.account))
        names = getattr(user, "groups", ())  # roles belong to no group
        groups = [g for g in (account.groups if account else ()) if g.name in names]
        for group in groups:
            for spec in group.policies:
                if not (isinstance(spec, Policy) and _has_deny(spec, label)):
                    continue

                def edit(world: World, arn: str = group.arn, spec: Policy = spec) -> World:
                    smaller = _without_statement(spec, label)

                    def change(a: Any) -> Any:
                        def narrowed(g: Any) -> Any:
                            kept = (smaller if p == spec else p for p in g.policies)
                            return attrs.evolve(g, policies=tuple(p for p in kept if p))

                        groups = tuple(narrowed(g) if g.arn == arn else g for g in a.groups)
                        return attrs.evolve(a, groups=groups)

                    return _edit_account(world, str(user.account), change)

                return Fix(
                    "source",
                    "identity",
                    denial.account,
                    f"Remove or narrow the Deny statement {label} in the policies of the group "
                    f"{group.name}, whose policies apply to {who}: it explicitly denies "
                    f"{denial.action}.",
                    {"group": group.name, "remove_statement": label},
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
            if inline is not None and _has_deny(inline, label):
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
