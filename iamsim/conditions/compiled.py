"""A condition entry compiled once and evaluated per request.

    compile_condition(entry, substitute=…) -> CompiledCondition (raises PolicyError if invalid)
    CompiledCondition.evaluate(context)    -> ConditionTrace (never raises, never compiles a regex)

Evaluation is where AWS's rules for missing keys, empty values, set qualifiers
(ForAnyValue/ForAllValues), ...IfExists, negated operators and unresolvable policy variables
apply; comparing one request value with the policy values is `matchers.make_hit`'s job.

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
the candidates are "no match" (what an independent simulator reports), "any value matches"
(ForAnyValue-like) and "every value matches" (ForAllValues-like). In an Allow statement, the
condition matches only if every candidate says it does, and since one candidate is always
"no match", it never matches. In a Deny statement it matches if any candidate does. Pass
`effect="Deny"` to `compile_condition` for Deny statements. Without it the Allow reading is used.
The trace note always explains this. The same rule covers `Null` on a present but empty string,
which AWS does not document either (reference §3.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import attrs

from iamsim.conditions.ast import Template
from iamsim.conditions.check import check_condition
from iamsim.conditions.matchers import (
    Hit,
    literal_pieces,
    make_hit,
    split_arn_pieces,
    static_template,
    value_form,
)
from iamsim.conditions.operators import OPERATORS, OperatorSpec
from iamsim.conditions.syntax import parse_operator_key
from iamsim.conditions.values import policy_text
from iamsim.errors import PolicyError
from iamsim.model import ConditionEntry
from iamsim.patterns import Pieces
from iamsim.request import Context, ContextValue
from iamsim.trace import ConditionTrace, make_condition_trace

__all__ = ["CompiledCondition", "Effect", "compile_condition"]

Effect = Literal["Allow", "Deny"]

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
    static: bool  # no value holds a policy variable
    _static_hit: Hit | None
    _static_shown: tuple[str, ...]
    _static_notes: tuple[str, ...]  # why a literal value matches nothing
    _null_wanted: frozenset[bool]
    # `_static_hit` when one request value decides the condition alone: static values with
    # no note, a plain operator (no set qualifier) other than Null.
    _single_hit: Hit | None = None

    @property
    def key(self) -> str:
        return self.entry.key

    def missing_keys(self, context: Context) -> tuple[str, ...]:
        """The keys this condition reads that the request lacks (variables with a default
        are never missing)."""
        absent = context.get(self.entry.key) is None
        if self.static:
            return (self.entry.key,) if absent else ()
        out = [self.entry.key] if absent else []
        for value in self._values:
            if value.template is not None:
                out.extend(value.template.missing_keys(context))
        return _dedupe(out)

    # -- evaluation --------------------------------------------------------------------------

    def _resolve(self, context: Context) -> tuple[Hit, tuple[str, ...], list[str]]:
        shown: list[str] = []
        forms: list[Any] = []
        notes: list[str] = []
        for value in self._values:
            if value.template is None:
                shown.append(value.shown)
                if value.form is not None:
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
            short = _short_arn_note(self.spec, pieces, self.effect)
            if short is not None:
                notes.append(short)
                continue
            form = value_form(self.spec, None, pieces, static=False)
            if form is None:
                notes.append(f"`{text}` cannot be read by {self.spec.name}: it matches nothing")
                continue
            forms.append(form)
        return make_hit(self.spec, forms), tuple(shown), notes

    def _pessimistic(self, candidates: Sequence[bool]) -> bool:
        """The least permissive of several plausible AWS answers for this statement's effect."""
        return any(candidates) if self.effect == "Deny" else all(candidates)

    def evaluate(self, context: Context) -> ConditionTrace:
        """What the condition compares in `context` and whether it holds; never raises."""
        entry = self.entry
        try:
            raw: ContextValue | None = context.get(entry.key)
            if type(raw) is str:
                matched = self._single(raw)
                if matched is not None:
                    shown = self._static_shown
                    return make_condition_trace(
                        entry.operator, entry.key, shown, (raw,), matched, None
                    )
            return self._general(context, raw)
        except Exception as exc:  # pragma: no cover - defensive: evaluate never raises
            return ConditionTrace(
                operator=entry.operator,
                key=entry.key,
                policy_values=tuple(v.shown for v in self._values),
                request_values=None,
                matched=self.effect == "Deny",
                note=f"internal error while evaluating: {exc!r}",
            )

    def holds(self, context: Context) -> bool:
        """`evaluate(context).matched`, without building the trace in the common case."""
        raw = context.get(self.entry.key)
        try:
            matched = self._single(raw) if type(raw) is str else None
        except Exception:  # pragma: no cover - defensive, as in evaluate
            matched = None
        return self.evaluate(context).matched if matched is None else matched

    def _single(self, raw: str) -> bool | None:
        """Whether the condition holds for one request value, when the common case decides
        it without the general path's calls (static values, a plain operator, a readable
        value; `_general` agrees, by test); else None."""
        hit = self._single_hit
        if hit is None:
            return None
        got = hit(raw)
        # [MULTI] several policy values: OR for positive operators, NOR for negated.
        return None if got is None else got != self.spec.negated

    def _general(self, context: Context, raw: ContextValue | None) -> ConditionTrace:
        """`evaluate` for any condition and request value (`raw`: the key's value)."""
        entry = self.entry
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
            if self._static_notes:
                notes[:0] = self._static_notes
            matched = self._compare(request, raw, hit, notes)
            if (
                matched
                and request
                and not self.static
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
        return make_condition_trace(
            entry.operator, entry.key, shown, request, matched, "; ".join(notes) if notes else None
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
        hit: Hit,
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

        if self.qualifier is None and isinstance(raw, str):  # one value, one operator
            got = hit(raw)
            if got is None:
                notes.append(self._unreadable_note([raw]))
                return self._unreadable_satisfies()
            # [MULTI] several policy values: OR for positive operators, NOR for negated ones.
            return got != spec.negated

        unreadable: list[str] = []

        def satisfies(v: str) -> bool:
            got = hit(v)
            if got is None:
                unreadable.append(v)
                return self._unreadable_satisfies()
            # [MULTI] several policy values: OR for positive operators, NOR for negated ones.
            return got != spec.negated

        if self.qualifier == "ForAllValues":
            # [MULTI] every request value must satisfy the operator against the policy list.
            result = all([satisfies(v) for v in request])
        elif self.qualifier == "ForAnyValue":
            # [MULTI] at least one request value must satisfy it.
            result = any([satisfies(v) for v in request])
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
            notes.append(self._unreadable_note(unreadable))
        return result

    def _unreadable_satisfies(self) -> bool:
        """Whether a request value the operator cannot read (not a number, not an IP address,
        not an ARN, …) satisfies it. AWS refuses such a value for a documented key (the
        request is a `ValidationError`, `iamsim.conditions.requests`), and documents nothing
        for any other key: the value may be unlike every policy value ([OPS] NotIpAddress:
        "all IP addresses except the specified") or no value at all, so it may satisfy the
        operator or not, negated or positive. iamsim takes the least permissive of the two
        for the statement's effect: it satisfies the operator in a Deny, never in an Allow."""
        return self._pessimistic([True, False])

    def _unreadable_note(self, values: Sequence[str]) -> str:
        listed = ", ".join(f"`{v}`" for v in values)
        return (
            f"request value {listed} {_UNREADABLE[self.spec.kind]}; AWS documents no "
            f"{self.spec.name} on such a value, so iamsim takes the least permissive reading "
            f"for {self.effect or 'Allow'}: the value "
            + ("satisfies it" if self._unreadable_satisfies() else "does not satisfy it")
        )


def _short_arn_note(spec: OperatorSpec, pieces: Pieces, effect: Effect | None) -> str | None:
    """Why an ARN pattern of fewer than six parts matches nothing in this statement, if so.

    [OPS] ARN operators check "each of the six colon-delimited components of the ARN"
    separately; AWS does not say what a shorter pattern ending in `*` matches. It may stand
    for the rest of the ARN (as a trailing `*` does in a Resource element) or match nothing:
    iamsim takes the least permissive reading. It stands for the rest where matching makes
    the condition stricter (ArnLike in a Deny, ArnNotLike in an Allow), else matches nothing.
    """
    if spec.kind != "arn" or len(split_arn_pieces(pieces)) == 6:
        return None
    if (effect == "Deny") != spec.negated:
        return None
    text = "".join(t for t, _ in pieces)
    return (
        f"`{text}` has fewer than six ARN parts; AWS does not document what {spec.name} "
        f"makes of it, so iamsim takes the least permissive reading for {effect or 'Allow'}: "
        "it matches nothing"
    )


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
    static_notes: list[str] = []
    for value in entry.values:
        text = policy_text(value)
        template = static_template(text, spec, substitute)
        if not template.is_literal:
            variable_keys.extend(v.key for v in template.variables)
            values.append(_PolicyValue(shown=text, template=template))
            continue
        pieces = literal_pieces(template)
        shown = "".join(t for t, _ in pieces)
        short = _short_arn_note(spec, pieces, effect)
        if short is not None:
            static_notes.append(short)
            values.append(_PolicyValue(shown=shown, template=None, form=None))
            continue
        values.append(
            _PolicyValue(shown=shown, template=None, form=value_form(spec, value, pieces, True))
        )
    static = all(v.template is None for v in values)
    forms = [v.form for v in values if v.form is not None]
    null_wanted = frozenset(forms) if spec.kind == "null" else frozenset()
    static_hit = make_hit(spec, forms) if static and spec.kind != "null" else None
    return CompiledCondition(
        entry=entry,
        spec=spec,
        qualifier=parsed.qualifier,
        if_exists=parsed.if_exists,
        effect=effect,
        keys=_dedupe([entry.key, *variable_keys]),
        values=tuple(values),
        static=static,
        static_hit=static_hit,
        static_shown=tuple(v.shown for v in values),
        static_notes=tuple(static_notes),
        null_wanted=null_wanted,
        single_hit=None if static_notes or parsed.qualifier is not None else static_hit,
    )
