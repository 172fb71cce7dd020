"""Rule metadata declared once, next to the check, and a registry indexed by target kind.

A rule is data plus one function. ``seawall rules list``, ``rules explain``, the generated docs and
every finding's metadata all come from the :class:`RuleMeta` here; nothing is written twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from seawall.model.finding import CATEGORIES, References, Severity

#: Peer tools whose ids a rule may carry, in the order the docs print them.
TOOLS: tuple[str, ...] = (
    "checkov",
    "kubescape",
    "kube-linter",
    "trivy",
    "polaris",
    "kubesec",
    "hadolint",
    "gitleaks",
    "kube-score",
)


class Violation(NamedTuple):
    """What a check function yields: a message and where, relative to the object it checked.

    A NamedTuple, not a frozen dataclass: a big scan builds one per finding (170k on the corpus)
    and a tuple is built at a third of the cost.

    ``pointer`` is a JSON pointer inside the document (``/spec/containers/0/securityContext``);
    the engine turns it into a file line. ``fallback_pointer`` is used when the field is absent
    (e.g. point at the container when ``securityContext`` is missing).
    """

    message: str
    pointer: str = ""
    container: str = ""
    line: int = 0  # for line-oriented inputs (Dockerfiles): the 1-based line, used instead of pointer
    evidence: str = ""
    severity: Severity | None = None  # override the rule's default for this one case
    extra: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class RuleMeta:
    id: str
    title: str
    severity: Severity
    category: str
    description: str
    remediation: str
    nist_risk: tuple[str, ...]
    nist_countermeasure: tuple[str, ...]
    target: str  # what the check receives: "pod", "object", "image", "dockerfile", "analyzer", ...
    kinds: tuple[str, ...] = ()  # for "object" rules: the Kubernetes kinds it applies to
    pss: str = ""
    pss_level: str = ""  # "baseline" | "restricted" for Pod Security Standards checks
    tools: tuple[tuple[str, tuple[str, ...]], ...] = ()
    cis: tuple[str, ...] = ()
    nsa: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    default_enabled: bool = True
    tags: tuple[str, ...] = ()
    # Built once: every finding of the rule shares it (findings are created by the 100,000).
    references: References = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        refs = References(
            nist_risk=self.nist_risk,
            nist_countermeasure=self.nist_countermeasure,
            pss=self.pss,
            tools=self.tools,
            cis=self.cis,
            nsa=self.nsa,
            cwe=self.cwe,
        )
        object.__setattr__(self, "references", refs)

    def tool_ids(self) -> dict[str, list[str]]:
        return {name: list(ids) for name, ids in self.tools}


CheckFn = Callable[..., Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class Rule:
    meta: RuleMeta
    check: CheckFn = field(compare=False)


class DuplicateRuleError(RuntimeError):
    pass


class Registry:
    """All rules by id, and by target (and kind) for fast dispatch."""

    def __init__(self) -> None:
        self._by_id: dict[str, Rule] = {}
        self._by_target: dict[str, list[Rule]] = {}
        self._by_kind: dict[str, list[Rule]] = {}

    def add(self, r: Rule) -> None:
        if r.meta.id in self._by_id:
            raise DuplicateRuleError(f"duplicate rule id {r.meta.id}")
        self._by_id[r.meta.id] = r
        self._by_target.setdefault(r.meta.target, []).append(r)
        for kind in r.meta.kinds:
            self._by_kind.setdefault(kind, []).append(r)

    def get(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._by_id

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._by_id.values(), key=lambda r: r.meta.id))

    def __len__(self) -> int:
        return len(self._by_id)

    def for_target(self, target: str) -> list[Rule]:
        return self._by_target.get(target, [])

    def for_kind(self, kind: str) -> list[Rule]:
        return self._by_kind.get(kind, [])

    def metas(self) -> list[RuleMeta]:
        return [r.meta for r in self]


REGISTRY = Registry()


def _tools(tools: dict[str, str | Iterable[str]] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out: list[tuple[str, tuple[str, ...]]] = []
    for name, ids in (tools or {}).items():
        if name not in TOOLS:
            raise ValueError(f"unknown peer tool {name!r}")
        out.append((name, (ids,) if isinstance(ids, str) else tuple(ids)))
    return tuple(out)


def rule(
    *,
    id: str,
    title: str,
    severity: str,
    category: str,
    description: str,
    remediation: str,
    risk: Iterable[str],
    countermeasure: Iterable[str],
    target: str,
    kinds: Iterable[str] = (),
    pss: str = "",
    pss_level: str = "",
    tools: dict[str, str | Iterable[str]] | None = None,
    cis: Iterable[str] = (),
    nsa: Iterable[str] = (),
    cwe: Iterable[str] = (),
    default_enabled: bool = True,
    tags: Iterable[str] = (),
    registry: Registry | None = None,
) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the check of a rule with this metadata. A duplicate id is an error."""
    if category not in CATEGORIES:
        raise ValueError(f"{id}: unknown category {category!r}")
    meta = RuleMeta(
        id=id,
        title=title,
        severity=Severity.parse(severity),
        category=category,
        description=" ".join(description.split()),
        remediation=remediation.strip("\n"),
        nist_risk=tuple(risk),
        nist_countermeasure=tuple(countermeasure),
        target=target,
        kinds=tuple(kinds),
        pss=pss,
        pss_level=pss_level,
        tools=_tools(tools),
        cis=tuple(cis),
        nsa=tuple(nsa),
        cwe=tuple(cwe),
        default_enabled=default_enabled,
        tags=tuple(tags),
    )

    def deco(fn: CheckFn) -> CheckFn:
        (registry or REGISTRY).add(Rule(meta, fn))
        return fn

    return deco


def declare(**kwargs: Any) -> RuleMeta:
    """Register metadata for findings produced by an analyzer (no per-object check function).

    Cross-object analyzers (RBAC graph, netpol, vulnerabilities, secrets...) emit findings for
    rule ids declared here, so ``rules list`` and the docs cover them too.
    """

    def _no_check(*_a: Any, **_k: Any) -> Iterable[Violation]:
        return ()

    kwargs.setdefault("target", "analyzer")
    rule(**kwargs)(_no_check)
    return REGISTRY.get(kwargs["id"]).meta
