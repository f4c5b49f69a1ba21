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
    AssumeRoleWithSamlCall,
    AssumeRoleWithWebIdentityCall,
    Call,
    make_access_request,
    make_assume_role_call,
    make_simulate_call,
)
from iamsim.decision import Decision
from iamsim.errors import ValidationError, WorldError
from iamsim.evaluate.engine import build_decision, evaluate
from iamsim.limits import remember
from iamsim.model import Policy
from iamsim.request import Caller, Context, FederatedPrincipal, as_utc
from iamsim.session import Minting, RoleSession
from iamsim.world.callers import Profile, build_profile, session_profile
from iamsim.world.context import check_region
from iamsim.world.dump import dump_world, world_document
from iamsim.world.exports import load_document_parts, merge_parts, parse_document
from iamsim.world.gather import alias_request_problem, check_action, gather
from iamsim.world.index import WorldIndex
from iamsim.world.load_locate import locate_problems
from iamsim.world.model import Account, Group, Organization, OrgUnit, Resource, Role, User
from iamsim.world.names import ACCOUNT_ID
from iamsim.world.org import AccountPlacement, place_accounts
from iamsim.world.org_fragment import OrgFragment, attach, combine, unmerged
from iamsim.world.typos import checked_request_context, report_typos, request_typos

if TYPE_CHECKING:
    from dask.distributed import Client

    from iamsim.inputs.profiles import ProfileChain
    from iamsim.questions.findings import Finding
    from iamsim.questions.reach import Accesses, AssumeGraph

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


def _default_region(_: object, __: object, value: str | None) -> None:
    """Validator: None or a region code."""
    try:
        check_region(value, "default_region")
    except ValidationError as exc:
        raise WorldError(str(exc)) from None


@functools.cache
def _sts_assume_role() -> Callable[[World, AssumeRoleCall], Decision]:
    """STS's AssumeRole, which `World.assume_role` delegates to: imported on first use, since
    `world` sits below the clients of its seam (a declared exception of the import contract)."""
    from iamsim.sts import assume_role

    return assume_role


@functools.cache
def _sts_federated() -> tuple[
    Callable[[World, AssumeRoleWithWebIdentityCall], Decision],
    Callable[[World, AssumeRoleWithSamlCall], Decision],
]:
    """STS's AssumeRoleWithWebIdentity and AssumeRoleWithSAML, imported on first use (a
    declared exception of the import contract, as for AssumeRole)."""
    from iamsim.sts_federated import assume_role_with_saml, assume_role_with_web_identity

    return assume_role_with_web_identity, assume_role_with_saml


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
def _findings() -> Callable[..., tuple[Finding, ...]]:
    """`iamsim.questions.findings`, which `World.findings` delegates to (a declared
    exception)."""
    from iamsim.questions.findings import findings

    return findings


# What `AccessRequest.context` may be (a tuple: isinstance with a union builds it each time).
_CONTEXT_TYPES = (Mapping, Context)


def _principal_type(principal: object) -> None:
    if not isinstance(principal, str | RoleSession | FederatedPrincipal):
        raise ValidationError(
            "principal (the caller) must be an ARN string, a service principal name, "
            f"'anonymous' or a RoleSession, not {type(principal).__name__}"
        )


