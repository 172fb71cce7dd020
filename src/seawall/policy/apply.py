"""Apply policy to a finished run: severity overrides, config ignores (with expiry), per-object
``seawall.io/ignore`` annotations, and the baseline. Suppressed findings stay in the report with
``suppressed`` set (shown with ``-v``), so nothing disappears silently.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from typing import TYPE_CHECKING

from seawall.inventory.k8s import K8sObject, as_str
from seawall.model.finding import Finding
from seawall.policy.config import Ignore

if TYPE_CHECKING:
    from seawall.engine import ScanRun

#: ``seawall.io/ignore: "SW-K8S-001,SW-K8S-002: reason why"``
IGNORE_ANNOTATION = "seawall.io/ignore"
#: Alternative place for the reason: ``seawall.io/ignore-reason``.
IGNORE_REASON_ANNOTATION = "seawall.io/ignore-reason"


def parse_ignore_annotation(value: str, reason_annotation: str = "") -> tuple[set[str], str]:
    """Rule ids (globs allowed) and the reason; the reason may follow a colon or live in
    ``seawall.io/ignore-reason``. No reason -> no ids (an ignore must say why)."""
    ids_part, _, reason = value.partition(":")
    reason = reason.strip() or reason_annotation.strip()
    ids = {p.strip() for p in ids_part.split(",") if p.strip()}
    return (ids if reason else set()), reason


def _resource_key(f: Finding) -> str:
    r = f.resource
    if r.kind:
        return f"{r.kind}/{r.namespace}/{r.name}"
    return r.image or f.location.path


def apply_policy(run: object) -> None:
    """Mutates ``run.report.findings`` in place (findings themselves are replaced, not edited)."""
    from seawall.engine import ScanRun as _ScanRun  # local: avoid an import cycle

    assert isinstance(run, _ScanRun)
    cfg = run.config
    report = run.report
    annotated: dict[tuple[str, str, str], tuple[set[str], str]] = {}
    for obj in run.inventory.objects:
        ann = obj.annotations
        raw = as_str(ann.get(IGNORE_ANNOTATION))
        if not raw:
            continue
        ids, reason = parse_ignore_annotation(raw, as_str(ann.get(IGNORE_REASON_ANNOTATION)))
        if not ids:
            report.warnings.append(
                f"{obj.path}: {obj.ref()}: annotation {IGNORE_ANNOTATION} has no reason; ignored "
                f'(write "RULE-ID[,RULE-ID]: why")'
            )
            continue
        annotated[_obj_key(obj)] = (ids, reason)

    overrides, ignores, baseline = cfg.severity_overrides, cfg.ignores, cfg.baseline
    findings = report.findings
    by_rule: dict[str, list[Ignore]] = {}
    if overrides or annotated or ignores or baseline:  # else nothing can change: no pass at all
        for i, f in enumerate(findings):
            if overrides and f.rule_id in overrides:
                f = findings[i] = dataclasses.replace(f, severity=overrides[f.rule_id])
            reason = ""
            if annotated:
                key = (f.resource.kind, f.resource.namespace, f.resource.name)
                if key in annotated:
                    ids, why = annotated[key]
                    if any(fnmatch.fnmatchcase(f.rule_id, p) for p in ids):
                        reason = f"annotation: {why}"
            if not reason and ignores:
                reason = _ignore_reason(f, run, by_rule)
            if not reason and baseline and f.fingerprint in baseline:
                reason = "in baseline"
            if reason:
                findings[i] = dataclasses.replace(f, suppressed=reason)
    # de-duplicate repeated expiry warnings
    report.warnings[:] = list(dict.fromkeys(report.warnings))


def _ignore_reason(f: Finding, run: ScanRun, by_rule: dict[str, list[Ignore]]) -> str:
    """The reason of the first unexpired config ignore matching ``f`` ("" if none); an expired
    one that matches adds a warning. ``by_rule`` memoises, per rule id, the ignores whose rule
    glob matches it: a config with thousands of ignores is scanned once per rule id, not once per
    finding."""
    cfg = run.config
    candidates = by_rule.get(f.rule_id)
    if candidates is None:
        candidates = by_rule[f.rule_id] = [ig for ig in cfg.ignores if ig.matches_rule(f.rule_id)]
    if not candidates:
        return ""
    rkey = _resource_key(f)
    for ig in candidates:
        if not ig.matches_resource(rkey, f.location.path):
            continue
        if ig.expired(cfg.today):
            run.report.warnings.append(
                f"ignore of {ig.rule} for {ig.resource} expired on {ig.expires}; its findings are reported again"
            )
            continue
        return f"ignored: {ig.reason}"
    return ""


def _obj_key(obj: K8sObject) -> tuple[str, str, str]:
    return (obj.kind, obj.effective_namespace, obj.name)
