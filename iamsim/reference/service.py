"""AWS's service reference, shipped as data: every service's actions, resource types and
condition keys (with their types), and the `aws:` global condition keys.

Used to type a condition key (so that a request value the key's type cannot read is refused
for a documented key) and to say "did you mean" for a misspelt action or key. The table is
iamsim/data/service-reference.json.gz, built by scripts/build_service_reference.py; its
`about` names its source, version, licence and build date. It is read on first use and kept
(one immutable `Reference`, cached by `load_reference`).

Names match case-insensitively, as IAM matches them; answers give AWS's documented spelling.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import json
import re
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

import attrs

__all__ = [
    "ActionInfo",
    "Reference",
    "Service",
    "action_info",
    "action_known",
    "action_retired",
    "condition_key_type",
    "load_reference",
    "parse_reference",
    "reference_about",
    "service_actions",
    "service_condition_keys",
    "service_name",
    "service_resource_types",
    "suggest_action",
    "suggest_condition_key",
]

DATA_PACKAGE = "iamsim.data"
DATA_FILE = "service-reference.json.gz"

# A documented key's variable part: `${TagKey}` (most services) or `<key>` (S3's object tags).
_PLACEHOLDER = re.compile(r"\\\$\\\{[^}]*\\\}|<[^>]*>")
# A documented key that ends in a variable part after a slash, such as a tag key.
_TAGGED = re.compile(r"(.*?/)(?:\$\{[^}]*\}|<[^>]*>)")
# IAM's wildcards in an action name.
_WILDCARD = re.compile(r"[*?]")


@attrs.frozen
class ActionInfo:
    """One action as AWS documents it: access level, resource types, condition keys."""

    name: str
    access: str
    resources: tuple[str, ...]
    required_resources: tuple[str, ...]
    condition_keys: tuple[str, ...]


@attrs.frozen
class Service:
    """One service: its documented name and its actions, resource types and condition keys,
    each indexed by lower-case name (`action_entries`, the table's own entries, by documented
    name: turned into `ActionInfo` only when asked for). `retired_actions` are actions AWS
    documented before and no longer does, which its older managed policies still name."""

    prefix: str
    name: str
    actions: Mapping[str, str]
    action_entries: Mapping[str, Mapping[str, Any]]
    retired_actions: Mapping[str, str]
    resource_types: Mapping[str, str]
    condition_keys: Mapping[str, tuple[str, str]]


@attrs.frozen
class Reference:
    """The whole table. `keys` indexes every documented condition key (global keys first,
    then each service's own, then other services' mentions) by lower-case name;
    `patterns` holds the keys with a variable part, such as `aws:PrincipalTag/${TagKey}`."""

    about: Mapping[str, str]
    services: Mapping[str, Service]
    global_keys: Mapping[str, tuple[str, str]]
    keys: Mapping[str, tuple[str, str]]
    patterns: tuple[tuple[re.Pattern[str], str, str], ...]


def _frozen(mapping: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(mapping)


def _service(prefix: str, raw: Mapping[str, Any]) -> Service:
    return Service(
        prefix=prefix,
        name=raw["name"],
        actions=_frozen({name.lower(): name for name in raw["actions"]}),
        action_entries=_frozen(raw["actions"]),
        retired_actions=_frozen({name.lower(): name for name in raw["retired_actions"]}),
        resource_types=_frozen({n: r["arn"] for n, r in raw["resource_types"].items()}),
        condition_keys=_frozen({k.lower(): (k, t) for k, t in raw["condition_keys"].items()}),
    )


def _pattern(key: str) -> re.Pattern[str]:
    return re.compile(_PLACEHOLDER.sub(".+", re.escape(key.lower())), re.IGNORECASE)


def parse_reference(raw: Mapping[str, Any]) -> Reference:
    """Index the decoded JSON table for lookups."""
    services = {prefix: _service(prefix, entry) for prefix, entry in raw["services"].items()}
    global_keys = {k.lower(): (k, t) for k, t in raw["global_condition_keys"].items()}
    keys: dict[str, tuple[str, str]] = dict(global_keys)
    for prefix, service in sorted(services.items()):
        for lower, entry in service.condition_keys.items():
            if lower.partition(":")[0] == prefix:
                keys.setdefault(lower, entry)
    for _, service in sorted(services.items()):
        for lower, entry in service.condition_keys.items():
            keys.setdefault(lower, entry)
    patterns = tuple(
        (_pattern(documented), documented, kind)
        for documented, kind in sorted(keys.values())
        if _PLACEHOLDER.search(re.escape(documented))
    )
    return Reference(
        about=_frozen({k: str(v) for k, v in raw["about"].items()}),
        services=_frozen(services),
        global_keys=_frozen(global_keys),
        keys=_frozen(keys),
        patterns=patterns,
    )


@functools.cache
def load_reference() -> Reference:
    """The shipped table, read and indexed on first use."""
    data = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_bytes()
    return parse_reference(json.loads(gzip.decompress(data)))


def reference_about() -> Mapping[str, str]:
    """Where the table comes from: source package, version, licence, build date."""
    return load_reference().about


def _split(action: str) -> tuple[str, str] | None:
    prefix, colon, name = action.partition(":")
    if not colon or not prefix or not name:
        return None
    return prefix.lower(), name.lower()


def _wildcard(name: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in name),
        re.IGNORECASE | re.DOTALL,
    )


def action_known(action: str) -> bool | None:
    """Whether AWS documents `service:Action`, now or before it retired it (a wildcard name:
    whether it matches any such action); None when the service itself is unknown or the
    text is no action."""
    if action == "*":
        return True
    parts = _split(action)
    if parts is None:
        return None
    service = load_reference().services.get(parts[0])
    if service is None:
        return None
    if _WILDCARD.search(parts[1]):
        pattern = _wildcard(parts[1])
        return any(pattern.fullmatch(name) for names in _names(service) for name in names)
    return any(parts[1] in names for names in _names(service))


def action_retired(action: str) -> bool:
    """Whether `service:Action` is one AWS documented before and no longer does (its service
    or the action retired); such names are real, so no typo."""
    parts = _split(action)
    if parts is None:
        return False
    service = load_reference().services.get(parts[0])
    return (
        service is not None
        and parts[1] in service.retired_actions
        and parts[1] not in service.actions
    )


def _names(service: Service) -> tuple[Mapping[str, str], Mapping[str, str]]:
    return service.actions, service.retired_actions


def action_info(action: str) -> ActionInfo | None:
    """AWS's entry for `service:Action`, or None when it documents no such action now."""
    parts = _split(action)
    if parts is None:
        return None
    service = load_reference().services.get(parts[0])
    name = None if service is None else service.actions.get(parts[1])
    if service is None or name is None:
        return None
    entry = service.action_entries[name]
    return ActionInfo(
        name=name,
        access=entry["access"],
        resources=tuple(entry["resources"]),
        required_resources=tuple(entry["required_resources"]),
        condition_keys=tuple(entry["condition_keys"]),
    )


