"""Network-policy analyzer: segmentation and egress findings from the exact connectivity model.

Runs once per scan over every object read (policies, namespaces and workloads usually live in
different files). The connectivity is computed once per run and shared through
:func:`run_connectivity`, so the isolation analyzer ("sensitive workload reachable from
non-sensitive ones") reuses it instead of recomputing.
"""

from __future__ import annotations

from collections.abc import Iterator

from seawall.engine import ScanRun, analyzer
from seawall.inventory.k8s import K8sObject
from seawall.model.finding import Finding
from seawall.netpol.analysis import Connectivity, analyze
from seawall.netpol.exposure import Exposure
from seawall.netpol.ipblocks import ALL_V4, ALL_V6
from seawall.netpol.model import Workload

DEFAULT_SENSITIVITY_LABEL = "seawall.io/sensitivity"
#: Label values that do not mark a workload as sensitive.
NOT_SENSITIVE = frozenset({"", "none", "public", "low", "non-sensitive", "nonsensitive", "false"})
_EXTRA_KEY = "netpol.connectivity"


def run_connectivity(run: ScanRun) -> Connectivity:
    """The scan's connectivity (computed on first use, then cached on the run's inventory)."""
    cached = run.inventory.extra.get(_EXTRA_KEY)
    if isinstance(cached, Connectivity):
        return cached
    conn = analyze(run.inventory.objects)
    run.inventory.extra[_EXTRA_KEY] = conn
    return conn


def sensitivity_label(run: ScanRun) -> str:
    label = run.config.section("sensitivity").get("label")
    return label if isinstance(label, str) and label else DEFAULT_SENSITIVITY_LABEL


def sensitivity(conn: Connectivity, w: Workload, label: str) -> str:
    """The workload's sensitivity level ('' = not sensitive): pod labels, owner labels, namespace."""
    candidates = [w.labels.get(label, "")]
    candidates += [str(o.labels.get(label, "")) for o in w.objects]
    ns = conn.cluster.namespaces.get(w.namespace)
    if ns is not None:
        candidates.append(ns.labels.get(label, ""))
    for c in candidates:
        if c.strip().lower() not in NOT_SENSITIVE:
            return c
    return ""


def _ns_anchor(conn: Connectivity, ns: str, fallback: list[K8sObject]) -> K8sObject | None:
    nso = conn.cluster.namespaces.get(ns)
    if nso is not None and nso.obj is not None:
        return nso.obj
    return fallback[0] if fallback else None


def _findings(run: ScanRun) -> Iterator[Finding | None]:
    conn = run_connectivity(run)
    if not conn.workloads and not conn.policies:
        return
    by_ns_policies: dict[str, list[int]] = {}
    for p in conn.policies:
        by_ns_policies.setdefault(p.namespace, []).append(p.index)
    ns_workloads: dict[str, list[Workload]] = {}
    for w in conn.workloads:
        ns_workloads.setdefault(w.namespace, []).append(w)

    # -- namespaces ---------------------------------------------------------------------------
    declared = {n for n, ns in conn.cluster.namespaces.items() if ns.obj is not None}
    for ns in sorted(set(ns_workloads) | declared):
        pols = [conn.policies[i] for i in by_ns_policies.get(ns, [])]
        wls = ns_workloads.get(ns, [])
        if not pols:
            anchor = _ns_anchor(conn, ns, [o for w in wls for o in w.objects])
            if anchor is not None:
                what = (
                    f"its {len(wls)} workload(s) accept and open connections from/to anywhere"
                    if wls
                    else "any pod created in it will be unrestricted"
                )
                yield run.object_finding("SW-NET-001", anchor, f"namespace {ns} has no NetworkPolicy: {what}")
            continue
        if not wls:
            continue
        for rid, direction in (("SW-NET-002", "ingress"), ("SW-NET-003", "egress")):
            if any(p.pod_selector.empty and p.affects(direction) for p in pols):
                continue
            anchor = _ns_anchor(conn, ns, [pols[0].obj])
            if anchor is not None:
                yield run.object_finding(
                    rid,
                    anchor,
                    f"namespace {ns} has no NetworkPolicy selecting all pods for {direction.capitalize()} "
                    "(default deny)",
                )

    # -- workloads ----------------------------------------------------------------------------
    for w in conn.workloads:
        ing = conn.ingress_policies(w)
        eg = conn.egress_policies(w)
        obj = w.objects[0]
        selected_any = any(w.index in conn.selected[p.index] for p in conn.policies)
        if not selected_any:
            yield run.object_finding(
                "SW-NET-004",
                obj,
                f"{w.key} is not selected by any NetworkPolicy: ingress and egress are unrestricted",
                "/metadata",
            )
        elif bool(ing) != bool(eg):
            missing = "Egress" if ing else "Ingress"
            yield run.object_finding(
                "SW-NET-005",
                obj,
                f"{w.key} is selected by NetworkPolicies for {'Ingress' if ing else 'Egress'} only; "
                f"{missing} is unrestricted",
                "/metadata",
            )

    # -- policies -----------------------------------------------------------------------------
    for p in conn.policies:
        for rule in (*p.ingress, *p.egress):
            if rule.all_peers and not rule.ports:
                word = "from any source" if rule.direction == "ingress" else "to any destination"
                yield run.object_finding(
                    "SW-NET-006",
                    p.obj,
                    f"NetworkPolicy {p.key} {rule.direction} rule #{rule.index + 1} allows all traffic {word}",
                    rule.pointer,
                )
        if p.affects_egress:
            for rule in p.egress:
                key = "to"
                for j, pe in enumerate(rule.peers):
                    ipb = pe.ip_block
                    if ipb is None:
                        continue
                    base = ipb.text.split(" ", 1)[0]
                    if base in ("0.0.0.0/0", "::/0") or ipb.intervals in (ALL_V4, ALL_V6):
                        holes = " (minus its except ranges)" if " except " in ipb.text else ""
                        yield run.object_finding(
                            "SW-NET-007",
                            p.obj,
                            f"NetworkPolicy {p.key} allows egress to {base}{holes}: any external address",
                            f"{rule.pointer}/{key}/{j}/ipBlock/cidr",
                        )
        if not p.pod_selector.empty and not conn.selected[p.index]:
            yield run.object_finding(
                "SW-NET-008",
                p.obj,
                f"NetworkPolicy {p.key} selects no pod: no workload in namespace {p.namespace} matches "
                f"podSelector {{{p.pod_selector}}}",
                "/spec/podSelector",
            )
        for warning in p.warnings:
            yield run.object_finding("SW-NET-010", p.obj, f"NetworkPolicy {p.key}: {warning}", "/spec")

    # -- sensitive workloads --------------------------------------------------------------------
    label = sensitivity_label(run)
    sensitive = [(w, lvl) for w in conn.workloads if (lvl := sensitivity(conn, w, label))]
    if sensitive:
        exposure = Exposure(conn)
        for w, lvl in sensitive:
            wide = exposure.cluster_wide(w, "ingress")
            if wide is None:
                why = "no NetworkPolicy selects it for Ingress"
            elif not wide.is_empty():
                why = f"an ingress rule admits every namespace ({wide})"
            else:
                continue
            yield run.object_finding(
                "SW-NET-009",
                w.objects[0],
                f"{w.key} ({label}={lvl}) is reachable from every namespace: {why}",
                "/metadata",
            )


@analyzer("netpol", rules=("SW-NET-",))
def netpol_analyzer(run: ScanRun) -> Iterator[Finding]:
    for f in _findings(run):
        if f is not None:
            yield f
