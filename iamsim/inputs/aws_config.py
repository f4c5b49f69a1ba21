"""`~/.aws/config` and `~/.aws/credentials`, read by the rules of botocore's config loader.

The AWS CLI (botocore, `botocore/configloader.py` and `Session.full_config`) reads both files
with Python's `configparser.RawConfigParser`, so iamsim does too, and then applies botocore's
rules:

- a section `[default]` or `[profile NAME]` is a profile (the name is split as a shell
  would, so `[profile "my name"]` works; a section name starting with `profile` that does not
  split into exactly two words is ignored); any other section of the config file (`[NAME]`,
  `[sso-session X]`, `[services X]`) is not a profile;
- in the credentials file every section is a profile, named as written, and its keys
  override the config file's keys of the same profile;
- keys are lower-cased (configparser's rule), values are taken as written: `#` and `;` start
  a comment only at the beginning of a line, never after a value; `=` or `:` separate a key
  from its value; a `[DEFAULT]` section's keys apply to every section;
- a value whose text starts on the next line, indented (`s3 =` then `  addressing_style =
  path`), is a nested block of `key = value` lines; an indented line after a value continues
  it.

Secrets never stay in memory: the values of `aws_secret_access_key` and `aws_session_token`
are replaced by `<redacted>` when read (only their presence matters to a replay).
"""

from __future__ import annotations

import configparser
import os
import shlex
from collections.abc import Mapping
from pathlib import Path

import attrs

from iamsim.errors import IamsimError, one_line

__all__ = [
    "AwsConfig",
    "AwsConfigError",
    "ProfileValue",
    "default_config_path",
    "load_aws_config",
    "parse_aws_config",
]

ProfileValue = str | Mapping[str, str]
"""A profile key's value: text, or a nested block (`s3 = ...` sub-keys)."""

REDACTED = "<redacted>"
_SECRETS = ("aws_secret_access_key", "aws_session_token")


class AwsConfigError(IamsimError):
    """An AWS config file or profile the AWS CLI would refuse, worded as botocore words it.

    `code` is botocore's exception name (`ProfileNotFound`, `InfiniteLoopConfigError`,
    `InvalidConfigError`, `PartialCredentialsError`, `ConfigParseError`, `ConfigNotFound`)
    or iamsim's own (`CallerRequired`, `TokenCodeRequired`, `TokenCodeUnused`); `path` is the
    file the problem is in.
    """

    def __init__(self, message: str, *, code: str, path: str = "") -> None:
        self.code = code
        self.path = path
        # The file's path first, unless the message names it already (botocore's parse error).
        super().__init__(f"{path}: {message}" if path and path not in message else message)


_Stored = str | tuple[tuple[str, str], ...]


def _frozen_profiles(
    value: Mapping[str, Mapping[str, ProfileValue]],
) -> tuple[tuple[str, tuple[tuple[str, _Stored], ...]], ...]:
    """Converter: profiles as nested tuples, so that an `AwsConfig` is hashable."""
    return tuple(
        (name, tuple((k, v if isinstance(v, str) else tuple(v.items())) for k, v in keys.items()))
        for name, keys in value.items()
    )


@attrs.frozen
class AwsConfig:
    """The profiles of an AWS config file (and credentials file), as the AWS CLI sees them."""

    path: str
    profiles: tuple[tuple[str, tuple[tuple[str, _Stored], ...]], ...] = attrs.field(
        converter=_frozen_profiles
    )
    credentials_path: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The profile names, in file order (config file first)."""
        return tuple(name for name, _ in self.profiles)

    def profile(self, name: str) -> dict[str, ProfileValue] | None:
        """The keys of profile `name`, or None when there is no such profile."""
        for found, keys in self.profiles:
            if found == name:
                return {k: v if isinstance(v, str) else dict(v) for k, v in keys}
        return None


def default_config_path() -> str:
    """Where the AWS CLI looks for its config file: `$AWS_CONFIG_FILE`, else ~/.aws/config."""
    return os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"


def _nested(value: str, path: str, section: str, key: str) -> dict[str, str]:
    block = {}
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        sub, sep, text = line.partition("=")
        if not sep:
            raise AwsConfigError(
                f"Unable to parse config file: {path} ([{section}] {key}: the nested line "
                f"{one_line(line)!r} has no `=`)",
                code="ConfigParseError",
                path=path,
            )
        block[sub.strip()] = text.strip()
    return block


def _sections(text: str, path: str) -> dict[str, dict[str, ProfileValue]]:
    """Every section of an INI text as botocore's `raw_config_parse` returns it."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        detail = one_line(str(exc).split("\n", 1)[0])
        lineno = getattr(exc, "lineno", None)
        where = f"line {lineno}: " if lineno else ""
        raise AwsConfigError(
            f"Unable to parse config file: {path} ({where}{detail})",
            code="ConfigParseError",
            path=path,
        ) from None
    out: dict[str, dict[str, ProfileValue]] = {}
    for section in parser.sections():
        keys: dict[str, ProfileValue] = {}
        for key in parser.options(section):
            value = parser.get(section, key)
            if key in _SECRETS:
                keys[key] = REDACTED
            elif value.startswith("\n"):
                keys[key] = _nested(value, path, section, key)
            else:
                keys[key] = value
        out[section] = keys
    return out


def _profile_name(section: str) -> str | None:
    """The profile a config-file section defines (botocore's `build_profile_map`), or None."""
    if section == "default":
        return section
    if not section.startswith("profile"):
        return None
    try:
        words = shlex.split(section)
    except ValueError:
        return None
    return words[1] if len(words) == 2 else None


def parse_aws_config(
    text: str, path: str = "<config>", *, credentials: bool = False
) -> dict[str, dict[str, ProfileValue]]:
    """The profiles of a config file's text (or, with `credentials=True`, a credentials
    file's, where every section is a profile), by name."""
    sections = _sections(text, path)
    if credentials:
        return sections
    profiles: dict[str, dict[str, ProfileValue]] = {}
    for section, keys in sections.items():
        name = _profile_name(section)
        if name is not None:
            profiles[name] = keys
    return profiles


def _read(path: str) -> tuple[str, str]:
    """(the path as given, the file's text); ConfigNotFound as botocore words it."""
    full = Path(os.path.expanduser(os.path.expandvars(path)))
    if not full.is_file():
        raise AwsConfigError(
            f"The specified config file ({path}) could not be found.", code="ConfigNotFound"
        )
    try:
        return path, full.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise AwsConfigError(
            f"Unable to parse config file: {path} ({one_line(str(exc))})",
            code="ConfigParseError",
            path=path,
        ) from None


def load_aws_config(
    config: str | os.PathLike[str] | None = None,
    credentials: str | os.PathLike[str] | None = None,
) -> AwsConfig:
    """The profiles of `config` (default: `$AWS_CONFIG_FILE` or ~/.aws/config), merged with
    those of the credentials file `credentials` when one is named (its keys win)."""
    path, text = _read(os.fspath(config) if config is not None else default_config_path())
    profiles = parse_aws_config(text, path)
    cred_path = None
    if credentials is not None:
        cred_path, cred_text = _read(os.fspath(credentials))
        for name, keys in parse_aws_config(cred_text, cred_path, credentials=True).items():
            profiles[name] = {**profiles.get(name, {}), **keys}
    return AwsConfig(path=path, profiles=profiles, credentials_path=cred_path)
