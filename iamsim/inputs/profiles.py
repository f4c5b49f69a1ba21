"""A profile of `~/.aws/config`, replayed: the AssumeRole chain the AWS CLI would run for it.

Botocore (`AssumeRoleProvider` in `botocore/credentials.py`) resolves a profile that has a
`role_arn` by first resolving its `source_profile` (or its `credential_source`), recursively,
then calling AssumeRole with the profile's `role_arn`, `external_id`, `mfa_serial` (and the
code the user types), `role_session_name` (default `botocore-session-<unix time>`) and
`duration_seconds`. The chain starts at a profile whose own credentials botocore uses: static
keys (`aws_access_key_id`), IAM Identity Center (`sso_*`), `credential_process`, a web
identity token, or a `credential_source` (`Environment`, `Ec2InstanceMetadata`,
`EcsContainer`). iamsim cannot tell offline whose credentials those are, so the user names
that identity (`caller=`). Each hop is then one `World.assume_role`, the previous hop's
session calling the next. The errors are botocore's, worded as botocore words them.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from iamsim.decision import Decision
from iamsim.errors import ValidationError
from iamsim.inputs.aws_config import AwsConfig, AwsConfigError, ProfileValue, load_aws_config
from iamsim.request import as_utc
from iamsim.session import RoleSession

if TYPE_CHECKING:
    from iamsim.world import World

__all__ = ["CREDENTIAL_SOURCES", "ProfileChain", "ProfileHop", "assume_profile", "plan_chain"]

# botocore's CanonicalNameCredentialSourcer: the providers `credential_source` may name
# (EnvProvider, InstanceMetadataProvider, ContainerProvider), matched exactly.
CREDENTIAL_SOURCES = ("Environment", "Ec2InstanceMetadata", "EcsContainer")

Profile = dict[str, ProfileValue]


@attrs.frozen
class ProfileHop:
    """One AssumeRole the AWS CLI sends for a profile, with the parameters it sends."""

    profile: str
    role_arn: str
    session_name: str
    external_id: str | None = None
    serial_number: str | None = None
    duration_seconds: int | None = None


@attrs.frozen
class ProfileChain:
    """A profile replayed: where its credentials start, each AssumeRole hop and its Decision.

    `hops` holds one Decision per AssumeRole sent, in order; the replay stops at the first
    denial, so `hops` is shorter than `planned` when a hop failed (`failed_hop` is its
    index). `session` is the last hop's session when every hop was allowed.
    """

    profile: str
    config: str
    start_profile: str
    start: str  # how botocore gets the first credentials, in words
    caller: str | RoleSession
    planned: tuple[ProfileHop, ...]
    hops: tuple[Decision, ...]
    notes: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """Every hop was sent and allowed (a profile without `role_arn` has none)."""
        return len(self.hops) == len(self.planned) and all(d.allowed for d in self.hops)

    @property
    def failed_hop(self) -> int | None:
        """The index of the denied hop, or None when none was denied."""
        return next((i for i, d in enumerate(self.hops) if not d.allowed), None)

    @property
    def session(self) -> RoleSession | None:
        """The session the profile ends with, when every hop was allowed."""
        return self.hops[-1].session if self.allowed and self.hops else None

    def _caller_arn(self) -> str:
        return self.caller.arn if isinstance(self.caller, RoleSession) else self.caller

    def _hop_words(self, i: int) -> str:
        hop = self.planned[i]
        return f"hop {i + 1} of {len(self.planned)} (profile {hop.profile}, {hop.role_arn})"

    def first_line(self) -> str:
        """The verdict, and which hop failed."""
        if not self.planned:
            return (
                f"Allowed: profile {self.profile} uses its own credentials ({self.start}) as "
                f"{self._caller_arn()}; it assumes no role"
            )
        failed = self.failed_hop
        if failed is None:
            session = self.session
            final = f" as {session.arn}" if session is not None else ""
            count = len(self.planned)
            hops = f"{count} AssumeRole hop{'s' if count > 1 else ''}"
            return f"Allowed: profile {self.profile}, {hops}{final}"
        first = self.hops[failed].explain().splitlines()
        why = first[0] if first else "Denied"
        why = why.removeprefix("Denied: ")
        return f"Denied at {self._hop_words(failed)}: {why}"

    def explain(self, *, color: bool = False, full: bool = True) -> str:
        """The verdict first, then the start of the chain and each hop; the denied hop's own
        explanation in full (only its first line with `full=False`)."""
        lines = [self.first_line(), f"Profile chain of {self.profile} ({self.config}):"]
        lines.append(
            f"  start: profile {self.start_profile}, {self.start}, as {self._caller_arn()} "
            "(named by the caller)"
        )
        for i, hop in enumerate(self.planned):
            sent = [f"RoleSessionName={hop.session_name}"]
            if hop.external_id is not None:
                sent.append(f"ExternalId={hop.external_id}")
            if hop.serial_number is not None:
                sent.append(f"SerialNumber={hop.serial_number}")
            if hop.duration_seconds is not None:
                sent.append(f"DurationSeconds={hop.duration_seconds}")
            head = f"  hop {i + 1}: profile {hop.profile}: AssumeRole {hop.role_arn} "
            head += f"({', '.join(sent)})"
            lines.append(head)
            if i >= len(self.hops):
                lines.append("    not sent: an earlier hop was denied")
                continue
            d = self.hops[i]
            if d.allowed:
                session = d.session
                lines.append("    allowed" + (f": {session.arn}" if session is not None else ""))
            else:
                text = d.explain(color=color).splitlines()
                lines += [f"    {line}".rstrip() for line in (text if full else text[:1])]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.first_line()


# ------------------------------------------------------------------ botocore's rules


def _text(profile: Profile, key: str) -> str | None:
    value = profile.get(key)
    return value if isinstance(value, str) else None


def _has_static(profile: Profile) -> bool:
    return "aws_secret_access_key" in profile or "aws_access_key_id" in profile


def _has_assume_role(profile: Profile) -> bool:
    """botocore's `_has_assume_role_config_vars`: a role_arn, and no web identity token."""
    return "role_arn" in profile and "web_identity_token_file" not in profile


