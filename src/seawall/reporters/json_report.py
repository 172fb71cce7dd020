"""JSON report: ``{schema_version, tool, findings, summary}``; stable field names (documented in
docs/output.md) so CI pipelines can consume it."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from seawall.model.finding import Finding, Severity

SCHEMA_VERSION = "1.0"
PRETTY_LIMIT = 5000


def finding_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity.label,
        "category": f.category,
        "message": f.message,
        "resource": {
            "kind": f.resource.kind,
            "namespace": f.resource.namespace,
            "name": f.resource.name,
            "container": f.resource.container,
        },
        "location": {"path": f.location.path, "line": f.location.line},
        "remediation": f.remediation,
        "references": f.references.to_dict(),
        "fingerprint": f.fingerprint,
    }
    if f.resource.image:
        out["resource"]["image"] = f.resource.image
    if f.resource.layer:
        out["resource"]["layer"] = f.resource.layer
    if f.location.pointer:
        out["location"]["pointer"] = f.location.pointer
    if f.location.source:
        out["location"]["source"] = f.location.source
    if f.evidence:
        out["evidence"] = f.evidence
    if f.suppressed:
        out["suppressed"] = f.suppressed
    if f.extra:
        out["details"] = f.extras()
    return out


def summary(report: Any, findings: list[Finding]) -> dict[str, Any]:
    active = [f for f in findings if not f.suppressed]
    by_sev = Counter(f.severity.label for f in active)
    by_cat = Counter(f.category for f in active)
    from seawall import plugins
    from seawall.reporters.compliance import evaluate
    from seawall.rules.registry import REGISTRY

    plugins.load()
    nist = {
        cm: {"status": r["status"], "findings": r["findings"]} for cm, r in evaluate(findings, REGISTRY.metas()).items()
    }
    return {
        "findings": len(active),
        "suppressed": sum(1 for f in report.findings if f.suppressed),
        "by_severity": {s.label: by_sev.get(s.label, 0) for s in sorted(Severity, reverse=True)},
        "by_category": dict(sorted(by_cat.items())),
        "incomplete": report.incomplete,
        "errors": [str(e) for e in report.errors],
        "not_checked": list(report.not_checked),
        "posture": report.posture,
        "nist_800_190": nist,
        "stats": report.stats,
    }


def render(report: Any, findings: list[Finding]) -> str:
    body = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "seawall", "version": report.tool_version},
        "findings": [finding_dict(f) for f in findings],
        "summary": summary(report, findings),
    }
    # Indented for people; past a few thousand findings the C encoder (no indent) is ~5x faster
    # and the reader is a program anyway. Same JSON either way.
    indent = 2 if len(findings) <= PRETTY_LIMIT else None
    return json.dumps(body, indent=indent, ensure_ascii=False) + "\n"
