"""Decision ⇄ JSON-able data, versioned (`"schema": "iamsim.decision/1"`).

`decision_to_dict` writes everything a renderer needs, so a saved decision can be
rendered again without the world; `decision_from_dict` rebuilds an equal Decision
and rejects a malformed or foreign document with the path of the bad element.
Derived fields (`allowed`, `sides`, `summary`, `aws_error`, `aws_error_detailed`) are
written for readers and checked for consistency when read back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from iamsim.decision import SCHEMA_VERSION, Check, Decision, Denial, NearMiss
from iamsim.errors import IamsimError, ValidationError
from iamsim.reason import Reason
from iamsim.render.aws import aws_error, aws_error_detailed
from iamsim.session import RoleSession

__all__ = ["DecisionDocumentError", "decision_from_dict", "decision_to_dict"]

T = TypeVar("T")

_OUTCOMES = ("allowed", "explicitDeny", "implicitDeny")
_SIDES = ("source", "target")


class DecisionDocumentError(ValidationError):
    """A saved decision that cannot be read back; `path` names the bad element."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        where = path or "(document)"
        super().__init__(f"decision document: {where}: {message}", code="InvalidDecisionDocument")


def _context_value(value: Any) -> Any:
    # Multivalued context keys are tuples inside the frozen Decision, lists in JSON.
    return list(value) if isinstance(value, tuple) else value


def decision_to_dict(d: Decision) -> dict[str, Any]:
    """The whole decision as JSON-able data (`json.dumps` works on the result)."""
    from iamsim.render.text import summary

    return {
        "schema": SCHEMA_VERSION,
        "operation": d.operation,
        "caller": d.caller,
        "caller_account": d.caller_account,
        "action": d.action,
        "resource": d.resource,
        "resource_account": d.resource_account,
        "allowed": d.allowed,
        "outcome": d.outcome,
        "sides": list(d.sides),
        "summary": summary(d),
        "denied_by": [x.to_dict() for x in d.denied_by],
        "near_misses": [x.to_dict() for x in d.near_misses],
        "missing_context_keys": list(d.missing_context_keys),
        "aws_error": aws_error(d),
        "aws_error_detailed": aws_error_detailed(d),
        "checks": [c.to_dict() for c in d.checks],
        "context": {key: _context_value(value) for key, value in d.context},
        "notes": list(d.notes),
        "session": None if d.session is None else d.session.to_dict(),
    }


# --- reading back --------------------------------------------------------------------------


def _field(data: dict[str, Any], key: str, kind: type | tuple[type, ...], path: str) -> Any:
    if key not in data:
        raise DecisionDocumentError(_join(path, key), "required field is missing")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise DecisionDocumentError(
            _join(path, key), f"expected {_kind_name(kind)}, got {_json_type(value)}"
        )
    return value


def _optional(data: dict[str, Any], key: str, kind: type, path: str) -> Any:
    value = data.get(key)
    if value is None:
        return None
    return _field(data, key, kind, path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", bool: "a boolean", list: "a list", dict: "an object"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        str: "a string",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _strings(data: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
    items = _field(data, key, list, path)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise DecisionDocumentError(
                f"{_join(path, key)}[{i}]", f"expected a string, got {_json_type(item)}"
            )
    return tuple(items)


def _records(
    data: dict[str, Any], key: str, build: Callable[[dict[str, Any]], T], path: str
) -> tuple[T, ...]:
    """Each element of a list of objects, built with `build`; any failure names its index."""
    items = _field(data, key, list, path)
    out: list[T] = []
    for i, item in enumerate(items):
        where = f"{_join(path, key)}[{i}]"
        out.append(_build(item, build, where))
    return tuple(out)


def _build(item: Any, build: Callable[[dict[str, Any]], T], where: str) -> T:
    if not isinstance(item, dict):
        raise DecisionDocumentError(where, f"expected an object, got {_json_type(item)}")
    try:
        return build(item)
    except DecisionDocumentError:
        raise
    except IamsimError as exc:  # e.g. a PolicyError in an embedded policy document
        raise DecisionDocumentError(where, str(exc)) from exc
    except KeyError as exc:
        raise DecisionDocumentError(where, f"required field {exc.args[0]!r} is missing") from exc
    except (TypeError, ValueError, AttributeError, IndexError) as exc:
        raise DecisionDocumentError(where, f"malformed record ({exc})") from exc


def _denial(item: dict[str, Any]) -> Denial:
    denial = Denial.from_dict(item)
    if denial.side not in _SIDES:
        raise ValueError(f"side must be 'source' or 'target', not {denial.side!r}")
    return denial


def _near_miss(item: dict[str, Any]) -> NearMiss:
    miss = NearMiss.from_dict(item)
    if miss.side not in _SIDES:
        raise ValueError(f"side must be 'source' or 'target', not {miss.side!r}")
    return miss


def _context(data: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    raw = data.get("context", {})
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise DecisionDocumentError("context", f"expected an object, got {_json_type(raw)}")
    out: list[tuple[str, Any]] = []
    for key, value in raw.items():
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise DecisionDocumentError(f"context.{key}", "expected a list of strings")
            value = tuple(value)
        out.append((key, value))
    return tuple(out)


def decision_from_dict(data: Any) -> Decision:
    """Rebuild the Decision `decision_to_dict` wrote: `from_dict(to_dict(d)) == d`.

    Raises `DecisionDocumentError` (a `ValidationError`) naming the path of the first bad
    element, for a document that is not an object, has another schema, or is malformed.
    """
    if not isinstance(data, dict):
        raise DecisionDocumentError("", f"expected an object, got {_json_type(data)}")
    schema = data.get("schema")
    if schema != SCHEMA_VERSION:
        raise DecisionDocumentError(
            "schema", f"expected {SCHEMA_VERSION!r}, got {schema!r}; not an iamsim decision"
        )
    outcome = _field(data, "outcome", str, "")
    if outcome not in _OUTCOMES:
        raise DecisionDocumentError(
            "outcome", f"expected one of {', '.join(_OUTCOMES)}, got {outcome!r}"
        )
    if "allowed" in data and data["allowed"] != (outcome == "allowed"):
        raise DecisionDocumentError("allowed", f"contradicts outcome {outcome!r}")

    session_data = data.get("session")
    session = (
        None if session_data is None else _build(session_data, RoleSession.from_dict, "session")
    )
    decision = Decision(
        operation=_field(data, "operation", str, ""),
        caller=_field(data, "caller", str, ""),
        caller_account=_optional(data, "caller_account", str, ""),
        action=_field(data, "action", str, ""),
        resource=_field(data, "resource", str, ""),
        resource_account=_optional(data, "resource_account", str, ""),
        outcome=outcome,
        denied_by=_records(data, "denied_by", _denial, ""),
        near_misses=_records(data, "near_misses", _near_miss, ""),
        missing_context_keys=_strings(data, "missing_context_keys", ""),
        checks=_records(data, "checks", Check.from_dict, ""),
        context=_context(data),
        notes=tuple(map(Reason.saved, _strings(data, "notes", ""))) if "notes" in data else (),
        session=session,
    )
    if decision.allowed and decision.denied_by:
        raise DecisionDocumentError("denied_by", "an allowed decision has no denials")
    return decision