def _own_credentials(name: str, profile: Profile, path: str) -> str | None:
    """How botocore's profile providers get this profile's credentials, in their order (web
    identity, IAM Identity Center, static keys, credential_process), or None."""
    if "web_identity_token_file" in profile and "role_arn" in profile:
        return "a web identity token (AssumeRoleWithWebIdentity)"
    if "sso_session" in profile or "sso_start_url" in profile:
        account = _text(profile, "sso_account_id")
        role = _text(profile, "sso_role_name")
        return f"IAM Identity Center (sso_account_id {account}, sso_role_name {role})"
    if "aws_access_key_id" in profile:
        if "aws_secret_access_key" not in profile:
            raise AwsConfigError(
                "Partial credentials found in config-file, missing: aws_secret_access_key",
                code="PartialCredentialsError",
                path=path,
            )
        return "static access keys"
    if "credential_process" in profile:
        return "credential_process"
    return None


@attrs.frozen
class _Plan:
    start_profile: str
    start: str
    hops: tuple[ProfileHop, ...]
    notes: tuple[str, ...]
    sso_account: str | None


def _hop(name: str, profile: Profile, moment: _dt.datetime, notes: list[str]) -> ProfileHop:
    session_name = _text(profile, "role_session_name")
    if session_name is None:
        session_name = f"botocore-session-{int(moment.timestamp())}"
    duration = None
    raw = _text(profile, "duration_seconds")
    if raw is not None:
        try:
            duration = int(raw)
        except ValueError:  # botocore drops a duration that is not an integer
            notes.append(
                f"profile {name}: duration_seconds {raw!r} is not an integer; the AWS CLI "
                "ignores it and STS uses its default"
            )
    return ProfileHop(
        profile=name,
        role_arn=str(profile["role_arn"]),
        session_name=session_name,
        external_id=_text(profile, "external_id"),
        serial_number=_text(profile, "mfa_serial"),
        duration_seconds=duration,
    )


def plan_chain(config: AwsConfig, name: str, moment: _dt.datetime) -> _Plan:
    """The AssumeRole hops botocore would send for profile `name`, first hop first, and where
    its credentials start; botocore's configuration errors as botocore words them."""
    path = config.path
    top = config.profile(name)
    if top is None:
        raise AwsConfigError(
            f"The config profile ({name}) could not be found", code="ProfileNotFound", path=path
        )
    notes: list[str] = []
    if not _has_assume_role(top):
        how = _own_credentials(name, top, path)
        start = how or "no credentials in the file (the AWS CLI would look elsewhere)"
        return _Plan(name, start, (), (), _text(top, "sso_account_id"))
    visited = [name]
    hops: list[ProfileHop] = []
    current, profile = name, top
    while True:
        source = _text(profile, "source_profile")
        credential_source = _text(profile, "credential_source")
        if credential_source is not None and source is not None:
            raise AwsConfigError(
                f'The profile "{current}" contains both source_profile and credential_source.',
                code="InvalidConfigError",
                path=path,
            )
        if credential_source is None and source is None:
            raise AwsConfigError(
                "Partial credentials found in assume-role, missing: source_profile or "
                "credential_source",
                code="PartialCredentialsError",
                path=path,
            )
        hops.insert(0, _hop(current, profile, moment, notes))
        if credential_source is not None:
            if credential_source not in CREDENTIAL_SOURCES:
                raise AwsConfigError(
                    f'The credential source "{credential_source}" referenced in profile '
                    f'"{current}" is not valid.',
                    code="InvalidConfigError",
                    path=path,
                )
            start = f"credential_source {credential_source}"
            return _Plan(current, start, tuple(hops), tuple(notes), None)
        assert source is not None
        found = config.profile(source)
        if found is None:
            hint = ""
            if config.credentials_path is None:
                hint = " (if it is in your credentials file, name that file too: credentials=)"
            raise AwsConfigError(
                f'The source_profile "{source}" referenced in the profile "{current}" does '
                f"not exist.{hint}",
                code="InvalidConfigError",
                path=path,
            )
        if source in visited and (source != current or not _has_static(found)):
            raise AwsConfigError(
                "Infinite loop in credential configuration detected. Attempting to load from "
                f"profile {source} which has already been visited. Visited profiles: "
                f"{visited}",
                code="InfiniteLoopConfigError",
                path=path,
            )
        visited.append(source)
        if _has_static(found) or not _has_assume_role(found):
            how = _own_credentials(source, found, path)
            if how is None:
                raise AwsConfigError(
                    f'The source profile "{source}" must have credentials.',
                    code="InvalidConfigError",
                    path=path,
                )
            return _Plan(source, how, tuple(hops), tuple(notes), _text(found, "sso_account_id"))
        current, profile = source, found


