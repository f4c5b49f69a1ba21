"""The questions a world answers, as data: who asks what, with every argument.

`AccessRequest` is the fully described request that `World.authorize` answers (the
one seam every client calls); `SimulateCall`, `AssumeRoleCall`,
`AssumeRoleWithWebIdentityCall` and `AssumeRoleWithSamlCall` are the arguments of the
`World` methods of those names, keyed by their Python keyword names. A
`Decision` keeps the call that produced it and the world that answered in a `Replay`,
so that fixes can ask the same question again with a change.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import attrs

from iamsim.errors import ValidationError
from iamsim.frozen import builder
from iamsim.request import Context, FederatedPrincipal
from iamsim.session import RoleSession

if TYPE_CHECKING:
    from iamsim.decision import Decision
    from iamsim.model import Policy

__all__ = [
    "AccessRequest",
    "Answerer",
    "AssumeRoleCall",
    "AssumeRoleWithSamlCall",
    "AssumeRoleWithWebIdentityCall",
    "Call",
    "Replay",
    "SimulateCall",
    "make_access_request",
    "make_assume_role_call",
    "make_simulate_call",
]

Principal = str | RoleSession


class Answerer(Protocol):
    """What a call needs of a world to be asked again: the three public questions."""

    def authorize(self, request: AccessRequest) -> Decision: ...

    def simulate(
        self,
        principal: Principal,
        action: str,
        resource: str,
        context: Mapping[str, object] | None = None,
        *,
        now: _dt.datetime | None = None,
        region: str | None = None,
    ) -> Decision: ...

    def assume_role(
        self,
        caller: Principal,
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
    ) -> Decision: ...

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
    ) -> Decision: ...

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
    ) -> Decision: ...


class _CallBase:
    """What every call record shares: its keyword arguments, and a changed copy."""

    __slots__ = ()
    kind: ClassVar[str]

    def arguments(self) -> dict[str, Any]:
        """The call's keyword arguments, by their Python names."""
        return {f.name: getattr(self, f.name) for f in attrs.fields(type(self))}  # type: ignore[arg-type]

    def changed(self, **changes: Any) -> Any:
        """The same call with some arguments changed."""
        return attrs.evolve(self, **changes)  # type: ignore[misc]


def _actions(value: Iterable[str | tuple[str, str]]) -> tuple[str | tuple[str, str], ...]:
    """Converter: the further actions of a request, as a tuple (one action alone is not
    split into its letters); an `(action, resource)` pair stays a pair."""
    if isinstance(value, str):
        raise ValidationError(f"also: a tuple of actions, not the string {value!r}")
    return tuple(tuple(item) if isinstance(item, list) else item for item in value)


@attrs.frozen
class AccessRequest(_CallBase):
    """One call as AWS authorizes it: who asks, which actions on which resource, in which
    context.

    `action` is the call's main action; `also` the further actions the same call needs,
    each on the same resource (AssumeRole with session tags needs `sts:TagSession` too) or,
    as an `(action, resource)` pair, on another resource the call names (`kms:CreateAlias`
    needs `kms:CreateAlias` on the alias and on the KMS key it points to). `call_keys` are
    the context keys the API sets from the call's own parameters (`sts:ExternalId`); `context` the
    caller's extra keys, which override anything else. `operation` names the API operation
    in AWS's error text (default: the action). `region` is the region the call is made in,
    which sets aws:RequestedRegion where the resource's ARN names none (S3, STS, `*`); the
    world's `default_region` when None.
    """

    kind: ClassVar[str] = "authorize"

    principal: Principal | FederatedPrincipal
    action: str
    resource: str
    context: Mapping[str, object] | None = None
    now: _dt.datetime | None = None
    also: tuple[str | tuple[str, str], ...] = attrs.field(default=(), converter=_actions)
    call_keys: Mapping[str, object] | Context | None = None
    operation: str | None = None
    region: str | None = None

    def run(self, world: Answerer) -> Decision:
        return world.authorize(self)


@attrs.frozen
class SimulateCall(_CallBase):
    """The arguments of `World.simulate`."""

    kind: ClassVar[str] = "simulate"

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, object] | None = None
    now: _dt.datetime | None = None
    region: str | None = None

    def run(self, world: Answerer) -> Decision:
        return world.simulate(
            self.principal,
            self.action,
            self.resource,
            self.context,
            now=self.now,
            region=self.region,
        )


@attrs.frozen
class AssumeRoleCall(_CallBase):
    """The arguments of `World.assume_role` (the STS AssumeRole parameters)."""

    kind: ClassVar[str] = "assume_role"

    caller: Principal
    role_arn: str
    session_name: str
    external_id: str | None = None
    duration_seconds: int | None = None
    policy: str | Mapping[str, Any] | Policy | None = None
    policy_arns: Sequence[str] | None = None
    tags: Mapping[str, str] | Iterable[Any] | None = None
    transitive_tag_keys: Sequence[str] | None = None
    source_identity: str | None = None
    serial_number: str | None = None
    token_code: str | None = None
    context: Mapping[str, object] | None = None
    now: _dt.datetime | None = None
    region: str | None = None

    def run(self, world: Answerer) -> Decision:
        args = self.arguments()
        return world.assume_role(args.pop("caller"), **args)


@attrs.frozen
class AssumeRoleWithWebIdentityCall(_CallBase):
    """The arguments of `World.assume_role_with_web_identity` (STS's parameters; the token
    as its claims, or an unsigned JWT whose payload holds them)."""

    kind: ClassVar[str] = "assume_role_with_web_identity"

    role_arn: str
    session_name: str
    token: Mapping[str, Any] | str
    provider_id: str | None = None
    duration_seconds: int | None = None
    policy: str | Mapping[str, Any] | Policy | None = None
    policy_arns: Sequence[str] | None = None
    context: Mapping[str, object] | None = None
    now: _dt.datetime | None = None
    region: str | None = None

    def run(self, world: Answerer) -> Decision:
        return world.assume_role_with_web_identity(**self.arguments())


@attrs.frozen
class AssumeRoleWithSamlCall(_CallBase):
    """The arguments of `World.assume_role_with_saml` (STS's parameters; the assertion as
    its `saml:*` keys and AWS's attribute names)."""

    kind: ClassVar[str] = "assume_role_with_saml"

    role_arn: str
    principal_arn: str
    assertion: Mapping[str, Any]
    duration_seconds: int | None = None
    policy: str | Mapping[str, Any] | Policy | None = None
    policy_arns: Sequence[str] | None = None
    context: Mapping[str, object] | None = None
    now: _dt.datetime | None = None
    region: str | None = None

    def run(self, world: Answerer) -> Decision:
        return world.assume_role_with_saml(**self.arguments())


Call = (
    AccessRequest
    | SimulateCall
    | AssumeRoleCall
    | AssumeRoleWithWebIdentityCall
    | AssumeRoleWithSamlCall
)


# How a decision was made: the world that answered and the call it answered. A plain
# pair, since every decision carries one; `Decision.world` and `Decision.call` name them.
Replay = tuple[Answerer, Call]


# Hot-path builders (iamsim.frozen): every field, positionally, in definition order.
make_access_request = builder(AccessRequest)
make_simulate_call = builder(SimulateCall)
make_assume_role_call = builder(AssumeRoleCall)
