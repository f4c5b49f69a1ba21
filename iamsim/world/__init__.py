"""World: every account, principal, resource and guardrail a decision can depend on.

A World is frozen. Building one resolves every policy reference and checks the
whole world (`world/index.py`), raising one `WorldError` that lists each problem
with its path; afterwards it answers `simulate` and `assume_role`: callers are
resolved in `world/callers.py`, each request's policy layers gathered in
`world/gather.py`, and the engine decides.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from iamsim.calls import (
    AccessRequest,
    AssumeRoleCall,
    Call,
    make_access_request,
    make_assume_role_call,
    make_simulate_call,
)
from iamsim.conditions.requests import checked_context
from iamsim.decision import Decision
from iamsim.errors import ValidationError, WorldError
from iamsim.evaluate.engine import build_decision, evaluate
from iamsim.limits import remember
from iamsim.model import Policy
from iamsim.request import Caller, Context, as_utc
from iamsim.session import RoleSession
from iamsim.world.callers import Profile, build_profile, session_profile
from iamsim.world.dump import dump_world, world_document
from iamsim.world.exports import load_parts, merge_parts, parse_document
from iamsim.world.gather import alias_request_problem, check_action, gather
from iamsim.world.index import WorldIndex
from iamsim.world.load_locate import locate_problems
from iamsim.world.model import Account, Group, Organization, OrgUnit, Resource, Role, User
from iamsim.world.names import ACCOUNT_ID
from iamsim.world.org import AccountPlacement, place_accounts

if TYPE_CHECKING:
    from iamsim.inputs.profiles import ProfileChain
    from iamsim.questions.findings import Finding

__all__ = [
    "Account",
    "Group",
    "OrgUnit",
    "Organization",
    "Resource",
    "Role",
    "User",
    "World",
]


def _accounts(value: Iterable[Account]) -> tuple[Account, ...]:
    """Converter: the world's accounts as a tuple of `Account`."""
    if not isinstance(value, list | tuple):
        raise WorldError(f"accounts: expected a list of Account, not {type(value).__name__}")
    for i, account in enumerate(value):
        if not isinstance(account, Account):
            raise WorldError(
                f"accounts[{i}]: expected an Account, not {type(account).__name__}"
                + (" (build Account(id=...) objects)" if isinstance(account, str) else "")
            )
    return tuple(value)


def _check_organization(value: Organization | None) -> None:
    if value is not None and not isinstance(value, Organization):
        raise WorldError(f"organization: expected an Organization, not {type(value).__name__}")


def _organization(_: object, __: object, value: Organization | None) -> None:
    """Validator: None or an `Organization`."""
    _check_organization(value)


@functools.cache
def _sts_assume_role() -> Callable[[World, AssumeRoleCall], Decision]:
    """STS's AssumeRole, which `World.assume_role` delegates to: imported on first use, since
    `world` sits below the clients of its seam (a declared exception of the import contract)."""
    from iamsim.sts import assume_role

    return assume_role


@functools.cache
def _assume_profile() -> Callable[..., ProfileChain]:
    """The AWS CLI's profile chain, which `World.assume_profile` delegates to: imported on
    first use, since `world` sits below `iamsim.inputs` (a declared exception of the import
    contract)."""
    from iamsim.inputs.profiles import assume_profile

    return assume_profile


def _further_checks(also: object, resource: str) -> tuple[tuple[str, str], ...]:
    """`AccessRequest.also` as (action, resource) pairs: an action alone acts on `resource`."""
    if not isinstance(also, tuple | list):
        raise ValidationError(f"also must be a tuple of actions, not {type(also).__name__}")
    out = []
    for item in also:
        if isinstance(item, tuple | list) and len(item) == 2:
            action, other = item
            if type(other) is not str or not other:
                shown = repr(other) if isinstance(other, str) else type(other).__name__
                raise ValidationError(f"a resource in also must be an ARN string, not {shown}")
        else:
            action, other = item, resource
        check_action(action)
        out.append((action, other))
    return tuple(out)