def _token_codes(
    hops: tuple[ProfileHop, ...], token_code: str | None, token_codes: Mapping[str, str] | None
) -> dict[str, str]:
    """The MFA code for each hop whose profile sets `mfa_serial` (the AWS CLI prompts
    `Enter MFA code for <mfa_serial>:` for each). `token_codes` is keyed by profile name or
    by MFA device ARN (the `mfa_serial` the prompt names; it answers every hop that sets it)."""
    needing = [h.profile for h in hops if h.serial_number is not None]
    if token_code is not None and token_codes is not None:
        raise AwsConfigError("give token_code or token_codes, not both", code="TokenCodeUnused")
    codes: dict[str, str] = {}
    for key, code in (token_codes or {}).items():
        answered = [h.profile for h in hops if h.serial_number == key] or [key]
        for name in answered:
            if codes.get(name, code) != code:
                raise AwsConfigError(
                    f"two token codes given for profile {name} (by its name and its mfa_serial)",
                    code="TokenCodeUnused",
                )
            codes[name] = code
    if token_code is not None:
        if len(needing) != 1:
            which = f"profiles {', '.join(needing)} set" if needing else "no profile of it sets"
            raise AwsConfigError(
                f"token_code answers the one MFA prompt of a chain, but {which} mfa_serial"
                + ("; give token_codes={profile: code} instead" if needing else ""),
                code="TokenCodeUnused",
            )
        codes = {needing[0]: token_code}
    unused = sorted(set(codes) - set(needing))
    if unused:
        raise AwsConfigError(
            f"token code given for {unused[0]}, which is not a hop of the chain that sets "
            "mfa_serial, nor the mfa_serial of one",
            code="TokenCodeUnused",
        )
    missing = [h for h in hops if h.serial_number is not None and h.profile not in codes]
    if missing:
        raise AwsConfigError(
            f"profile {missing[0].profile} sets mfa_serial, so the AWS CLI would prompt "
            f'"Enter MFA code for {missing[0].serial_number}: "; give the code: '
            f"token_codes={{{missing[0].profile!r}: '123456'}} "
            f"(--token-code {missing[0].profile}=CODE)",
            code="TokenCodeRequired",
        )
    return codes


def assume_profile(
    world: World,
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
    """Replay the AssumeRole chain the AWS CLI runs for `profile` of `config` (API.md §6)."""
    moment = as_utc(now)
    aws_config = load_aws_config(config, credentials)
    plan = plan_chain(aws_config, profile, moment)
    if caller is None:
        raise AwsConfigError(
            f"profile {plan.start_profile} starts the chain with {plan.start}; iamsim cannot "
            "resolve credentials offline, so name whose they are: caller=ARN (--caller ARN), "
            "e.g. the IAM user who owns the keys",
            code="CallerRequired",
            path=aws_config.path,
        )
    if plan.sso_account is not None:
        arn = caller.arn if isinstance(caller, RoleSession) else caller
        parts = arn.split(":")
        if len(parts) > 4 and parts[4] != plan.sso_account:
            raise AwsConfigError(
                f"profile {plan.start_profile} signs in to account {plan.sso_account} "
                f"(sso_account_id), but the caller {arn} is in account {parts[4]}",
                code="InvalidConfigError",
                path=aws_config.path,
            )
    codes = _token_codes(plan.hops, token_code, token_codes)
    hops: list[Decision] = []
    current: str | RoleSession = caller
    for i, hop in enumerate(plan.hops):
        try:
            d = world.assume_role(
                current,
                hop.role_arn,
                hop.session_name,
                external_id=hop.external_id,
                duration_seconds=hop.duration_seconds,
                serial_number=hop.serial_number,
                token_code=codes.get(hop.profile) if hop.serial_number is not None else None,
                context=context,
                now=moment,
            )
        except ValidationError as exc:
            raise ValidationError(
                f"{exc} (profile {hop.profile}, hop {i + 1} of {len(plan.hops)})", code=exc.code
            ) from None
        hops.append(d)
        if not d.allowed or d.session is None:
            break
        current = d.session
    return ProfileChain(
        profile=profile,
        config=aws_config.path,
        start_profile=plan.start_profile,
        start=plan.start,
        caller=caller,
        planned=plan.hops,
        hops=tuple(hops),
        notes=plan.notes,
    )
