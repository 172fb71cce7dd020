"""Cross-analysis: workloads where several independent weaknesses line up.

A root container alone, an open network path alone, a powerful service-account token alone or a
critical CVE alone is a finding each; together they are an attack path (reach it, exploit it,
own the node or the cluster). No single-purpose tool can see this, because the facts come from
different analyzers. This one runs after all others and joins their results by resource
identity (kind/namespace/name, image reference), plus the scan's network connectivity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from seawall.engine import ScanRun, analyzer
from seawall.model.finding import Finding, Severity
from seawall.rules.registry import REGISTRY, declare

if TYPE_CHECKING:
    from seawall.inventory.k8s import K8sObject
    from seawall.netpol.analysis import Connectivity
    from seawall.netpol.model import Workload

RULE = declare(
    id="SW-RISK-001",
    title="Several weaknesses line up on one workload (attack path)",
    severity="high",
    category="workload",
    description="The workload combines two or more of: runs as root or privileged, reachable from every "
    "namespace (no ingress NetworkPolicy selects it), a mounted service-account token that can read secrets "
    "or escalate, and a critical vulnerability in its image. Each is reported on its own too; together they "
    "form a path from the network to the node or the cluster. Critical with three or more.",
    remediation="Break the chain at its cheapest link, for example:\n"
    "spec:\n  automountServiceAccountToken: false\n  securityContext: {runAsNonRoot: true}\n"
    "# and a NetworkPolicy selecting the workload that allows only the callers it needs",
    risk=["3.4.3", "3.3.3", "3.3.1", "3.1.1"],
    countermeasure=["4.4.3", "4.3.3", "4.3.1", "4.1.1"],
)

_TOKEN_RULES = ("SW-RBAC-019", "SW-RBAC-020", "SW-RBAC-021")
_ROOT_TAGS = ("posture:root", "posture:privileged")


def _key(kind: str, ns: str, name: str) -> tuple[str, str, str]:
    return (kind, ns, name)


def _workload_lookup(conn: Connectivity) -> Callable[[K8sObject], Workload | None]:
    """``conn.workload_for`` answered from two indexes built once: the same answers (the peer
    holding the object itself, else the first peer in the model's order with an object of the
    same kind, name and namespace), without a scan of every peer for each manifest that is not one
    of a peer's own objects (a duplicate of another file's workload, for instance)."""
    by_object = {id(o): w for w in conn.workloads for o in w.objects}
    by_name: dict[tuple[str, str, str], Workload] = {}
    for w in conn.workloads:
        for o in w.objects:
            if (o.namespace or "default") == w.namespace:
                by_name.setdefault((w.namespace, o.kind, o.name), w)

    def lookup(obj: K8sObject) -> Workload | None:
        hit = by_object.get(id(obj))
        if hit is not None:
            return hit
        return by_name.get((obj.namespace or "default", obj.kind, obj.name))

    return lookup


@analyzer("combined", joins=True)
def combined(run: ScanRun) -> Iterator[Finding]:
    if not run.enabled(RULE.id) or not run.inventory.workloads:
        return
    factors: dict[tuple[str, str, str], dict[str, str]] = defaultdict(dict)
    critical_images: dict[str, str] = {}
    # which rule ids carry a root tag, decided once per rule id rather than once per finding
    root_ids = {
        rid
        for rid in {f.rule_id for f in run.report.findings}
        if rid in REGISTRY and any(t in REGISTRY.get(rid).meta.tags for t in _ROOT_TAGS)
    }
    factor_of = dict.fromkeys(_TOKEN_RULES, "token") | dict.fromkeys(root_ids, "root")  # root wins
    for f in run.report.findings:
        factor = factor_of.get(f.rule_id)
        if factor is not None:
            r = f.resource
            factors[_key(r.kind, r.namespace, r.name)].setdefault(factor, f.message)
        elif f.category == "vulnerability" and f.severity >= Severity.CRITICAL and f.resource.image:
            critical_images.setdefault(f.resource.image, f.message)
    conn = None
    try:
        from seawall.analyzers.netpol import run_connectivity

        conn = run_connectivity(run)
    except Exception as err:  # the join must not fail the scan; say what is missing
        run.report.warnings.append(f"combined analysis without network data: {type(err).__name__}: {err}")
    workload_for = _workload_lookup(conn) if conn is not None else None
    for view in run.inventory.workloads:
        o = view.owner
        key = _key(o.kind, o.effective_namespace, o.name)
        found = dict(factors.get(key, {}))
        if conn is not None and workload_for is not None:
            w = workload_for(o)
            if w is not None and not conn.ingress_policies(w):
                found["exposed"] = "no NetworkPolicy restricts its ingress: reachable from every namespace"
        for c in view.containers():
            hit = critical_images.get(c.image)
            if hit:
                found["cve"] = f"image {c.image}: {hit}"
                break
        if len(found) < 2:
            continue
        names = {
            "root": "runs as root/privileged",
            "exposed": "reachable from everywhere",
            "token": "powerful service-account token",
            "cve": "critical CVE in its image",
        }
        summary = " + ".join(names[k] for k in ("root", "exposed", "token", "cve") if k in found)
        sev = Severity.CRITICAL if len(found) >= 3 else Severity.HIGH
        risk = run.object_finding(
            RULE.id,
            o,
            f"{summary} ({len(found)} weaknesses on one workload)",
            view.spec_pointer[len(o.pointer) :],
            severity=sev,
            extra=tuple(sorted(found.items())),
        )
        if risk is not None:
            yield risk
