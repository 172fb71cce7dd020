"""Kubernetes label selectors (``matchLabels`` + ``matchExpressions``) and a label index.

Semantics are Kubernetes' own (``metav1.LabelSelectorAsSelector``): every requirement must hold;
``In`` needs the key with one of the values; ``NotIn`` and ``DoesNotExist`` also match objects that
lack the key; an empty selector matches everything. A malformed selector (unknown operator, ``In``
without values, ``Exists`` with values) is rejected by the API server; here it compiles to a
selector that matches nothing and carries the reason, so one bad policy never aborts an analysis.

:class:`LabelIndex` answers "which of these N objects does this selector match" from inverted
indexes (key=value -> ids), so selecting among thousands of pods costs set operations, not a scan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from seawall.inventory.k8s import as_dict, as_list, as_str
from seawall.netpol.values import Value

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class Requirement(Value):
    __slots__ = ("key", "operator", "values")

    def __init__(self, key: str, operator: str, values: tuple[str, ...] = ()) -> None:
        self.key = key
        self.operator = operator  # one of OPERATORS
        self.values = values

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.operator == "In":
            return self.key in labels and labels[self.key] in self.values
        if self.operator == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == "Exists":
            return self.key in labels
        return self.key not in labels  # DoesNotExist

    def go_string(self) -> str:
        """Go's ``LabelSelectorRequirement.String()`` (what np-guard prints in exposure output)."""
        return f"{{Key:{self.key},Operator:{self.operator},Values:[{' '.join(self.values)}],}}"


class Selector(Value):
    """A compiled label selector. ``error`` set means "invalid: matches nothing"."""

    __slots__ = ("error", "expressions", "match_labels")

    def __init__(
        self,
        match_labels: tuple[tuple[str, str], ...] = (),
        expressions: tuple[Requirement, ...] = (),
        error: str = "",
    ) -> None:
        self.match_labels = match_labels
        self.expressions = expressions
        self.error = error

    @property
    def empty(self) -> bool:
        """Selects everything (``{}``)."""
        return not self.match_labels and not self.expressions and not self.error

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.error:
            return False
        for k, v in self.match_labels:
            if labels.get(k) != v:
                return False
        return all(r.matches(labels) for r in self.expressions)

    def key(self) -> tuple[Any, ...]:
        """Canonical identity: two selectors with the same requirements are the same selector."""
        return (
            self.match_labels,
            tuple(sorted((r.key, r.operator, tuple(sorted(r.values))) for r in self.expressions)),
            self.error,
        )

    def __str__(self) -> str:
        if self.error:
            return f"<invalid: {self.error}>"
        if self.empty:
            return "{}"
        parts = [f"{k}={v}" for k, v in self.match_labels]
        for r in self.expressions:
            if r.operator in ("In", "NotIn"):
                parts.append(f"{r.key} {r.operator.lower()} ({','.join(r.values)})")  # "in" / "notin"
            elif r.operator == "Exists":
                parts.append(r.key)
            else:
                parts.append(f"!{r.key}")
        return ",".join(parts)


EVERYTHING = Selector()


def labels_of(value: Any) -> dict[str, str]:
    """A metadata.labels map with non-string values dropped or stringified (YAML ``true`` -> 'true')."""
    out: dict[str, str] = {}
    for k, v in as_dict(value).items():
        if not isinstance(k, str):
            continue
        if isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, str | int | float):
            out[k] = str(v)
    return out


def compile_selector(value: Any) -> Selector:
    """Compile a LabelSelector mapping; anything that is not a mapping selects everything only
    when it is an empty mapping, otherwise it is an invalid selector."""
    if value is None:
        return EVERYTHING
    if not isinstance(value, dict):
        return Selector(error="selector is not a mapping")
    ml_raw = value.get("matchLabels")
    if ml_raw is not None and not isinstance(ml_raw, dict):
        return Selector(error="matchLabels is not a mapping")
    ml = tuple(sorted(labels_of(ml_raw).items()))
    reqs: list[Requirement] = []
    me_raw = value.get("matchExpressions")
    if me_raw is not None and not isinstance(me_raw, list):
        return Selector(error="matchExpressions is not a list")
    for i, e in enumerate(as_list(me_raw)):
        if not isinstance(e, dict):
            return Selector(error=f"matchExpressions[{i}] is not a mapping")
        key = as_str(e.get("key"))
        op = as_str(e.get("operator"))
        vals_raw = e.get("values")
        vals = tuple(as_str(v) if not isinstance(v, bool) else ("true" if v else "false") for v in as_list(vals_raw))
        if not key:
            return Selector(error=f"matchExpressions[{i}] has no key")
        if op not in OPERATORS:
            return Selector(error=f"matchExpressions[{i}] has unknown operator {op!r}")
        if op in ("In", "NotIn") and not vals:
            return Selector(error=f"matchExpressions[{i}] operator {op} needs values")
        if op in ("Exists", "DoesNotExist") and vals:
            return Selector(error=f"matchExpressions[{i}] operator {op} takes no values")
        reqs.append(Requirement(key, op, vals))
    return Selector(ml, tuple(reqs))


class LabelIndex:
    """Inverted index over a fixed population of label maps (ids are positions)."""

    __slots__ = ("_cache", "by_key", "by_kv", "everyone", "population")

    def __init__(self, population: Sequence[Mapping[str, str]]) -> None:
        self.population = population
        self.by_kv: dict[tuple[str, str], set[int]] = {}
        self.by_key: dict[str, set[int]] = {}
        self.everyone: frozenset[int] = frozenset()
        self._cache: dict[tuple[Any, ...], frozenset[int]] = {}

    @classmethod
    def build(cls, population: Sequence[Mapping[str, str]]) -> LabelIndex:
        idx = cls(population)
        for i, labels in enumerate(population):
            for k, v in labels.items():
                idx.by_kv.setdefault((k, v), set()).add(i)
                idx.by_key.setdefault(k, set()).add(i)
        idx.everyone = frozenset(range(len(population)))
        return idx

    def select(self, sel: Selector) -> frozenset[int]:
        if sel.error:
            return frozenset()
        if sel.empty:
            return self.everyone
        ck = sel.key()
        hit = self._cache.get(ck)
        if hit is not None:
            return hit
        result: set[int] | None = None
        for k, v in sel.match_labels:
            s = self.by_kv.get((k, v), set())
            result = set(s) if result is None else result & s
            if not result:
                break
        for r in sel.expressions:
            if result is not None and not result:
                break
            if r.operator == "In":
                s = set().union(*(self.by_kv.get((r.key, v), set()) for v in r.values))
            elif r.operator == "Exists":
                s = self.by_key.get(r.key, set())
            elif r.operator == "DoesNotExist":
                s = set(self.everyone) - self.by_key.get(r.key, set())
            else:  # NotIn
                bad = set().union(*(self.by_kv.get((r.key, v), set()) for v in r.values))
                s = set(self.everyone) - bad
            result = set(s) if result is None else result & s
        out = frozenset(result or ())
        self._cache[ck] = out
        return out