@functools.cache
def _why() -> Callable[..., Decision]:
    """`iamsim.questions.why`, which `World.why` delegates to (a declared exception)."""
    from iamsim.questions.why import why

    return why


@functools.cache
def _findings() -> Callable[[World], tuple[Finding, ...]]:
    """`iamsim.questions.findings`, which `World.findings` delegates to (a declared
    exception)."""
    from iamsim.questions.findings import findings

    return findings


def _principal_type(principal: object) -> None:
    if not isinstance(principal, str | RoleSession):
        raise ValidationError(
            "principal (the caller) must be an ARN string, a service principal name, "
            f"'anonymous' or a RoleSession, not {type(principal).__name__}"
        )


@attrs.frozen
class World:
    """Accounts, their principals and resources, and the organization that governs them."""

    accounts: tuple[Account, ...] = attrs.field(default=(), converter=_accounts)
    organization: Organization | None = attrs.field(default=None, validator=_organization)
    _ix: WorldIndex = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_ix", WorldIndex(self.accounts, self.organization))

    # -- construction ---------------------------------------------------------------

    @classmethod
    def of(
        cls, *entities: User | Role | Group | Resource, organization: Organization | None = None
    ) -> World:
        """A world from the entities a test or notebook cares about (accounts from ARNs)."""
        _check_organization(organization)
        accounts: dict[str, dict[str, list[Any]]] = {}  # account → kind → entities
        for entity in entities:
            if not isinstance(entity, User | Role | Group | Resource):
                raise WorldError(
                    f"World.of: expected User, Role, Group or Resource, got {type(entity).__name__}"
                )
            account = entity.account
            if not ACCOUNT_ID.fullmatch(account):
                raise WorldError(
                    f"{entity.arn}: cannot tell the account (give a 12-digit "
                    "account in the ARN, or account= for S3 buckets)"
                )
            kind = {User: "users", Role: "roles", Group: "groups", Resource: "resources"}
            accounts.setdefault(account, {}).setdefault(kind[type(entity)], []).append(entity)
        if organization is not None:
            for account in place_accounts(organization):
                accounts.setdefault(account, {})
        return cls(
            accounts=tuple(
                Account(id=a, **{k: tuple(v) for k, v in parts.items()})  # type: ignore[arg-type]
                for a, parts in accounts.items()
            ),
            organization=organization,
        )

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> World:
        """A world from a parsed world document (WORLD.md)."""
        accounts, organization = parse_document(document)
        return cls(accounts=accounts, organization=organization)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        max_bytes: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> World:
        """A world from a world document, an AWS export or a directory of AWS CLI outputs
        (docs/world.md); each file .json, .yaml/.yml or .toml of at most `max_bytes` bytes
        (default: `$IAMSIM_MAX_INPUT_BYTES`, else 1 GiB; see docs/errors.md). `progress`,
        when given, is told `(done, total)` as each account of a world document is checked
        (the command line's progress bar). A problem in a world file carries its line and
        column (`Problem.location`)."""
        try:
            accounts, organization = load_parts(path, max_bytes=max_bytes, progress=progress)
            return cls(accounts=accounts, organization=organization)
        except WorldError as exc:
            # Read fast; only a file with problems is read again, for their lines and columns.
            raise locate_problems(exc, path, max_bytes) from None

    @classmethod
    def merge(cls, *worlds: World) -> World:
        """One world from worlds that describe different accounts (`WorldError` names an
        account described twice; two different organizations are an error, one is kept)."""
        for i, world in enumerate(worlds):
            if not isinstance(world, World):
                raise WorldError(f"worlds[{i}]: expected a World, not {type(world).__name__}")
        accounts, organization = merge_parts(
            (f"worlds[{i}]", (w.accounts, w.organization)) for i, w in enumerate(worlds)
        )
        return cls(accounts=accounts, organization=organization)

    def to_dict(self) -> dict[str, Any]:
        """The world document (WORLD.md) of this world: `World.from_dict(w.to_dict())`
        answers every question as `w` does. AWS managed policies stay ARNs."""
        return world_document(self.accounts, self.organization)

    def dump(self, path: str | os.PathLike[str]) -> None:
        """Write the world document to `path`: YAML for .yaml/.yml, JSON for .json."""
        dump_world(self.to_dict(), path)

    @classmethod
    def demo(cls) -> World:
        """The scenario of the seed page: alice in 111111111111, the role in 222222222222."""
        from iamsim.world.demo import demo_world

        return demo_world()

    # -- lookups --------------------------------------------------------------------

    def account(self, account_id: str) -> Account | None:
        return self._ix.accounts.get(account_id)

    def role(self, arn: str) -> Role | None:
        return self._ix.role(arn)

    def user(self, arn: str) -> User | None:
        return self._ix.user(arn)

    def resource(self, arn: str) -> Resource | None:
        found = self._ix.resources.get(arn)
        return None if found is None else found[0]

    def replace(self, old: User | Role | Resource, new: User | Role | Resource) -> World:
        """A copy of the world with one entity replaced (for what-if questions)."""
        accounts = []
        for acct in self.accounts:
            fields: dict[str, Any] = {}
            for name in ("users", "roles", "resources"):
                items = getattr(acct, name)
                if old in items:
                    fields[name] = tuple(new if x == old else x for x in items)
            accounts.append(attrs.evolve(acct, **fields) if fields else acct)
        return attrs.evolve(self, accounts=tuple(accounts))

    def placement(self, account: str | None) -> AccountPlacement | None:
        return self._ix.placement(account)

    def covering(self, arn: str) -> Resource | None:
        """The resource whose policy governs `arn`: itself, or the longest listed ARN above
        it (a DynamoDB table for its indexes)."""
        found = self._ix.covering(arn)
        return None if found is None else found[0]

    # -- callers --------------------------------------------------------------------

    def _profile(self, principal: str | RoleSession) -> Profile:
        """The caller's profile, built once per principal (the world never changes)."""
        cache = self._ix.profiles
        if type(principal) is str:  # the common case, hashable by construction
            found = cache.get(principal)
            if found is not None:
                return found
        _principal_type(principal)
        try:
            found = cache.get(principal)
        except TypeError:  # a RoleSession holding a list or dict where a tuple belongs
            raise ValidationError(
                "principal: this RoleSession holds a list or dict where a tuple is expected"
            ) from None
        if found is None:
            found = remember(cache, principal, build_profile(self._ix, principal))
        return found

    def caller(self, principal: str | RoleSession) -> Caller:
        """Who `principal` is as AWS sees it: kind, ARN, account (ValidationError if the world
        cannot hold it)."""
        return self._profile(principal).caller

    def check_session(self, session: RoleSession) -> None:
        """Raise the world's error if `session` cannot act in it (e.g. its policy ARNs do not
        resolve in the role's account)."""
        session_profile(self._ix, session)

    # -- the seam ---------------------------------------------------------------------

    def authorize(
        self,
        request: AccessRequest,
        *,
        answering: Call | None = None,
        session: RoleSession | None = None,
    ) -> Decision:
        """Answer one fully described request: every question (simulate, STS, fixes, the
        questions built on them) is asked through here.

        A client that asks on behalf of its own call (STS for AssumeRole) names that call in
        `answering`, for the decision to replay (by default the request itself), and the
        session the call hands back in `session`, which the decision carries if allowed.
        """
        if not isinstance(request, AccessRequest):
            raise ValidationError(f"authorize takes an AccessRequest, not {type(request).__name__}")
        principal, resource, context = request.principal, request.resource, request.context
        if type(request.action) is not str:
            check_action(request.action)
        if type(resource) is not str or not resource:
            shown = repr(resource) if isinstance(resource, str) else type(resource).__name__
            raise ValidationError(f'resource must be an ARN string or "*", not {shown}')
        further = _further_checks(request.also, resource) if request.also else ()
        if further or request.action[:4].lower() == "kms:":
            problem = alias_request_problem(request.action, resource, further)
            if problem is not None:
                raise ValidationError(problem)
        if context is not None and not isinstance(context, Mapping | Context):
            raise ValidationError(
                "context must be a mapping of condition keys to values, "
                f"not {type(context).__name__}"
            )
        moment = as_utc(request.now)
        profile = self._profile(principal)
        # Once per request: values AWS never sends for documented keys.
        extra = checked_context(context) if context else None
        ix, keys = self._ix, request.call_keys
        results = [evaluate(*gather(ix, profile, request.action, resource, extra, moment, keys))]
        for action, other in further:
            results.append(evaluate(*gather(ix, profile, action, other, extra, moment, keys)))
        return build_decision(
            request.operation or request.action,
            results,
            session=session,
            replay=(self, request if answering is None else answering),
        )

    def simulate(
        self,
        principal: str | RoleSession,
        action: str,
        resource: str,
        context: Mapping[str, object] | None = None,
        *,
        now: _dt.datetime | None = None,
    ) -> Decision:
        """Would AWS allow `principal` to perform `action` on `resource`?"""
        return self.authorize(
            make_access_request(principal, action, resource, context, now, (), None, None),
            answering=make_simulate_call(principal, action, resource, context, now),
        )

    def assume_role(
        self,
        caller: str | RoleSession,
        role_arn: str,
        session_name: str,
        *,
        external_id: str | None = None,
        duration_seconds: int | None = None,
        policy: str | Mapping[str, Any] | Policy | None = None,
        policy_arns: Sequence[str] | None = None,
        tags: Mapping[str, str] | Iterable[Any] | None = None,
        transitive_tag_keys: Sequence[str] | None = None,
        source_identity: str | None = None,
        serial_number: str | None = None,
        token_code: str | None = None,
        context: Mapping[str, object] | None = None,
        now: _dt.datetime | None = None,
    ) -> Decision:
        """Replay `sts:AssumeRole` (API.md §3): validation as STS words it, authorization
        through `authorize`, and the new session (`iamsim.sts`)."""
        return _sts_assume_role()(
            self,
            make_assume_role_call(
                caller,
                role_arn,
                session_name,
                external_id,
                duration_seconds,
                policy,
                policy_arns,
                tags,
                transitive_tag_keys,
                source_identity,
                serial_number,
                token_code,
                context,
                now,
            ),
        )

    def assume_profile(
        self,
        profile: str,
        *,
        config: str | os.PathLike[str] | None = None,
        credentials: str | os.PathLike[str] | None = None,
        caller: str | RoleSession | None = None,
        token_code: str | None = None,
        token_codes: Mapping[str, str] | None = None,
        context: Mapping[str, object] | None = None,
        now: _dt.datetime | None = None,
    ) -> ProfileChain:
        """Replay the AssumeRole chain the AWS CLI runs for an `~/.aws/config` profile
        (API.md §6; `iamsim.inputs.profiles`)."""
        return _assume_profile()(
            self,
            profile,
            config=config,
            credentials=credentials,
            caller=caller,
            token_code=token_code,
            token_codes=token_codes,
            context=context,
            now=now,
        )

    def why(
        self,
        evidence: str | Mapping[str, Any],
        *,
        caller: str | None = None,
        action: str | None = None,
        resource: str | None = None,
        context: Mapping[str, object] | None = None,
        now: _dt.datetime | None = None,
        external_id: str | None = None,
        also: Sequence[str | tuple[str, str]] = (),
    ) -> Decision:
        """Replay an AccessDenied message or a CloudTrail record (API.md §6; the keywords
        complete or override it; `also`: the call's further checks, as `AccessRequest.also`);
        notes say where the replay and AWS disagree (`iamsim.questions.why`,
        docs/questions.md)."""
        return _why()(
            self,
            evidence,
            caller=caller,
            action=action,
            resource=resource,
            context=context,
            now=now,
            external_id=external_id,
            also=also,
        )

    def findings(self) -> tuple[Finding, ...]:
        """The cross-account best practices this world breaks, each with a verified fix
        (API.md §6; docs/questions.md)."""
        return _findings()(self)

    def _repr_html_(self) -> str:
        from iamsim.render.html import world_html

        return world_html(self)
