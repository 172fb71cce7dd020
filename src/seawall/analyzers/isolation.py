"""Isolation analyzer: where sensitive workloads run, as whom, on which runtime, and who can
reach them (NIST SP 800-190 4.3.4, 4.5.2). Nothing is reported unless some workload or namespace
carries the sensitivity label."""

from __future__ import annotations

from collections.abc import Iterator

from seawall.engine import ScanRun, analyzer
from seawall.isolation import checks
from seawall.isolation.sensitivity import SensitivityConfig
from seawall.model.finding import Finding


@analyzer("isolation", rules=("SW-ISO-",))
def isolation(run: ScanRun) -> Iterator[Finding]:
    cfg = SensitivityConfig.from_section(run.config.section("sensitivity"), run.config.source or ".seawall.yaml")
    inv = run.inventory
    namespaces = {o.name: o for o in inv.objects if o.kind == "Namespace" and o.api_version == "v1"}
    items = checks.classify(inv.workloads, cfg, namespaces)
    if not any(c.sensitive for c in items):
        return
    nodes = [o for o in inv.objects if o.kind == "Node" and o.api_version == "v1"]
    runtime_classes = [o for o in inv.objects if o.kind == "RuntimeClass" and o.api_group == "node.k8s.io"]
    issues = [
        *checks.mixed_namespaces(items, namespaces),
        *checks.dedicated_nodes(items, nodes),
        *checks.shared_service_accounts(items),
        *checks.sandbox(items, cfg, runtime_classes),
    ]
    if run.enabled("SW-ISO-005"):
        from seawall.analyzers.netpol import run_connectivity  # shared with the netpol analyzer

        issues += checks.reachable_from_non_sensitive(items, inv.objects, cfg, namespaces, run_connectivity(run))
    for i in issues:
        f = run.object_finding(i.rule_id, i.obj, i.message, i.pointer, evidence=i.evidence)
        if f is not None:
            yield f
