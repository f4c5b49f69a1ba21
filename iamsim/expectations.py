"""A request as data, and tables of expected answers (`iamsim check`, the pytest plugin).

A request record is a mapping keyed by the Python keyword names: `caller`, `action`,
`resource`, `context`, `now` for a call; `caller`, `role_arn`, `session_name`,
`external_id`, … for AssumeRole (a present `role_arn` means AssumeRole); plus the optional
`id`, `expect` (`allowed` or `denied`) and `denied_by` (a mapping or a list of mappings
of `side`, `policy_type`, `explicit`). `request_from_mapping` is the one place that reads
it; an expectation table (`load_table`) is a YAML or JSON file of such records.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from iamsim.calls import Answerer, AssumeRoleCall, SimulateCall
from iamsim.decision import POLICY_TYPE_WORDS, Decision, Denial
from iamsim.errors import IamsimError, Problem, WorldError, _ProblemsError, did_you_mean, join_path
from iamsim.model import Policy
from iamsim.session import RoleSession
from iamsim.world.files import (
    InputRefused,
    _load_json,
    _load_yaml,
    json_int,
    read_input_file,
)

if TYPE_CHECKING:
    from iamsim.world import World

__all__ = [
    "ASSUME_ROLE_KEYS",
    "RECORD_KEYS",
    "SIMULATE_KEYS",
    "DeniedBy",
    "Expectation",
    "ExpectationError",
    "ExpectationTable",
    "Result",
    "check_table",
    "load_table",
    "read_json_lines",
    "records",
    "request_from_mapping",
    "request_to_mapping",
    "table_from_data",
]

Call = SimulateCall | AssumeRoleCall
Expect = Literal["allowed", "denied"]

SIMULATE_KEYS: tuple[str, ...] = ("caller", "action", "resource", "context", "now", "region")
ASSUME_ROLE_KEYS: tuple[str, ...] = tuple(f.name for f in attrs.fields(AssumeRoleCall))
RECORD_KEYS: tuple[str, ...] = ("id", "expect", "denied_by")
_DENIED_BY_KEYS = ("side", "policy_type", "explicit")
_SIDES = ("source", "target")
_STRINGS = (
    "role_arn",
    "session_name",
    "external_id",
    "source_identity",
    "serial_number",
    "token_code",
    "region",
)
_STRING_LISTS = ("policy_arns", "transitive_tag_keys")
# Names people reach for, and the record's own name for them.
_ALIASES = {
    "principal": "caller",
    "role_session_name": "session_name",
    "role": "role_arn",
    "outcome": "expect",
    "expected": "expect",
}


class ExpectationError(_ProblemsError):
    """A request record or an expectation table is malformed; `problems` says where and what."""

    kind = "expectation problem"


def _type_name(value: object) -> str:
    return {str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), "a list" if isinstance(value, list | tuple) else type(value).__name__
    )


@attrs.frozen
class DeniedBy:
    """Which denial an expectation names: any of side, policy type and explicitness."""

    side: str | None = None
    policy_type: str | None = None
    explicit: bool | None = None

    def matches(self, denial: Denial) -> bool:
        """Whether `denial` is the one this names (fields left out match anything)."""
        return (
            (self.side is None or denial.side == self.side)
            and (self.policy_type is None or denial.policy_type == self.policy_type)
            and (self.explicit is None or denial.explicit == self.explicit)
        )

    def words(self) -> str:
        """`the target side's role trust policy (explicit)`, as far as it is given."""
        how = "" if self.explicit is None else " (explicit)" if self.explicit else " (implicit)"
        if self.policy_type is None:
            return f"the {self.side} side{how}" if self.side else f"a layer{how}"
        what = POLICY_TYPE_WORDS.get(self.policy_type, self.policy_type)
        return f"the {self.side} side's {what}{how}" if self.side else f"the {what}{how}"

    def to_mapping(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}


def _denial_words(denial: Denial) -> str:
    return DeniedBy(denial.side, denial.policy_type, denial.explicit).words()


@attrs.frozen
class Expectation:
    """A request record: the call, and what the answer should be (if anything)."""

    call: Call
    id: str | None = None
    expect: Expect | None = None
    denied_by: tuple[DeniedBy, ...] = ()
    path: str = ""

    @property
    def name(self) -> str:
        """The record's `id`, else where it is."""
        return self.id or self.path or "request"

    def run(self, world: Answerer) -> Decision:
        """Ask `world` the record's question."""
        return self.call.run(world)

    def mismatch(self, decision: Decision) -> str | None:
        """Why `decision` does not meet the expectation, on one line; None when it does."""
        if self.expect is None:
            return None
        if self.expect == "allowed":
            return None if decision.allowed else f"expected allowed, got {decision.outcome}"
        if decision.allowed:
            return "expected denied, got allowed"
        missing = [x for x in self.denied_by if not any(x.matches(d) for d in decision.denied_by)]
        if not missing:
            return None
        actual = "; ".join(_denial_words(d) for d in decision.denied_by) or "nothing"
        return f"expected denied by {', '.join(x.words() for x in missing)}; denied by {actual}"

    def check(self, world: Answerer) -> Result:
        """Ask, and compare."""
        decision = self.run(world)
        return Result(self, decision, self.mismatch(decision))

    def to_mapping(self) -> dict[str, Any]:
        """The record as data again (`request_from_mapping` reads it back)."""
        out: dict[str, Any] = {} if self.id is None else {"id": self.id}
        out |= request_to_mapping(self.call)
        if self.expect is not None:
            out["expect"] = self.expect
        if self.denied_by:
            out["denied_by"] = [x.to_mapping() for x in self.denied_by]
        return out


