"""Posture summary: per namespace and overall, the share of workloads that may run as root,
lack a read-only root filesystem, are privileged, or have no resource limits; and the share of
namespaces where 90% or more of workloads fail the Pod Security Standards restricted level.

Computed from the findings (before ignores: suppressing a finding does not make a pod safer)
using rule tags, so the summary and the rules can never disagree. "Fails restricted" is
pod-security-admission's own verdict for the restricted level (``pss_checks.allowed``), which
differs from "has a PSS finding" in PSA's edge cases (e.g. Windows pods, ``hostUsers: false``).
That verdict is read from the findings of the SW-PSS rules of exactly the checks PSA runs at the
restricted level (those rules run PSA's own check functions on every workload already), so the
checks are not run a second time; they are only re-run where the findings cannot tell: when one of
those rules is disabled or failed, or for workloads that share file, kind, namespace and name.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from seawall.rules.registry import REGISTRY

#: Rule tags that feed each posture metric.
METRICS: dict[str, str] = {
    "may_run_as_root": "posture:root",
    "no_readonly_rootfs": "posture:rootfs",
    "privileged": "posture:privileged",
    "no_resource_limits": "posture:limits",
    "fails_restricted": "",  # PSA's verdict, not a tag
}


def posture(run: Any) -> dict[str, Any]:
    workloads = run.inventory.workloads
    restricted_ids = _restricted_rule_ids(run)
    # per rule id, decided once (not once per finding): the metrics it feeds, and whether it is
    # the rule of a check PSA runs at the restricted level
    rule_info: dict[str, tuple[tuple[str, ...], bool]] = {}
    hits: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    # (file, kind, namespace, name) of the workloads with a finding of a restricted-level check
    failing_restricted: set[tuple[str, str, str, str]] = set()
    for f in run.report.findings:
        rid = f.rule_id
        info = rule_info.get(rid)
        if info is None:
            info = rule_info[rid] = (_metrics_fed_by(rid), rid in restricted_ids)
        fed, restricted = info
        if fed or restricted:
            r = f.resource
            if fed:
                hits[(r.kind, r.namespace, r.name)].update(fed)
            if restricted:
                failing_restricted.add((f.location.path, r.kind, r.namespace, r.name))
    from seawall.rules.workload.pss_checks import allowed

    # workloads the findings cannot tell apart: their verdict is computed by running the checks
    seen: set[tuple[str, str, str, str]] = set()
    shared: set[tuple[str, str, str, str]] = set()
    if restricted_ids:
        for view in workloads:
            o = view.owner
            wkey = (o.path, o.kind, o.effective_namespace, o.name)
            if wkey in seen:
                shared.add(wkey)
            seen.add(wkey)

    per_ns: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for view in workloads:
        o = view.owner
        ns = o.effective_namespace
        per_ns[ns]["workloads"] += 1
        for metric in hits.get((o.kind, ns, o.name), ()):
            per_ns[ns][metric] += 1
        wkey = (o.path, o.kind, ns, o.name)
        if restricted_ids and wkey not in shared:
            if wkey in failing_restricted:
                per_ns[ns]["fails_restricted"] += 1
            continue
        try:
            if not allowed(view, "restricted"):
                per_ns[ns]["fails_restricted"] += 1
        except Exception as err:  # hostile input must not break the summary
            run.error(o.path, f"posture: {type(err).__name__}: {err}")

    def shares(counts: dict[str, int]) -> dict[str, Any]:
        n = counts.get("workloads", 0)
        out: dict[str, Any] = {"workloads": n}
        for metric in METRICS:
            c = counts.get(metric, 0)
            out[metric] = {"count": c, "share": round(c / n, 4) if n else 0.0}
        return out

    total: dict[str, int] = defaultdict(int)
    for counts in per_ns.values():
        for k, v in counts.items():
            total[k] += v
    namespaces = {ns: shares(c) for ns, c in sorted(per_ns.items())}
    failing = [ns for ns, s in namespaces.items() if s["workloads"] and s["fails_restricted"]["share"] >= 0.9]
    return {
        "overall": shares(total),
        "namespaces": namespaces,
        "namespaces_failing_restricted": {
            "threshold": 0.9,
            "count": len(failing),
            "total": len(namespaces),
            "share": round(len(failing) / len(namespaces), 4) if namespaces else 0.0,
            "names": failing,
        },
    }


def _metrics_fed_by(rule_id: str) -> tuple[str, ...]:
    """The posture metrics a rule's findings count towards (by its tags)."""
    if rule_id not in REGISTRY:
        return ()
    tags = set(REGISTRY.get(rule_id).meta.tags)
    return tuple(metric for metric, tag in METRICS.items() if tag and tag in tags)


def _restricted_rule_ids(run: Any) -> frozenset[str]:
    """Ids of the SW-PSS rules of the checks PSA runs at the restricted level, when their findings
    are PSA's verdict: every one of those rules is enabled and none of them failed in this scan.
    Empty otherwise (the verdict is then computed by running the checks)."""
    from seawall.rules.workload.pss import PSS_RULE_IDS
    from seawall.rules.workload.pss_checks import RESTRICTED, checks_for_level

    ids = frozenset(PSS_RULE_IDS[c.id] for c in checks_for_level(RESTRICTED))
    if not all(run.enabled(rid) for rid in ids):
        return frozenset()
    if any("SW-PSS-" in e.message for e in run.report.errors):
        return frozenset()
    return ids