def service_name(prefix: str) -> str | None:
    """A service's documented name ("Amazon S3" for `s3`), or None when unknown."""
    service = load_reference().services.get(prefix.lower())
    return None if service is None else service.name


def service_actions(prefix: str) -> tuple[str, ...] | None:
    """A service's currently documented action names, sorted (empty for a retired service);
    None when the service is unknown."""
    service = load_reference().services.get(prefix.lower())
    if service is None:
        return None
    return tuple(sorted(service.actions.values()))


def service_resource_types(prefix: str) -> Mapping[str, str] | None:
    """A service's resource types and their ARN formats; None when the service is unknown."""
    service = load_reference().services.get(prefix.lower())
    return None if service is None else service.resource_types


def service_condition_keys(prefix: str) -> Mapping[str, str] | None:
    """A service's own condition keys (documented spelling) and their types; None when the
    service is unknown. For `aws`, the global condition keys."""
    reference = load_reference()
    lower = prefix.lower()
    if lower == "aws":
        return _frozen(dict(reference.global_keys.values()))
    service = reference.services.get(lower)
    return None if service is None else _frozen(dict(service.condition_keys.values()))


def condition_key_type(key: str) -> str | None:
    """The documented type of a condition key (String, ARN, Numeric, Date, Bool, IPAddress,
    Binary, ArrayOfString, ...), or None when AWS documents no such key. Keys with a variable
    part match their documented form: `aws:PrincipalTag/team` is `aws:PrincipalTag/${TagKey}`,
    `s3:ExistingObjectTag/env` is `s3:ExistingObjectTag/<key>`."""
    reference = load_reference()
    lower = key.lower()
    entry = reference.keys.get(lower)
    if entry is not None:
        return entry[1]
    for pattern, _, kind in reference.patterns:
        if pattern.fullmatch(lower):
            return kind
    return None


def _close(word: str, candidates: Mapping[str, str]) -> list[str]:
    """Documented spellings whose lower-case form is close to `word` (lower case), best first."""
    return [candidates[m] for m in difflib.get_close_matches(word, list(candidates), n=3)]


def suggest_action(action: str) -> list[str]:
    """ "Did you mean": documented actions close to an unknown `service:Action`, best first;
    empty when the action is known, has a wildcard, or nothing is close."""
    parts = _split(action)
    if parts is None or _WILDCARD.search(action) or action_known(action):
        return []
    prefix, name = parts
    services = load_reference().services
    service = services.get(prefix)
    if service is not None:
        names = {**service.retired_actions, **service.actions}
        return [f"{prefix}:{match}" for match in _close(name, names)]
    # An unknown service: a close prefix that documents this very action.
    close = difflib.get_close_matches(prefix, list(services), n=3, cutoff=0.5)
    return [
        f"{other}:{services[other].actions[name]}"
        for other in close
        if name in services[other].actions
    ]


def suggest_condition_key(key: str) -> list[str]:
    """ "Did you mean": documented condition keys close to an unknown key, from the key's
    own service (or the global keys for `aws:`), best first; empty when the key is known."""
    if condition_key_type(key) is not None:
        return []
    reference = load_reference()
    lower = key.lower()
    prefix = lower.partition(":")[0]
    if prefix == "aws":
        candidates = dict(reference.global_keys.values())
    elif prefix in reference.services:
        candidates = dict(reference.services[prefix].condition_keys.values())
    else:
        candidates = dict(reference.keys.values())
    _, slash, suffix = key.partition("/")
    spelled: dict[str, str] = {}
    for documented in candidates:
        tagged = _TAGGED.fullmatch(documented)
        # A key with a variable part is offered with the caller's own tag key in it.
        shown = tagged.group(1) + suffix if tagged and slash else documented
        spelled[shown.lower()] = shown
    return _close(lower, spelled)