@attrs.frozen
class Result:
    """One expectation checked: the decision, and why it does not match (None: it does)."""

    expectation: Expectation
    decision: Decision
    problem: str | None

    @property
    def passed(self) -> bool:
        return self.problem is None

    def message(self) -> str:
        """The mismatch, then the decision's explanation."""
        head = f"{self.expectation.name}: {self.problem or 'as expected'}"
        return f"{head}\n{self.decision.explain()}"


def request_to_mapping(call: Call) -> dict[str, Any]:
    """A call as a request record: its arguments by keyword name, `None`s left out."""
    args = call.arguments()
    if isinstance(call, SimulateCall):
        args["caller"] = args.pop("principal")
        args = {k: args[k] for k in SIMULATE_KEYS}
    return {k: v for k, v in args.items() if v is not None}


def request_from_mapping(m: object, *, path: str = "") -> Expectation:
    """Read one request record (see the module docstring); `path` names where it is.

    Raise `ExpectationError` listing every problem: an unknown key (with "did you
    mean"), a missing or mistyped value, an `expect` or `denied_by` that cannot be.
    """
    problems: list[Problem] = []

    def bad(key: str, message: str, hint: str | None = None, code: str = "value") -> None:
        problems.append(Problem(f"request.{code}", join_path(path, key), message, hint))

    if not isinstance(m, Mapping):
        raise ExpectationError(
            Problem("request.type", path, f"a request record is a mapping, not {_type_name(m)}")
        )
    assume = "role_arn" in m
    allowed = (ASSUME_ROLE_KEYS if assume else SIMULATE_KEYS) + RECORD_KEYS
    values: dict[str, Any] = {}
    for key, value in m.items():
        if not isinstance(key, str):
            bad("", f"a key must be text, not {_type_name(key)} {key!r}", code="key")
        elif key not in allowed:
            other = SIMULATE_KEYS if assume else ASSUME_ROLE_KEYS
            if key in other:
                hint: str | None = (
                    "a record with role_arn is an AssumeRole call"
                    if assume
                    else "AssumeRole records name the role in role_arn"
                )
                bad(
                    key, f"{key} is not a key of {'an AssumeRole' if assume else 'a'} request", hint
                )
            else:
                hint = (
                    f"did you mean `{_ALIASES[key]}`?"
                    if _ALIASES.get(key) in allowed
                    else did_you_mean(key, allowed)
                )
                bad(key, f"unknown key {key!r}", hint or "keys: " + ", ".join(allowed), "key")
        else:
            values[key] = value

    def text(key: str, *, required: bool = False) -> str | None:
        value = values.get(key)
        if value is None:
            if required and key not in values:
                bad(key, f"{key} is required", code="missing")
            elif required:
                bad(key, f"{key} must be a string, not null")
            return None
        if not isinstance(value, str) or (required and not value):
            bad(key, f"{key} must be a non-empty string, not {_type_name(value)} {value!r}")
            return None
        return value

    caller = values.get("caller")
    if "caller" not in values:
        bad("caller", "caller is required (the ARN of who asks)", code="missing")
    elif not (isinstance(caller, RoleSession) or (isinstance(caller, str) and caller)):
        bad("caller", f"caller must be an ARN string, not {_type_name(caller)} {caller!r}")
        caller = None
    context = values.get("context")
    if context is not None and not isinstance(context, Mapping):
        bad("context", f"context must be a mapping of condition keys, not {_type_name(context)}")
        context = None
    now = _now(values.get("now"), lambda message: bad("now", message))

    call: Call | None = None
    if assume:
        args: dict[str, Any] = {}
        for key in _STRINGS:
            args[key] = text(key, required=key in ("role_arn", "session_name"))
        duration = values.get("duration_seconds")
        if duration is not None and (type(duration) is bool or not isinstance(duration, int)):
            bad("duration_seconds", f"duration_seconds must be a number, not {duration!r}")
            duration = None
        for key in _STRING_LISTS:
            items = values.get(key)
            if items is None:
                continue
            if not isinstance(items, list | tuple) or not all(isinstance(x, str) for x in items):
                bad(key, f"{key} must be a list of strings")
            else:
                args[key] = tuple(items)
        policy = values.get("policy")
        if policy is not None and not isinstance(policy, str | Mapping | Policy):
            bad("policy", f"policy must be a policy document, not {_type_name(policy)}")
        tags = values.get("tags")
        if tags is not None and not isinstance(tags, Mapping | list | tuple):
            bad("tags", f"tags must be a mapping of tag keys to values, not {_type_name(tags)}")
        if caller is not None and not problems:
            call = AssumeRoleCall(
                caller=caller,
                duration_seconds=duration,
                policy=policy,
                tags=tags,
                context=context,
                now=now,
                **args,
            )
    else:
        action = text("action", required=True)
        resource = text("resource", required=True)
        region = text("region", required=False)
        if caller is not None and action is not None and resource is not None:
            call = SimulateCall(caller, action, resource, context, now, region)

    record_id = values.get("id")
    if record_id is not None and not isinstance(record_id, str | int):
        bad("id", f"id must be a string, not {_type_name(record_id)}")
    expect = values.get("expect")
    if expect is not None and expect not in ("allowed", "denied"):
        wanted: str | None = did_you_mean(str(expect), ("allowed", "denied"))
        if expect in ("allow", "explicitDeny", "implicitDeny", "deny"):
            wanted = f"did you mean `{'allowed' if expect.startswith('allow') else 'denied'}`?"
        bad("expect", f"expect must be `allowed` or `denied`, not {expect!r}", wanted)
        expect = None
    denied_by = _denied_by(values.get("denied_by"), join_path(path, "denied_by"), problems)
    if denied_by and expect is None and "expect" not in values:
        expect = "denied"
    if denied_by and expect == "allowed":
        bad("denied_by", "denied_by names a denial, but expect is `allowed`")
    if problems or call is None:
        raise ExpectationError(problems or [Problem("request.invalid", path, "invalid request")])
    return Expectation(
        call=call,
        id=None if record_id is None else str(record_id),
        expect=expect,
        denied_by=denied_by,
        path=path,
    )


