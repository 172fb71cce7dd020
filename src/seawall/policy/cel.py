"""CEL (the language of Kubernetes ValidatingAdmissionPolicy) for custom rules.

We use ``cel-python`` (celpy), the maintained pure-Python CEL implementation, and add the
Kubernetes string-library functions policies commonly use (``lowerAscii``, ``split``, ``join``,
...), which CEL's standard library lacks. Expressions are compiled once per rule.

Custom rules (in ``.seawall.yaml`` ``custom_rules:`` or YAML files in ``rules_dirs``)::

    - id: ORG-001
      title: Deployments must carry a team label
      severity: medium
      kinds: [Deployment, StatefulSet]        # omit for every kind
      expression: "has(object.metadata.labels) && 'team' in object.metadata.labels"
      message: "workload has no team label"   # or messageExpression: "'...' + object.metadata.name"
      remediation: "metadata: {labels: {team: <name>}}"
      risk: ["3.4.5"]                          # NIST SP 800-190 ids (default 3.4.5 / 4.4.5)
      countermeasure: ["4.4.5"]

As in a ValidatingAdmissionPolicy validation, the expression must evaluate to ``true`` for a
compliant object; ``false`` is a finding. Variables: ``object``, ``oldObject`` (null),
``request`` (kind, namespace, name, operation=CREATE), ``namespaceObject``, ``params``,
``variables``.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from seawall.errors import PolicyError

#: Bounds on one evaluation. CEL has no loops, but macros nest (``l.map(a, l.map(b, ...))`` is
#: len(l)**depth work), string functions multiply sizes (``replace`` nine times built a 1 GB
#: string) and VAP ``variables`` can double a list per variable. Kubernetes bounds each call by
#: an estimated cost; here the interpreter counts the syntax-tree nodes it visits (celpy visits
#: roughly 100k per second: a real policy needs hundreds), checks a wall clock for the odd
#: expensive node, and refuses any string, bytes, list or map longer than MAX_VALUE_LEN
#: (Kubernetes objects are at most ~1.5 MB).
MAX_STEPS = 100_000
MAX_SECONDS = 5.0
MAX_VALUE_LEN = 4 * 1024 * 1024
#: Longest expression text: celpy's parser took 3.6 s and 300 MB for a 200 KB expression.
MAX_EXPRESSION_CHARS = 16 * 1024


class _Abort(BaseException):
    """Raised inside celpy to stop an evaluation over budget. A BaseException, because celpy
    turns ordinary exceptions into CEL error values and carries on."""


def _bounded_len(n: int) -> None:
    if n > MAX_VALUE_LEN:
        raise _Abort(f"result of {n:,} characters/elements is over the {MAX_VALUE_LEN:,} limit")


def _functions() -> dict[str, Callable[..., Any]]:
    """Kubernetes' CEL string library on top of celpy (built lazily: celpy is slow to import)."""
    from celpy import celtypes
    from celpy.evaluation import CELEvalError

    def _s(x: Any) -> str:
        return str(x)

    def _lower(s: Any) -> celtypes.StringType:
        return celtypes.StringType(_s(s).lower())

    def _upper(s: Any) -> celtypes.StringType:
        return celtypes.StringType(_s(s).upper())

    def _split(s: Any, sep: Any, n: Any = None) -> celtypes.ListType:
        parts = _s(s).split(_s(sep)) if n is None or int(n) < 0 else _s(s).split(_s(sep), max(int(n) - 1, 0))
        return celtypes.ListType([celtypes.StringType(p) for p in parts])

    def _join(lst: Any, sep: Any = "") -> celtypes.StringType:
        parts = [_s(x) for x in lst]
        _bounded_len(sum(map(len, parts)) + len(_s(sep)) * max(len(parts) - 1, 0))
        return celtypes.StringType(_s(sep).join(parts))

    def _trim(s: Any) -> celtypes.StringType:
        return celtypes.StringType(_s(s).strip())

    def _replace(s: Any, old: Any, new: Any, n: Any = None) -> celtypes.StringType:
        count = -1 if n is None else int(n)
        text, o, w = _s(s), _s(old), _s(new)
        hits = text.count(o) if o else len(text) + 1
        if count >= 0:
            hits = min(hits, count)
        _bounded_len(len(text) + hits * (len(w) - len(o)))  # before building it
        return celtypes.StringType(text.replace(o, w, count))

    def _index_of(s: Any, sub: Any) -> celtypes.IntType:
        return celtypes.IntType(_s(s).find(_s(sub)))

    def _last_index_of(s: Any, sub: Any) -> celtypes.IntType:
        return celtypes.IntType(_s(s).rfind(_s(sub)))

    def _substring(s: Any, start: Any, end: Any = None) -> Any:
        text = _s(s)
        i, j = int(start), len(text) if end is None else int(end)
        if not 0 <= i <= j <= len(text):  # Kubernetes: an error, not Python's clamped slice
            return CELEvalError(f"substring({i}, {j}) out of range for a string of length {len(text)}")
        return celtypes.StringType(text[i:j])

    def _matches(s: Any, pattern: Any) -> Any:
        # celpy's own matches() is RE2 too, but lets RE2 log a bad pattern to stderr (a stray
        # "E0000 re2.cc:242] Error parsing" line next to seawall's output)
        try:
            rx = _re2(_s(pattern))
        except ValueError as err:  # an error value, as celpy returns: its ValueError text is "overflow"
            return CELEvalError(str(err))
        return celtypes.BoolType(rx.search(_s(s)) is not None)

    return {
        "matches": _matches,
        "lowerAscii": _lower,
        "upperAscii": _upper,
        "split": _split,
        "join": _join,
        "trim": _trim,
        "replace": _replace,
        "indexOf": _index_of,
        "lastIndexOf": _last_index_of,
        "substring": _substring,
    }


