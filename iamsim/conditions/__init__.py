"""Condition operators: check a condition entry, compile it once, evaluate it per request.

    check_condition(entry, substitute=…)  -> every problem, paths relative to the Condition block
    compile_condition(entry, substitute=…) -> CompiledCondition (raises PolicyError if invalid)
    CompiledCondition.evaluate(context)    -> ConditionTrace (never raises, never compiles a regex)

Sources, cited beside each rule:
  [OPS]   IAM User Guide, "IAM JSON policy elements: Condition operators"
          (reference_policies_elements_condition_operators.html)
  [MULTI] IAM User Guide, "Conditions with multiple context keys or values",
          "Single-valued vs. multivalued context keys", "Multivalued context key examples"
  [VARS]  IAM User Guide, "IAM policy elements: Variables and tags"
          (reference_policies_variables.html)

Plain operator against a multivalued request value (a tuple): AWS documents no behaviour. The
"Single-valued vs. multivalued context keys" page only says that multivalued keys "require a
condition set operator" and never says what a plain operator does with one. iamsim therefore
answers with whichever plausible AWS reading is *least permissive* for the statement's effect:
the candidates are "no match" (what @cloud-copilot/iam-simulate reports), "any value matches"
(ForAnyValue-like) and "every value matches" (ForAllValues-like). In an Allow statement, the
condition matches only if every candidate says it does, and since one candidate is always
"no match", it never matches. In a Deny statement it matches if any candidate does. Pass
`effect="Deny"` to `compile_condition` for Deny statements. Without it the Allow reading is used.
The trace note always explains this. The same rule covers `Null` on a present but empty string,
which AWS does not document either (reference §3.2).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import attrs

# patterns.py imports iamsim.conditions.ast/syntax, so this package must not import names
# from it at import time (circular import); the module object is resolved lazily.
import iamsim.patterns as _patterns
from iamsim.conditions.ast import Literal as TemplateLiteral
from iamsim.conditions.ast import OperatorKey, Template
from iamsim.conditions.operators import (
    OPERATORS,
    SET_QUALIFIERS,
    OperatorSpec,
    all_spellings,
)
from iamsim.conditions.syntax import parse_operator_key, parse_template
from iamsim.conditions.values import (
    key_problem,
    policy_text,
    read_arn,
    read_base64,
    read_bool,
    read_date,
    read_ip_address,
    read_ip_network,
    read_number,
)
from iamsim.errors import PolicyError, Problem, did_you_mean, join_path
from iamsim.model import ConditionEntry, ConditionScalar
from iamsim.request import Context, ContextValue
from iamsim.trace import ConditionTrace

if TYPE_CHECKING:
    from iamsim.patterns import Pieces

__all__ = [
    "OPERATORS",
    "SET_QUALIFIERS",
    "CompiledCondition",
    "Effect",
    "OperatorSpec",
    "check_condition",
    "compile_condition",
]

Effect = Literal["Allow", "Deny"]

# A per-request-value test: True/False, or None when the operator cannot read the value.
_Hit = Callable[[str], bool | None]

_KIND_WORDS = {
    "numeric": "an integer or decimal number",
    "date": "a W3C ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.s]]TZD) "
    "or epoch seconds",
    "bool": "`true` or `false`",
    "null": "`true` or `false`",
    "ip": "an IPv4 or IPv6 address or CIDR block",
    "binary": "base64 text",
    "arn": "an ARN with six colon-separated parts",
}


# ------------------------------------------------------------------------------------------------
# Operator keys
# ------------------------------------------------------------------------------------------------


def _parse_operator(text: str) -> tuple[OperatorKey | None, list[Problem]]:
    path = text
    if ":" in text:
        prefix = text.partition(":")[0]
        if prefix not in SET_QUALIFIERS and prefix[:3].lower() == "for":
            # [OPS] the only set qualifiers are ForAnyValue and ForAllValues.
            hint = did_you_mean(prefix, SET_QUALIFIERS) or did_you_mean(text, all_spellings())
            return None, [
                Problem(
                    "condition.qualifier.unknown",
                    path,
                    f"unknown condition set qualifier `{prefix}`",
                    hint,
                )
            ]
    try:
        parsed = parse_operator_key(text)
    except PolicyError as exc:
        return None, [p.under(path) for p in exc.problems]
    if parsed.base not in OPERATORS:
        hint = did_you_mean(text, all_spellings())
        if hint is None and parsed.qualifier is None:
            hint = did_you_mean(parsed.base, OPERATORS)
        return None, [
            Problem(
                "condition.operator.unknown", path, f"unknown condition operator `{text}`", hint
            )
        ]
    spec = OPERATORS[parsed.base]
    if parsed.if_exists and not spec.if_exists_allowed:
        # [OPS] "...IfExists" may be added to "any condition operator except the Null condition".
        return None, [
            Problem(
                "condition.operator.ifexists",
                path,
                f"`{text}` is not a valid operator: IfExists cannot be used with Null",
                "use `Null` on its own",
            )
        ]
    if parsed.qualifier is not None and spec.kind == "null":
        # Design decision: AWS documents no meaning for a set qualifier on Null (Null tests
        # whether the key exists, not its values), so iamsim refuses it rather than guess.
        return None, [
            Problem(
                "condition.qualifier.null",
                path,
                f"`{text}` is not supported: Null tests whether a key exists, so a set "
                "qualifier has no documented meaning",
                "use `Null` without ForAnyValue:/ForAllValues:",
            )
        ]
    return parsed, []


# ------------------------------------------------------------------------------------------------
# Checking
# ------------------------------------------------------------------------------------------------


def _value_path(entry: ConditionEntry, index: int) -> str:
    key_path = join_path(entry.operator, entry.key)
    return key_path if entry.scalar else f"{key_path}[{index}]"


def _static_template(text: str, spec: OperatorSpec, substitute: bool) -> Template:
    """The value as a template: parsed for variables only where they are substituted."""
    if substitute and spec.variables and "${" in text:
        return parse_template(text)
    return Template(text=text, parts=(TemplateLiteral(text),) if text else ())


def _literal_pieces(template: Template) -> tuple[tuple[str, bool], ...]:
    return tuple((p.text, p.escaped) for p in template.parts if isinstance(p, TemplateLiteral))


def _split_arn_pieces(pieces: Pieces) -> list[list[tuple[str, bool]]]:
    """Split a pattern into at most six ARN parts at its first five colons."""
    parts: list[list[tuple[str, bool]]] = [[]]
    for text, literal in pieces:
        rest = text
        while len(parts) < 6 and ":" in rest:
            head, _, rest = rest.partition(":")
            parts[-1].append((head, literal))
            parts.append([])
        parts[-1].append((rest, literal))
    return parts


def _arn_pattern_usable(parts: list[list[tuple[str, bool]]]) -> bool:
    """Six parts, or fewer when the last one ends in a wildcard `*`.

    [OPS] ARN operators compare the six parts separately. With fewer parts, a trailing `*`
    stands for the rest of the ARN, as in a Resource element (IAM User Guide, "IAM JSON
    policy elements: Resource": a `*` ending a segment may expand past colons).
    """
    if len(parts) == 6:
        return True
    last = [piece for piece in parts[-1] if piece[0]]
    return bool(last) and not last[-1][1] and last[-1][0].endswith("*")


def _value_problems(
    spec: OperatorSpec, value: object, substitute: bool, path: str
) -> list[Problem]:
    if not isinstance(value, str | bool | int | float):
        return [
            Problem(
                "condition.value.type",
                path,
                f"condition value must be a string, number or boolean, not {type(value).__name__}",
            )
        ]
    if spec.kind == "numeric" and isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return [Problem("condition.value.numeric", path, f"`{value}` is not a number")]
        return []
    text = policy_text(value)
    if substitute and "${" in text and not spec.variables:
        # [VARS] policy variables are not allowed in Numeric, Date, IP, Null and Binary values.
        return [
            Problem(
                "condition.variable.not_allowed",
                path,
                f"policy variables cannot be used in {spec.name} values: `{text}`",
                "use a String or ARN operator, or write the value out",
            )
        ]
    try:
        template = _static_template(text, spec, substitute)
    except PolicyError as exc:
        return [p.under(path) for p in exc.problems]
    if not template.is_literal:
        return []  # read per request; a value that then cannot be read matches nothing
    literal = "".join(t for t, _ in _literal_pieces(template))
    ok: bool
    if spec.kind == "numeric":
        ok = read_number(literal) is not None
    elif spec.kind == "date":
        ok = read_date(literal) is not None
    elif spec.kind in ("bool", "null"):
        ok = read_bool(literal) is not None
    elif spec.kind == "ip":
        ok = read_ip_network(literal) is not None
    elif spec.kind == "binary":
        ok = read_base64(literal) is not None
    elif spec.kind == "arn":
        ok = _arn_pattern_usable(_split_arn_pieces(_literal_pieces(template)))
    else:
        ok = True
    if ok:
        return []
    return [
        Problem(
            f"condition.value.{spec.kind}",
            path,
            f"{spec.name} cannot read `{literal}`: expected {_KIND_WORDS[spec.kind]}",
        )
    ]


def check_condition(entry: ConditionEntry, *, substitute: bool) -> list[Problem]:
    """Every problem with one condition entry; paths are relative to the Condition block."""
    problems: list[Problem] = []
    parsed, op_problems = _parse_operator(entry.operator)
    problems += op_problems
    key_path = join_path(entry.operator, entry.key)
    reason = key_problem(entry.key) if isinstance(entry.key, str) else "condition key must be text"
    if reason is not None:
        problems.append(Problem("condition.key.invalid", key_path, reason))
    if not entry.values:
        problems.append(
            Problem(
                "condition.value.empty",
                key_path,
                f"`{entry.key}` has no values: a condition needs at least one",
            )
        )
    if parsed is not None:
        spec = OPERATORS[parsed.base]
        for index, value in enumerate(entry.values):
            problems += _value_problems(spec, value, substitute, _value_path(entry, index))
    return problems


# ------------------------------------------------------------------------------------------------
# Compiling: policy values into ready-to-compare forms
# ------------------------------------------------------------------------------------------------

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}

_ArnMatch = Callable[[tuple[str, ...]], bool]


def _dynamic_glob(pieces: Pieces, *, ignore_case: bool) -> Callable[[str], bool]:
    """A glob test for a per-request pattern: glob_match, never a compiled regex."""
    return lambda text: _patterns.glob_match(pieces, text, ignore_case=ignore_case)


def _arn_matcher(parts: list[list[tuple[str, bool]]], *, static: bool) -> _ArnMatch:
    last = len(parts) - 1
    tests: list[Callable[[str], bool]]
    if static:
        tests = [_patterns.compile_glob(tuple(p)).match for p in parts]
    else:
        tests = [_dynamic_glob(tuple(p), ignore_case=False) for p in parts]

    def match(request: tuple[str, ...]) -> bool:
        for i in range(last):
            if not tests[i](request[i]):
                return False
        tail = request[last] if last == 5 else ":".join(request[last:])
        return tests[last](tail)

    return match


def _form(spec: OperatorSpec, value: ConditionScalar | None, pieces: Pieces, static: bool) -> Any:
    """The compiled form of one policy value, or None when it cannot be used (matches nothing).

    `value` is the raw policy value for static values (None for substituted ones).
    """
    text = "".join(t for t, _ in pieces)
    kind = spec.kind
    if kind == "string":
        if spec.comparator == "like":
            # [OPS] StringLike: `*`/`?` wildcards, case-sensitive; substituted text is literal.
            if static:
                return _patterns.compile_glob(tuple(pieces), ignore_case=spec.ignore_case).match
            return _dynamic_glob(tuple(pieces), ignore_case=spec.ignore_case)
        # [OPS] StringEquals: exact; `*` is literal. IgnoreCase variants compare without case.
        return text.lower() if spec.ignore_case else text
    if kind == "numeric":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return read_number(text)
    if kind == "date":
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)  # a JSON number: epoch seconds
        return read_date(text)
    if kind in ("bool", "null"):
        return read_bool(text)
    if kind == "binary":
        return read_base64(text)
    if kind == "ip":
        return read_ip_network(text)
    if kind == "arn":
        parts = _split_arn_pieces(pieces)
        return _arn_matcher(parts, static=static) if _arn_pattern_usable(parts) else None
    raise AssertionError(kind)  # pragma: no cover


def _make_hit(spec: OperatorSpec, forms: Sequence[Any]) -> _Hit:
    """Does one request value match any of the policy values? None: value unreadable."""
    kind = spec.kind
    if kind == "string":
        if spec.comparator == "like":
            tests = tuple(forms)
            return lambda v: any(t(v) for t in tests)
        pool = frozenset(forms)
        if spec.ignore_case:
            return lambda v: v.lower() in pool
        return lambda v: v in pool
    if kind in ("numeric", "date"):
        # [OPS] Numeric/Date operators: request value <op> policy value; dates compared as
        # instants (UTC), epoch seconds and ISO 8601 mix freely.
        read = read_number if kind == "numeric" else read_date
        cmp = _ORDER[spec.comparator]
        limits = tuple(forms)

        def order_hit(v: str) -> bool | None:
            got = read(v)
            if got is None:
                return None
            return any(cmp(got, limit) for limit in limits)

        return order_hit
    if kind == "bool":
        wanted = frozenset(forms)

        def bool_hit(v: str) -> bool | None:
            got = read_bool(v)
            return None if got is None else got in wanted

        return bool_hit
    if kind == "binary":
        blobs = frozenset(forms)

        def binary_hit(v: str) -> bool | None:
            got = read_base64(v)
            return None if got is None else got in blobs

        return binary_hit
    if kind == "ip":
        networks = tuple(forms)

        def ip_hit(v: str) -> bool | None:
            # [OPS] IP: an address of the other IP version never matches.
            addr = read_ip_address(v)
            if addr is None:
                return None
            return any(addr.version == n.version and addr in n for n in networks)

        return ip_hit
    if kind == "arn":
        matchers = tuple(forms)

        def arn_hit(v: str) -> bool | None:
            parts = read_arn(v)  # [OPS] not a six-part ARN: no match
            if parts is None:
                return None
            return any(m(parts) for m in matchers)

        return arn_hit
    raise AssertionError(kind)  # pragma: no cover


_UNREADABLE = {
    "numeric": "is not a number",
    "date": "is not an ISO 8601 date or epoch seconds",
    "bool": "is not true or false",
    "binary": "is not base64",
    "ip": "is not an IP address",
    "arn": "is not an ARN with six parts",
    "string": "cannot be read",
}


@attrs.frozen
class _PolicyValue:
    shown: str
    template: Template | None  # set when the value holds policy variables
    form: Any = None  # the compiled form of a static value


@attrs.frozen(eq=False)
class CompiledCondition:
    """One condition entry, compiled: `evaluate` is cheap and never raises."""

    entry: ConditionEntry
    spec: OperatorSpec
    qualifier: str | None
    if_exists: bool
    effect: Effect | None
    keys: tuple[str, ...]
    _values: tuple[_PolicyValue, ...]
    _static_hit: _Hit | None
    _static_shown: tuple[str, ...]
    _null_wanted: frozenset[bool]

    @property
    def key(self) -> str:
        return self.entry.key

    def missing_keys(self, context: Context) -> tuple[str, ...]:
        """The keys this condition reads that the request lacks (variables with a default
        are never missing)."""
        out: list[str] = []
        if context.get(self.entry.key) is None:
            out.append(self.entry.key)
        for value in self._values:
            if value.template is not None:
                out.extend(value.template.missing_keys(context))
        return _dedupe(out)

    # -- evaluation --------------------------------------------------------------------------

    def _resolve(self, context: Context) -> tuple[_Hit, tuple[str, ...], list[str]]:
        shown: list[str] = []
        forms: list[Any] = []
        notes: list[str] = []
        for value in self._values:
            if value.template is None:
                shown.append(value.shown)
                forms.append(value.form)
                continue
            pieces = value.template.render(context)
            if pieces is None:
                # [VARS] a variable without default that the request lacks (or that is
                # multivalued) makes the value match nothing: it is dropped.
                shown.append(value.template.text)
                notes.append(
                    f"`{value.template.text}` names a key the request lacks (or a multivalued "
                    "one): that value matches nothing"
                )
                continue
            text = "".join(t for t, _ in pieces)
            shown.append(text)
            form = _form(self.spec, None, pieces, static=False)
            if form is None:
                notes.append(f"`{text}` cannot be read by {self.spec.name}: it matches nothing")
                continue
            forms.append(form)
        return _make_hit(self.spec, forms), tuple(shown), notes

    def _pessimistic(self, candidates: Sequence[bool]) -> bool:
        """The least permissive of several plausible AWS answers for this statement's effect."""
        return any(candidates) if self.effect == "Deny" else all(candidates)

    def evaluate(self, context: Context) -> ConditionTrace:
        try:
            return self._evaluate(context)
        except Exception as exc:  # pragma: no cover - defensive: evaluate never raises
            return ConditionTrace(
                operator=self.entry.operator,
                key=self.entry.key,
                policy_values=tuple(v.shown for v in self._values),
                request_values=None,
                matched=self.effect == "Deny",
                note=f"internal error while evaluating: {exc!r}",
            )

    def _evaluate(self, context: Context) -> ConditionTrace:
        raw: ContextValue | None = context.get(self.entry.key)
        request = None if raw is None else ((raw,) if isinstance(raw, str) else tuple(raw))
        notes: list[str] = []
        if self.spec.kind == "null":
            matched = self._null(request, notes)
            shown = self._static_shown
        else:
            if self._static_hit is not None:
                hit, shown = self._static_hit, self._static_shown
            else:
                hit, shown, notes = self._resolve(context)
            matched = self._compare(request, raw, hit, notes)
            if (
                matched
                and request
                and self.spec.negated
                and self.effect != "Deny"
                and any(
                    v.template is not None and v.template.render(context) is None
                    for v in self._values
                )
            ):
                # [VARS] an unresolvable variable "might cause the entire statement to be
                # invalid": a negated operator must not grant on the strength of a value
                # that could not be read (least permissive reading for an Allow).
                notes.append("a value could not be resolved: an Allow is not granted on it")
                matched = False
        return ConditionTrace(
            operator=self.entry.operator,
            key=self.entry.key,
            policy_values=shown,
            request_values=request,
            matched=matched,
            note="; ".join(notes) if notes else None,
        )

    def _null(self, request: tuple[str, ...] | None, notes: list[str]) -> bool:
        # [OPS] Null: "true" matches when the key is absent, "false" when it is present.
        # [MULTI] "Multivalued context key examples": a Null "false" check guards against
        # "missing context keys or context keys with empty values", so an empty set is null.
        if request is None or request == ():
            if request == ():
                notes.append("the key is present with no values: treated as null")
            return True in self._null_wanted
        if request == ("",):
            notes.append(
                "the key is present with an empty value; AWS does not document whether Null "
                f"treats that as null, so iamsim takes the least permissive answer for "
                f"{self.effect or 'Allow'}"
            )
            return self._pessimistic([True in self._null_wanted, False in self._null_wanted])
        return False in self._null_wanted

    def _compare(
        self,
        request: tuple[str, ...] | None,
        raw: ContextValue | None,
        hit: _Hit,
        notes: list[str],
    ) -> bool:
        spec = self.spec
        if self.qualifier is not None and request is not None and not any(request):
            # [MULTI] a set of empty values is a null data set: ForAllValues is true for it
            # (AWS suggests a Null check "to prevent ... context keys with empty values" from
            # evaluating to true), ForAnyValue false.
            notes.append("the key holds only empty values: treated as an empty set")
            request = ()
        if request is None or request == ():
            # [OPS] missing key: positive operators false, negated true; ...IfExists true.
            # [MULTI] ForAllValues is true when the key is missing or its set is empty;
            # ForAnyValue is false then.
            notes.append(
                "the key is absent from the request"
                if request is None
                else "the key is present with no values: treated as absent"
            )
            if self.qualifier == "ForAllValues":
                return True
            if self.qualifier == "ForAnyValue":
                if not self.if_exists:
                    return False
                # [OPS] says IfExists makes an absent key true, yet AWS answers "not allowed"
                # for an Allow with ForAnyValue:StringEqualsIfExists on an absent aws:TagKeys
                # (re:Post, "ForAnyValue:StringEqualsIfExists behaving unexpectedly"). With
                # the two readings in conflict, take the least permissive for this effect.
                notes.append(
                    "ForAnyValue with IfExists on an absent key: AWS's documentation and its "
                    "observed behaviour differ; iamsim takes the least permissive reading for "
                    f"{self.effect or 'Allow'}"
                )
                return self._pessimistic([False, True])
            if self.if_exists:
                return True  # [OPS] "...IfExists": key absent → the condition is true
            return spec.negated

        unreadable: list[str] = []

        def satisfies(v: str) -> bool:
            got = hit(v)
            if got is None:
                # A request value the operator cannot read never satisfies it (either way).
                unreadable.append(v)
                return False
            # [MULTI] several policy values: OR for positive operators, NOR for negated ones.
            return got != spec.negated

        if self.qualifier == "ForAllValues":
            # [MULTI] every request value must satisfy the operator against the policy list.
            result = all([satisfies(v) for v in request])
        elif self.qualifier == "ForAnyValue":
            # [MULTI] at least one request value must satisfy it.
            result = any([satisfies(v) for v in request])
        elif isinstance(raw, str):
            result = satisfies(raw)
        else:
            # Plain operator, multivalued request value: undocumented (see module docstring).
            each = [satisfies(v) for v in request]
            result = self._pessimistic([False, any(each), all(each)])
            notes.append(
                "a plain operator against a multivalued request value is not documented by "
                "AWS; iamsim takes the least permissive reading for "
                f"{self.effect or 'Allow'} (use ForAnyValue:/ForAllValues:)"
            )
        if unreadable:
            listed = ", ".join(f"`{v}`" for v in unreadable)
            notes.append(f"request value {listed} {_UNREADABLE[spec.kind]}: no match")
        return result


def _dedupe(keys: Sequence[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for key in keys:
        if key.lower() not in seen:
            seen.add(key.lower())
            out.append(key)
    return tuple(out)


def compile_condition(
    entry: ConditionEntry, *, substitute: bool, effect: Effect | None = None
) -> CompiledCondition:
    """Compile one checked condition entry; raise PolicyError if `check_condition` objects.

    `effect` is the enclosing statement's Effect; it only matters for readings AWS does not
    document (see the module docstring), where iamsim picks the least permissive answer.
    """
    problems = check_condition(entry, substitute=substitute)
    if problems:
        raise PolicyError(problems)
    parsed = parse_operator_key(entry.operator)
    spec = OPERATORS[parsed.base]
    values: list[_PolicyValue] = []
    variable_keys: list[str] = []
    for value in entry.values:
        text = policy_text(value)
        template = _static_template(text, spec, substitute)
        if not template.is_literal:
            variable_keys.extend(v.key for v in template.variables)
            values.append(_PolicyValue(shown=text, template=template))
            continue
        pieces = _literal_pieces(template)
        shown = "".join(t for t, _ in pieces)
        values.append(
            _PolicyValue(shown=shown, template=None, form=_form(spec, value, pieces, True))
        )
    static = all(v.template is None for v in values)
    null_wanted = frozenset(v.form for v in values) if spec.kind == "null" else frozenset()
    static_hit = (
        _make_hit(spec, [v.form for v in values]) if static and spec.kind != "null" else None
    )
    return CompiledCondition(
        entry=entry,
        spec=spec,
        qualifier=parsed.qualifier,
        if_exists=parsed.if_exists,
        effect=effect,
        keys=_dedupe([entry.key, *variable_keys]),
        values=tuple(values),
        static_hit=static_hit,
        static_shown=tuple(v.shown for v in values),
        null_wanted=null_wanted,
    )
