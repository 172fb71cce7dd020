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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from seawall.errors import PolicyError


def _functions() -> dict[str, Callable[..., Any]]:
    """Kubernetes' CEL string library on top of celpy (built lazily: celpy is slow to import)."""
    from celpy import celtypes

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
        return celtypes.StringType(_s(sep).join(_s(x) for x in lst))

    def _trim(s: Any) -> celtypes.StringType:
        return celtypes.StringType(_s(s).strip())

    def _replace(s: Any, old: Any, new: Any, n: Any = None) -> celtypes.StringType:
        count = -1 if n is None else int(n)
        return celtypes.StringType(_s(s).replace(_s(old), _s(new), count))

    def _index_of(s: Any, sub: Any) -> celtypes.IntType:
        return celtypes.IntType(_s(s).find(_s(sub)))

    def _last_index_of(s: Any, sub: Any) -> celtypes.IntType:
        return celtypes.IntType(_s(s).rfind(_s(sub)))

    def _substring(s: Any, start: Any, end: Any = None) -> celtypes.StringType:
        text = _s(s)
        return celtypes.StringType(text[int(start) :] if end is None else text[int(start) : int(end)])

    return {
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


@functools.cache
def _env() -> tuple[Any, dict[str, Callable[..., Any]]]:
    import celpy

    return celpy.Environment(), _functions()


def _short(err: BaseException) -> str:
    text = str(err.args[0]) if err.args else str(err)
    text = re.sub(r"\s*\(in activation.*", "", text, flags=re.S)
    return " ".join(text.split())[:200]


class Expression:
    """A compiled CEL expression; ``evaluate`` returns a Python value or raises CELError."""

    def __init__(self, source: str, where: str) -> None:
        if not isinstance(source, str) or not source.strip():
            raise PolicyError("expression must be a non-empty string", subject=where)
        self.source = source
        env, functions = _env()
        try:
            self._prog = env.program(env.compile(source), functions=functions)
        except Exception as err:  # celpy raises its own parse errors
            raise PolicyError(f"invalid CEL expression: {_short(err)}", subject=where) from None

    def evaluate(self, activation: Mapping[str, Any]) -> Any:
        try:
            result = self._prog.evaluate(dict(activation))
        except Exception as err:
            raise CELError(_short(err)) from None
        if isinstance(result, Exception):  # celpy may return an error value
            raise CELError(_short(result))
        return result


class CELError(Exception):
    """An expression failed at evaluation time (e.g. a missing field without ``has()``)."""


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
        raise PolicyError(f"unknown category {category!r}", subject=where)
    kinds = raw.get("kinds", (raw.get("match") or {}).get("kinds", []) if isinstance(raw.get("match"), dict) else [])
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise PolicyError("'kinds' must be a list of kind names", subject=where)
    risk = tuple(str(r) for r in raw.get("risk", ["3.4.5"]))
    cm = tuple(str(c) for c in raw.get("countermeasure", ["4.4.5"]))
    for r in risk:
        if not is_valid_risk(r):
            raise PolicyError(f"unknown NIST SP 800-190 risk {r!r}", subject=where)
    for c in cm:
        if not is_valid_countermeasure(c):
            raise PolicyError(f"unknown NIST SP 800-190 countermeasure {c!r}", subject=where)
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