@functools.lru_cache(maxsize=256)
def _re2(pattern: str) -> Any:
    """RE2 (linear time, as Kubernetes' CEL ``matches``), compiled once, errors not logged."""
    import re2  # type: ignore[import-untyped]  # google-re2, a dependency of cel-python

    opts = re2.Options()
    opts.log_errors = False
    try:
        return re2.compile(pattern, opts)
    except re2.error:
        raise ValueError(f"invalid regular expression {pattern[:60]!r}") from None


class _Budget:
    __slots__ = ("deadline", "steps")

    def __init__(self) -> None:
        self.steps = MAX_STEPS
        self.deadline = time.monotonic() + MAX_SECONDS


@functools.cache
def _env() -> tuple[Any, dict[str, Callable[..., Any]]]:
    import celpy
    from celpy.evaluation import Evaluator

    class _BoundedEvaluator(Evaluator):
        """celpy's interpreter, counting visited nodes against one budget shared with the
        sub-evaluators macros create, and refusing over-long intermediate values."""

        def __init__(self, ast: Any, activation: Any, budget: _Budget | None = None) -> None:
            super().__init__(ast, activation)
            self._budget = budget or _Budget()

        def sub_evaluator(self, ast: Any) -> Evaluator:
            return _BoundedEvaluator(ast, self.activation, self._budget)

        def _visit_tree(self, tree: Any) -> Any:
            budget = self._budget
            budget.steps -= 1
            if budget.steps < 0:
                raise _Abort(f"evaluation over {MAX_STEPS:,} steps")
            if not budget.steps & 255 and time.monotonic() > budget.deadline:
                raise _Abort(f"evaluation over {MAX_SECONDS:g} s")
            value = super()._visit_tree(tree)
            if isinstance(value, (str, bytes, list, dict)):
                _bounded_len(len(value))
            return value

    class _BoundedRunner(celpy.InterpretedRunner):
        def evaluate(self, context: Any) -> Any:
            return _BoundedEvaluator(self.ast, self.new_activation()).evaluate(context)

    return celpy.Environment(runner_class=_BoundedRunner), _functions()


def _short(err: BaseException) -> str:
    text = str(err.args[0]) if err.args else str(err)
    text = re.sub(r"\s*\(in activation.*", "", text, flags=re.S)
    return " ".join(text.split())[:200]