def _now(value: object, bad: Any) -> _dt.datetime | None:
    if value is None or isinstance(value, _dt.datetime):
        return value
    if isinstance(value, str):
        try:
            moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            bad(f"now must be an ISO 8601 time such as 2026-06-15T12:00:00Z, not {value!r}")
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)
    bad(f"now must be an ISO 8601 time, not {_type_name(value)}")
    return None


def _denied_by(value: object, path: str, problems: list[Problem]) -> tuple[DeniedBy, ...]:
    if value is None:
        return ()
    entries = value if isinstance(value, list | tuple) else [value]
    out: list[DeniedBy] = []
    for i, entry in enumerate(entries):
        where = f"{path}[{i}]" if isinstance(value, list | tuple) else path
        before = len(problems)

        def bad(key: str, message: str, hint: str | None = None, *, at: str = where) -> None:
            problems.append(Problem("request.denied_by", join_path(at, key), message, hint))

        if not isinstance(entry, Mapping) or not entry:
            bad("", "denied_by names a denial: a mapping of side, policy_type and explicit")
            continue
        for key in entry:
            if key not in _DENIED_BY_KEYS:
                hint = (
                    did_you_mean(str(key), _DENIED_BY_KEYS) or "keys: side, policy_type, explicit"
                )
                bad(str(key), f"unknown key {key!r}", hint)
        side, kind, explicit = (entry.get(k) for k in _DENIED_BY_KEYS)
        if side is not None and side not in _SIDES:
            bad("side", f"side must be `source` or `target`, not {side!r}")
        if kind is not None and kind not in POLICY_TYPE_WORDS:
            hint = did_you_mean(str(kind), POLICY_TYPE_WORDS) or "one of " + ", ".join(
                POLICY_TYPE_WORDS
            )
            bad("policy_type", f"unknown policy_type {kind!r}", hint)
        if explicit is not None and not isinstance(explicit, bool):
            bad("explicit", f"explicit must be true or false, not {explicit!r}")
        if len(problems) == before:
            out.append(DeniedBy(side, kind, explicit))
    return tuple(out)


