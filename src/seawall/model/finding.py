"""The one Finding model every analyzer produces and every reporter consumes.

Findings are frozen and hashable so that policy (ignores, baselines) and merging by fingerprint
work the same for manifests, images, registries and clusters.
"""

from __future__ import annotations

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