class Expression:
    """A compiled CEL expression; ``evaluate`` returns a Python value or raises CELError."""

    def __init__(self, source: str, where: str) -> None:
        if not isinstance(source, str) or not source.strip():
            raise PolicyError("expression must be a non-empty string", subject=where)
        if len(source) > MAX_EXPRESSION_CHARS:
            raise PolicyError(
                f"expression of {len(source):,} characters (at most {MAX_EXPRESSION_CHARS:,})", subject=where
            )
        self.source = source
        env, functions = _env()
        try:
            self._prog = env.program(env.compile(source), functions=functions)
        except RecursionError:
            raise PolicyError("invalid CEL expression: nested too deeply", subject=where) from None
        except Exception as err:  # celpy raises its own parse errors
            raise PolicyError(f"invalid CEL expression: {_short(err)}", subject=where) from None

    def evaluate(self, activation: Mapping[str, Any]) -> Any:
        try:
            result = self._prog.evaluate(dict(activation))
        except _Abort as err:
            raise CELBudgetError(str(err)) from None
        except RecursionError:
            raise CELError("expression nested too deeply to evaluate") from None
        except Exception as err:
            raise CELError(_short(err)) from None
        if isinstance(result, Exception):  # celpy may return an error value
            raise CELError(_short(result))
        return result


class CELError(Exception):
    """An expression failed at evaluation time (e.g. a missing field without ``has()``)."""


class CELBudgetError(CELError):
    """An evaluation went over its step, time or size budget: the expression, not the object, is
    at fault, so callers stop evaluating it."""


def to_cel(value: Any) -> Any:
    import celpy

    return celpy.json_to_cel(value)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class CustomRule:
    id: str
    title: str
    severity: str
    category: str
    kinds: tuple[str, ...]
    expression: Expression
    message: str
    message_expression: Expression | None
    remediation: str
    risk: tuple[str, ...]
    countermeasure: tuple[str, ...]
    origin: str


def parse_custom_rule(raw: Any, where: str) -> CustomRule:
    from seawall.model.finding import CATEGORIES, Severity
    from seawall.model.nist800190 import is_valid_countermeasure, is_valid_risk

    if not isinstance(raw, dict):
        raise PolicyError("a custom rule must be a mapping", subject=where)
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise PolicyError("custom rule needs an 'id'", subject=where)
    where = f"{where} ({rid})"
    sev = str(raw.get("severity", "medium"))
    try:
        Severity.parse(sev)
    except ValueError as err:
        raise PolicyError(str(err), subject=where) from None
    category = str(raw.get("category", "policy"))
    if category not in CATEGORIES:
        raise PolicyError(f"unknown category {category[:80]!r}", subject=where)
    kinds = raw.get("kinds", (raw.get("match") or {}).get("kinds", []) if isinstance(raw.get("match"), dict) else [])
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise PolicyError("'kinds' must be a list of kind names", subject=where)
    from seawall.policy.config import str_tuple

    risk = str_tuple(raw.get("risk"), "'risk'", where, expected="a NIST SP 800-190 risk id or a list of them")
    cm = str_tuple(
        raw.get("countermeasure"), "'countermeasure'", where, expected="a NIST SP 800-190 countermeasure id or a list"
    )
    risk, cm = risk or ("3.4.5",), cm or ("4.4.5",)
    for r in risk:
        if not is_valid_risk(r):
            raise PolicyError(f"unknown NIST SP 800-190 risk {r[:80]!r}", subject=where)
    for c in cm:
        if not is_valid_countermeasure(c):
            raise PolicyError(f"unknown NIST SP 800-190 countermeasure {c[:80]!r}", subject=where)
    msg_expr = raw.get("messageExpression")
    return CustomRule(
        id=rid.strip(),
        title=str(raw.get("title", rid)),
        severity=sev,
        category=category,
        kinds=tuple(kinds),
        expression=Expression(raw.get("expression", ""), where),
        message=str(raw.get("message", f"custom rule {rid} failed")),
        message_expression=Expression(msg_expr, where) if msg_expr else None,
        remediation=str(raw.get("remediation", "")),
        risk=risk,
        countermeasure=cm,
        origin=where,
    )