# ---------------------------------------------------------------------------- tables


@attrs.frozen
class ExpectationTable:
    """An expectation table: its file, the world it names (resolved) and its records."""

    path: str
    world: str | None
    rows: tuple[Expectation, ...]

    def check(self, world: Answerer) -> tuple[Result, ...]:
        return check_table(self, world)

    def load_world(self, override: str | os.PathLike[str] | None = None) -> World:
        """The world to ask: `override` if given, else the table's own `world:`."""
        from iamsim.world import World

        chosen = override if override is not None else self.world
        if chosen is None:
            raise ExpectationError(
                Problem(
                    "table.world",
                    self.path,
                    "no world: name one with a top-level `world:` in the table, or --world",
                )
            )
        return World.load(chosen)


def table_from_data(data: object, *, name: str = "", base: Path | None = None) -> ExpectationTable:
    """An expectation table from parsed data: `{world:, expectations: [...]}` or a bare list.

    A relative `world:` is resolved against `base` (the table file's folder).
    """
    problems: list[Problem] = []
    world: str | None = None
    prefix = "expectations"
    if isinstance(data, list):
        rows, prefix = data, ""
    elif isinstance(data, Mapping):
        for key in data:
            if key not in ("world", "expectations"):
                hint = (
                    did_you_mean(str(key), ("world", "expectations")) or "keys: world, expectations"
                )
                problems.append(
                    Problem("table.key", f"{name}: {key}", f"unknown key {key!r}", hint)
                )
        raw_world = data.get("world")
        if raw_world is not None and not (isinstance(raw_world, str) and raw_world):
            problems.append(Problem("table.world", f"{name}: world", "world must be a file path"))
        elif raw_world is not None:
            world = str((base or Path()) / raw_world)
        if "expectations" not in data:
            problems.append(
                Problem("table.missing", name, "an expectation table needs `expectations: [...]`")
            )
        found = data.get("expectations")
        rows = [] if found is None else found
        if not isinstance(rows, list):
            problems.append(
                Problem("table.type", f"{name}: expectations", "expectations must be a list")
            )
            rows = []
    else:
        raise ExpectationError(
            Problem(
                "table.type",
                name,
                f"an expectation table is a mapping or a list, not {_type_name(data)}",
            )
        )
    out: list[Expectation] = []
    seen: dict[str, str] = {}
    for i, row in enumerate(rows):
        at = f"{prefix}[{i}]"
        where = f"{name}: {at}" if name else at
        try:
            record = request_from_mapping(row, path=where)
        except ExpectationError as exc:
            problems += exc.problems
            continue
        if record.expect is None:
            problems.append(
                Problem(
                    "table.expect",
                    join_path(where, "expect"),
                    "each row of an expectation table says `expect: allowed` or `expect: denied`",
                )
            )
        if record.id is not None and record.id in seen:
            problems.append(
                Problem(
                    "table.duplicate_id",
                    join_path(where, "id"),
                    f"id {record.id!r} is used twice (first at {seen[record.id]})",
                )
            )
        elif record.id is not None:
            seen[record.id] = at
        out.append(attrs.evolve(record, path=at))
    if problems:
        raise ExpectationError(problems)
    return ExpectationTable(path=name, world=world, rows=tuple(out))


