"""The one Finding model every analyzer produces and every reporter consumes.

Findings are frozen and hashable so that policy (ignores, baselines) and merging by fingerprint
work the same for manifests, images, registries and clusters.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    """Ordered severities; comparisons (``>=``) implement ``--fail-on`` and ``--severity``."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            allowed = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of {allowed})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


#: The categories of DESIGN.md; every rule declares exactly one.
CATEGORIES: tuple[str, ...] = (
    "workload",
    "image",
    "dockerfile",
    "vulnerability",
    "secret",
    "access",
    "isolation",
    "network",
    "supply-chain",
    "freshness",
    "immutability",
    "policy",
)


class Status(enum.Enum):
    FAIL = "fail"
    PASS = "pass"
    MANUAL = "manual"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Resource:
    """What a finding is about. Kubernetes objects use kind/namespace/name/container; images use
    ``image`` (reference or digest) and ``layer``; plain files use only ``Location.path``."""

    kind: str = ""
    namespace: str = ""
    name: str = ""
    container: str = ""
    image: str = ""
    layer: str = ""

    def identity(self) -> str:
        parts = [self.kind, self.namespace, self.name, self.container, self.image]
        return "/".join(parts)

    def display(self) -> str:
        if self.kind:
            ns = f"{self.namespace}/" if self.namespace else ""
            text = f"{self.kind}/{ns}{self.name}"
            if self.container:
                text += f" [{self.container}]"
            return text
        if self.image:
            return self.image + (f" layer {self.layer[:19]}" if self.layer else "")
        return ""


@dataclass(frozen=True, slots=True)
class Location:
    """Where: file path, 1-based line, and a JSON-pointer-like path to the offending field."""

    path: str = ""
    line: int = 0
    pointer: str = ""
    source: str = ""  # e.g. the Helm template named by a `# Source:` comment


@dataclass(frozen=True, slots=True)
class References:
    """Framework and peer-tool ids for one check. ``tools`` maps tool name -> list of ids."""

    nist_risk: tuple[str, ...] = ()
    nist_countermeasure: tuple[str, ...] = ()
    pss: str = ""
    tools: tuple[tuple[str, tuple[str, ...]], ...] = ()
    cis: tuple[str, ...] = ()
    nsa: tuple[str, ...] = ()
    vulnerabilities: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()

    def tool_ids(self) -> dict[str, list[str]]:
        return {name: list(ids) for name, ids in self.tools}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "nist_800_190": {
                "risk": list(self.nist_risk),
                "countermeasure": list(self.nist_countermeasure),
            },
        }
        if self.pss:
            out["pss"] = self.pss
        for name, ids in self.tools:
            out[name] = list(ids)
        if self.cis:
            out["cis"] = list(self.cis)
        if self.nsa:
            out["nsa"] = list(self.nsa)
        if self.vulnerabilities:
            out["vulnerabilities"] = list(self.vulnerabilities)
        if self.cwe:
            out["cwe"] = list(self.cwe)
        if self.urls:
            out["urls"] = list(self.urls)
        return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of one rule on one resource. ``evidence`` must already be redacted."""

    rule_id: str
    title: str
    severity: Severity
    category: str
    message: str
    resource: Resource
    location: Location
    remediation: str = ""
    references: References = field(default_factory=References)
    evidence: str = ""
    status: Status = Status.FAIL
    suppressed: str = ""  # non-empty: why it is suppressed (ignore, annotation, VEX, baseline)
    extra: tuple[tuple[str, Any], ...] = ()  # analyzer-specific extras, JSON-serialisable

    @property
    def fingerprint(self) -> str:
        """Stable across runs and line moves: rule + resource identity + field pointer + file."""
        key = "\x1f".join(
            (
                self.rule_id,
                self.resource.identity(),
                self.resource.layer,
                self.location.path,
                self.location.pointer,
                self.evidence if self.category in ("secret", "vulnerability") else "",
            )
        )
        return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]

    def extras(self) -> dict[str, Any]:
        return dict(self.extra)


def _fast_frozen_init(cls: type) -> None:
    """Give a frozen, slotted dataclass an ``__init__`` that stores through the slot descriptors.

    Why: the generated frozen ``__init__`` calls ``object.__setattr__`` per field (a global and
    an attribute lookup each); a scan builds a Finding and a Location per result (~170k on the
    Kubernetes corpus) and rebuilds them after the fork, so that costs about a second of CPU
    per second of rules. Same signature, defaults, immutability (``__setattr__`` still raises)
    and equality: only the stores are direct.
    """
    ns: dict[str, Any] = {"_MISSING": dataclasses.MISSING}
    params: list[str] = []
    body: list[str] = []
    for f in dataclasses.fields(cls):
        ns[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
        if f.default is not dataclasses.MISSING:
            ns[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            ns[f"_f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            body.append(f"    if {f.name} is _MISSING:\n        {f.name} = _f_{f.name}()")
        else:
            params.append(f.name)
        body.append(f"    _set_{f.name}(self, {f.name})")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), ns)
    init = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    setattr(cls, "__init__", init)  # noqa: B010 - mypy refuses `cls.__init__ = ...` on a type


for _cls in (Resource, Location, Finding):
    _fast_frozen_init(_cls)