@attrs.frozen
class World:
    """Accounts, their principals and resources, and the organization that governs them."""

    accounts: tuple[Account, ...] = attrs.field(default=(), converter=_accounts)
    organization: Organization | None = attrs.field(default=None, validator=_organization)
    # The region a call is made in when it names none: it sets aws:RequestedRegion where
    # the resource's ARN carries no region (S3, STS, `*`). None: such requests carry none.
    default_region: str | None = attrs.field(default=None, validator=_default_region)
    # SCPs/RCPs attached by root, OU or account id, read from an input that does not describe
    # the organization's tree: World.merge places them; until then the world decides nothing.
    org_fragment: OrgFragment | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(OrgFragment))
    )
    _ix: WorldIndex = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_ix", WorldIndex(self.accounts, self.organization))

    # -- construction ---------------------------------------------------------------

    @classmethod
    def of(
        cls,
        *entities: User | Role | Group | Resource,
        organization: Organization | None = None,
        default_region: str | None = None,
        strict: bool = False,
    ) -> World:
        """A world from the entities a test or notebook cares about (accounts from ARNs).
        An unknown action or condition key in its policies is an `IamsimWarning` (a
        `WorldError` with `strict=True`)."""
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
        world = cls(
            accounts=tuple(
                Account(id=a, **{k: tuple(v) for k, v in parts.items()})  # type: ignore[arg-type]
                for a, parts in accounts.items()
            ),
            organization=organization,
            default_region=default_region,
        )
        report_typos(world.accounts, organization, strict=strict)
        return world

    @classmethod
    def from_dict(cls, document: Mapping[str, Any], *, strict: bool = False) -> World:
        """A world from a parsed world document (WORLD.md). An unknown action or condition
        key in its policies is an `IamsimWarning` (a `WorldError` with `strict=True`)."""
        accounts, organization = parse_document(document)
        region = document.get("default_region")
        world = cls(
            accounts=accounts,
            organization=organization,
            default_region=region if isinstance(region, str) else None,
        )
        report_typos(accounts, organization, strict=strict)
        return world

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        max_bytes: int | None = None,
        strict: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> World:
        """A world from a world document, an AWS export or a directory of AWS CLI outputs
        (docs/world.md); each file .json, .yaml/.yml or .toml of at most `max_bytes` bytes
        (default: `$IAMSIM_MAX_INPUT_BYTES`, else 1 GiB; see docs/errors.md). An unknown
        action or condition key in its policies is an `IamsimWarning` naming the file and
        the path (a `WorldError` listing them all with `strict=True`). `progress`, when
        given, is told `(done, total)` as each account of a world document is checked (the
        command line's progress bar). A problem in a world file carries its line and column
        (`Problem.location`)."""
        try:
            (accounts, organization), region = load_document_parts(
                path, max_bytes=max_bytes, progress=progress
            )
            world = cls(accounts=accounts, organization=organization, default_region=region)
            report_typos(accounts, organization, strict=strict, source=os.fspath(path))
        except WorldError as exc:
            # Read fast; only a file with problems is read again, for their lines and columns.
            raise locate_problems(exc, path, max_bytes) from None
        return world

    @classmethod
    def merge(cls, *worlds: World) -> World:
        """One world from worlds that describe different accounts (`WorldError` names an
        account described twice; two different organizations are an error, one is kept).

        SCPs/RCPs read without their organization's tree (a Terraform plan of policies and
        attachments) are attached to the root, OUs and accounts of the world that has the
        tree; a target it lacks, or a policy name described twice, is an error."""
        for i, world in enumerate(worlds):
            if not isinstance(world, World):
                raise WorldError(f"worlds[{i}]: expected a World, not {type(world).__name__}")
        accounts, organization = merge_parts(
            (f"worlds[{i}]", (w.accounts, w.organization)) for i, w in enumerate(worlds)
        )
        fragments = [w.org_fragment for w in worlds if w.org_fragment is not None]
        fragment = combine(fragments) if fragments else None
        if fragment is not None and organization is not None:
            tree = next(i for i, w in enumerate(worlds) if w.organization is not None)
            organization = attach(organization, fragment, f"worlds[{tree}]")
            fragment = None
        regions = {w.default_region for w in worlds if w.default_region is not None}
        if len(regions) > 1:
            raise WorldError(
                f"the worlds name different default regions ({', '.join(sorted(regions))}): "
                "a world has one; give the merged world its own with attrs.evolve"
            )
        return cls(
            accounts=accounts,
            organization=organization,
            default_region=next(iter(regions), None),
            org_fragment=fragment,
        )

    @classmethod
    def from_terraform(
        cls,
        plan: str | os.PathLike[str] | Mapping[str, Any],
        *,
        account: str | None = None,
        accounts: Mapping[str, str] | None = None,
        region: str | None = None,
        max_bytes: int | None = None,
        strict: bool = False,
    ) -> World:
        """A world from `terraform show -json` output (a plan or a state), a file or parsed:
        `account=` owns what no ARN or provider says (`accounts=` maps provider aliases);
        values known only after apply are never guessed (docs/iac.md). An unknown action or
        condition key in its policies is an `IamsimWarning` (a `WorldError` with `strict`)."""
        from iamsim.inputs import terraform

        if isinstance(plan, Mapping):
            doc, fragment = terraform.terraform_parts(
                plan, account=account, accounts=accounts, region=region
            )
        else:
            doc, fragment = terraform.load_terraform(
                plan, account=account, accounts=accounts, region=region, max_bytes=max_bytes
            )
        built, organization = parse_document(doc)
        source = "" if isinstance(plan, Mapping) else os.fspath(plan)
        report_typos(built, organization, strict=strict, source=source)
        return cls(accounts=built, organization=organization, org_fragment=fragment)

    @classmethod
    def from_cloudformation(
        cls,
        template: str | os.PathLike[str] | Mapping[str, Any],
        *,
        account: str,
        region: str = "us-east-1",
        parameters: Mapping[str, Any] | None = None,
        stack_name: str = "iamsim-stack",
        max_bytes: int | None = None,
        strict: bool = False,
    ) -> World:
        """A world from a CloudFormation template (JSON or YAML with short-form tags, CDK's
        output included), deployed as stack `stack_name` in `account` and `region`; every
        intrinsic function is resolved or an error names its path (docs/iac.md). An unknown
        action or condition key in its policies is an `IamsimWarning` (a `WorldError` with
        `strict`)."""
        from iamsim.inputs import cloudformation

        doc, fragment = cloudformation.load_cloudformation(
            template,
            account=account,
            region=region,
            parameters=parameters,
            stack_name=stack_name,
            max_bytes=max_bytes,
        )
        built, organization = parse_document(doc)
        source = "" if isinstance(template, Mapping) else os.fspath(template)
        report_typos(built, organization, strict=strict, source=source)
        return cls(accounts=built, organization=organization, org_fragment=fragment)

    def to_dict(self) -> dict[str, Any]:
        """The world document (WORLD.md) of this world: `World.from_dict(w.to_dict())`
        answers every question as `w` does. AWS managed policies stay ARNs."""
        if self.org_fragment is not None:
            raise unmerged(self.org_fragment)
        return world_document(self.accounts, self.organization, self.default_region)

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
        found = self._ix.roles.get(arn)  # (WorldIndex.role, without its call: STS asks each time)
        return None if found is None else found[0]

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

    def _profile(self, principal: str | RoleSession | FederatedPrincipal) -> Profile:
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

    def caller(self, principal: str | RoleSession | FederatedPrincipal) -> Caller:
        """Who `principal` is as AWS sees it: kind, ARN, account (ValidationError if the world
        cannot hold it)."""
        if type(principal) is str:  # a profile already built: no call (STS asks each time)
            found = self._ix.profiles.get(principal)
            if found is not None:
                return found.caller
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
        session: RoleSession | Minting | None = None,
    ) -> Decision:
        """Answer one fully described request: every question (simulate, STS, fixes, the
        questions built on them) is asked through here.

        A client that asks on behalf of its own call (STS for AssumeRole) names that call in
        `answering`, for the decision to replay (by default the request itself), and the
        session the call hands back in `session`, which the decision carries if allowed (or
        what mints it, called when the decision's session is first read).
        """
        if self.org_fragment is not None:
            raise unmerged(self.org_fragment)
        if not isinstance(request, AccessRequest):
            raise ValidationError(f"authorize takes an AccessRequest, not {type(request).__name__}")
        action, resource, context = request.action, request.resource, request.context
        if type(action) is not str:
            check_action(action)
        if type(resource) is not str or not resource:
            shown = repr(resource) if isinstance(resource, str) else type(resource).__name__
            raise ValidationError(f'resource must be an ARN string or "*", not {shown}')
        further = _further_checks(request.also, resource) if request.also else ()
        if further or action[:4].lower() == "kms:":
            problem = alias_request_problem(action, resource, further)
            if problem is not None:
                raise ValidationError(problem)
        if context is not None and not isinstance(context, _CONTEXT_TYPES):
            raise ValidationError(
                "context must be a mapping of condition keys to values, "
                f"not {type(context).__name__}"
            )
        moment = as_utc(request.now)
        region = request.region
        region = self.default_region if region is None else check_region(region, "region")
        profile = self._profile(request.principal)
        # Once per request: values AWS never sends for documented keys.
        extra = checked_request_context(context) if context else None
        ix, keys = self._ix, request.call_keys
        plan, asked = gather(ix, profile, action, resource, extra, moment, keys, region)
        results = [evaluate(plan, asked)]
        for other_action, other in further:
            results.append(
                evaluate(*gather(ix, profile, other_action, other, extra, moment, keys, region))
            )
        return build_decision(
            request.operation or action,
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
        region: str | None = None,
        strict: bool = False,
    ) -> Decision:
        """Would AWS allow `principal` to perform `action` on `resource`? `region`: the
        region the call is made in (default: the world's `default_region`). An action or a
        context key AWS does not document is an `IamsimWarning` (with `strict=True`, a
        `ValidationError`)."""
        # The context's keys are checked with its values, in `authorize`; with `strict`,
        # before anything is asked.
        request_typos(action, context if strict else None, strict=strict)
        return self.authorize(
            make_access_request(principal, action, resource, context, now, (), None, None, region),
            answering=make_simulate_call(principal, action, resource, context, now, region),
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
        region: str | None = None,
        strict: bool = False,
    ) -> Decision:
        """Replay `sts:AssumeRole` (API.md §3): validation as STS words it, authorization
        through `authorize`, and the new session (`iamsim.sts`). `region`: the region of the
        STS endpoint called (default: the world's `default_region`). A context key AWS does
        not document is an `IamsimWarning` (with `strict=True`, a `ValidationError`)."""
        if strict:
            request_typos(None, context, strict=True)
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
                region,
            ),
        )

    def assume_role_with_web_identity(
        self,
        *,
        role_arn: str,
        session_name: str,
        token: Mapping[str, Any] | str,
        provider_id: str | None = None,
        duration_seconds: int | None = None,
        policy: str | Mapping[str, Any] | Policy | None = None,
        policy_arns: Sequence[str] | None = None,
        context: Mapping[str, object] | None = None,
        now: _dt.datetime | None = None,
        region: str | None = None,
    ) -> Decision:
        """Replay `sts:AssumeRoleWithWebIdentity` (API.md §6): the token as its claims (or an
        unsigned JWT), checked against the account's OIDC providers, then the role's trust
        policy and RCPs (`iamsim.sts_federated`, docs/federation.md). `region`: the region of
        the STS endpoint called (default: the world's `default_region`)."""
        call = AssumeRoleWithWebIdentityCall(
            role_arn,
            session_name,
            token,
            provider_id,
            duration_seconds,
            policy,
            policy_arns,
            context,
            now,
            region,
        )
        return _sts_federated()[0](self, call)

    def assume_role_with_saml(
        self,
        *,
        role_arn: str,
        principal_arn: str,
        assertion: Mapping[str, Any],
        duration_seconds: int | None = None,
        policy: str | Mapping[str, Any] | Policy | None = None,
        policy_arns: Sequence[str] | None = None,
        context: Mapping[str, object] | None = None,
        now: _dt.datetime | None = None,
        region: str | None = None,
    ) -> Decision:
        """Replay `sts:AssumeRoleWithSAML` (API.md §6): the assertion as its `saml:*` keys and
        AWS's attributes, checked against the account's SAML providers, then the role's trust
        policy and RCPs (`iamsim.sts_federated`, docs/federation.md). `region`: as for
        `assume_role_with_web_identity`."""
        call = AssumeRoleWithSamlCall(
            role_arn,
            principal_arn,
            assertion,
            duration_seconds,
            policy,
            policy_arns,
            context,
            now,
            region,
        )
        return _sts_federated()[1](self, call)

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

    def findings(self, client: Client | None = None) -> tuple[Finding, ...]:
        """The cross-account best practices this world breaks, each with a verified fix
        (API.md §6; docs/questions.md); a `dask.distributed.Client` verifies the fixes on
        its workers."""
        if self.org_fragment is not None:
            raise unmerged(self.org_fragment)
        return _findings()(self, client)

    def who_can(
        self,
        action: str,
        resource: str,
        context: Mapping[str, object] | None = None,
        max_hops: int = 3,
        *,
        now: _dt.datetime | None = None,
        client: Client | None = None,
    ) -> Accesses:
        """Every principal that can perform `action` on `resource`, directly or through
        AssumeRole hops (API.md §6; `iamsim.questions.reach`, docs/questions.md)."""
        from iamsim.questions.reach import who_can

        if self.org_fragment is not None:
            raise unmerged(self.org_fragment)
        return who_can(self, action, resource, context, max_hops, now=now, client=client)

    def reachable_from(
        self,
        principal: str,
        max_hops: int = 3,
        *,
        context: Mapping[str, object] | None = None,
        now: _dt.datetime | None = None,
    ) -> Accesses:
        """Every role `principal` can become, and how (`iamsim.questions.reach`)."""
        from iamsim.questions.reach import reachable_from

        if self.org_fragment is not None:
            raise unmerged(self.org_fragment)
        return reachable_from(self, principal, max_hops, context=context, now=now)

    def assume_graph(self, client: Client | None = None) -> AssumeGraph:
        """The whole assume-role graph; a `dask.distributed.Client` spreads it over a
        cluster (`iamsim.questions.reach`)."""
        from iamsim.questions.reach import assume_graph

        if self.org_fragment is not None:
            raise unmerged(self.org_fragment)
        return assume_graph(self, client)

    def _repr_html_(self) -> str:
        from iamsim.render.html import world_html

        return world_html(self)