def load_table(path: str | os.PathLike[str]) -> ExpectationTable:
    """Read an expectation table from a .yaml/.yml or .json file."""
    name = os.fspath(path)
    ext = Path(name).suffix.lower()
    if ext not in (".yaml", ".yml", ".json"):
        raise ExpectationError(
            Problem(
                "file.format",
                name,
                f"unsupported expectation table extension {ext or '(none)'!r}",
                "use .yaml, .yml or .json",
            )
        )
    try:
        raw = read_input_file(name)
    except InputRefused as exc:
        raise ExpectationError(Problem(exc.code, name, exc.message, exc.hint)) from None
    except OSError as exc:
        raise ExpectationError(
            Problem("file.unreadable", name, f"cannot read the file: {exc.strerror or exc}")
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExpectationError(Problem("file.syntax", name, "not UTF-8 text")) from None
    try:
        data = _load_json(text, name) if ext == ".json" else _load_yaml(text, name)
    except WorldError as exc:
        raise ExpectationError(exc.problems) from None
    if data is None:
        raise ExpectationError(Problem("file.empty", name, "the expectation table is empty"))
    return table_from_data(data, name=name, base=Path(name).parent)


def check_table(table: ExpectationTable, world: Answerer) -> tuple[Result, ...]:
    """Check every row of `table` against `world`.

    A row the world cannot ask (an unknown caller, a parameter STS rejects) raises
    `ExpectationError` naming the row, after every row has been tried.
    """
    results: list[Result] = []
    problems: list[Problem] = []
    for row in table.rows:
        try:
            results.append(row.check(world))
        except ExpectationError as exc:
            problems += exc.problems
        except IamsimError as exc:
            where = f"{table.path}: {row.path}" if table.path else row.path
            label = f" ({row.id})" if row.id else ""
            found = exc.problems if isinstance(exc, _ProblemsError) else [str(exc)]
            problems += [Problem("request.rejected", where + label, str(p)) for p in found]
    if problems:
        raise ExpectationError(problems)
    return tuple(results)


def records(rows: Sequence[Mapping[str, Any]]) -> tuple[Expectation, ...]:
    """Read several request records (paths `[0]`, `[1]`, …), raising once for all problems."""
    out: list[Expectation] = []
    problems: list[Problem] = []
    for i, row in enumerate(rows):
        try:
            out.append(request_from_mapping(row, path=f"[{i}]"))
        except ExpectationError as exc:
            problems += exc.problems
    if problems:
        raise ExpectationError(problems)
    return tuple(out)


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_json_lines(text: str, name: str) -> ExpectationTable:
    """Request records as JSON lines (`iamsim batch`), one record a line, blank lines skipped.

    Each row's path is `NAME:LINE`. Raise `ExpectationError` listing every bad line, each
    problem at `NAME:LINE` (then the key inside the record): nothing is asked of a world
    until every line reads.
    """
    problems: list[Problem] = []
    rows: list[Expectation] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            data = json.loads(line, parse_int=json_int, parse_constant=_json_constant)
        except json.JSONDecodeError as exc:
            problems.append(
                Problem("file.syntax", where, f"not JSON: {exc.msg} at column {exc.colno}")
            )
            continue
        except (ValueError, RecursionError) as exc:
            why = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
            problems.append(Problem("file.syntax", where, f"not JSON: {why}"))
            continue
        try:
            record = request_from_mapping(data)
        except ExpectationError as exc:
            problems += [
                attrs.evolve(p, path=f"{where}: {p.path}" if p.path else where)
                for p in exc.problems
            ]
            continue
        rows.append(attrs.evolve(record, path=where))
    if problems:
        raise ExpectationError(problems)
    return ExpectationTable(path="", world=None, rows=tuple(rows))
