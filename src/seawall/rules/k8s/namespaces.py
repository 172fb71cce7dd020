"""Namespace placement and Namespace admission labels.

Why: the namespace is the unit Kubernetes scopes RBAC, NetworkPolicy, quotas and Pod Security
admission to. Objects dropped into ``default`` share it with everything else nobody placed,
and a Namespace without a ``pod-security.kubernetes.io/enforce`` label admits privileged pods:
the admission gate NIST SP 800-190 4.4.5 asks for is off.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from seawall.engine import ScanRun, analyzer
from seawall.inventory.k8s import K8sObject, as_str
from seawall.model.finding import Finding
from seawall.rules.k8s.common import esc
from seawall.rules.registry import Violation, declare, rule
from seawall.rules.workload.hardening_common import setting_list

#: Objects Kubernetes itself creates in ``default``: never the user's choice.
_BUILTIN_DEFAULT = frozenset({("ServiceAccount", "default"), ("Service", "kubernetes"),
                              ("Endpoints", "kubernetes"), ("EndpointSlice", "kubernetes"),
                              ("ConfigMap", "kube-root-ca.crt")})
#: Namespaced kinds that are not worth a finding of their own in ``default``.
_SKIP_KINDS = frozenset({"Event", "Lease", "Binding", "ComponentStatus"})


@rule(
    id="SW-K8S-080",
    title="Object in the default namespace",
    severity="low",
    category="workload",
    description="""The object names no namespace or the `default` namespace. Workloads there
    share one RBAC, NetworkPolicy and Pod Security scope with everything nobody placed; give
    every application a namespace of its own. (Applies to every namespaced kind, like
    checkov's CKV_K8S_21.)""",
    remediation="""
metadata:
  name: app
  namespace: app-team      # a dedicated namespace (or set it in kustomization.yaml / helm -n)
""",
    risk=["3.4.5", "3.3.1"],
    countermeasure=["4.4.5"],
    target="object",
    tools={
        "checkov": "CKV_K8S_21",
        "kubescape": "C-0061",
        "kube-linter": "use-namespace",
        "trivy": "KSV-0110",
    },
    cis=["5.7.4"],
)
def default_namespace(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    if obj.cluster_scoped or obj.kind in _SKIP_KINDS:
        return
    if obj.effective_namespace != "default":
        return
    if (obj.kind, obj.name) in _BUILTIN_DEFAULT:
        return
    if obj.namespace:
        yield Violation(f"{obj.kind} is in the default namespace", obj.pointer + "/metadata/namespace",
                        evidence="default")
    else:
        ptr = obj.pointer + "/metadata" if isinstance(obj.data.get("metadata"), dict) else obj.pointer
        yield Violation(f"{obj.kind} names no namespace, so it lands in 'default'", ptr)


PSA_ENFORCE = "pod-security.kubernetes.io/enforce"
_LEVELS = ("privileged", "baseline", "restricted")


@rule(
    id="SW-K8S-081",
    title="Namespace does not enforce Pod Security admission",
    severity="medium",
    category="workload",
    description="""The Namespace has no `pod-security.kubernetes.io/enforce` label, or enforces
    `privileged` (or an invalid level), so Pod Security admission lets any pod in, privileged
    ones included. Namespaces in setting `exempt` (default: kube-system, kube-public,
    kube-node-lease) are skipped.""",
    remediation="""
apiVersion: v1
kind: Namespace
metadata:
  name: app-team
  labels:
    pod-security.kubernetes.io/enforce: restricted      # or baseline
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
""",
    risk=["3.4.5", "3.4.3"],
    countermeasure=["4.4.5", "4.4.3"],
    target="object",
    kinds=("Namespace",),
)
def psa_labels(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    exempt = setting_list(ctx, "SW-K8S-081", "exempt", ("kube-system", "kube-public", "kube-node-lease"))
    if obj.name in exempt:
        return
    labels = obj.labels
    if PSA_ENFORCE not in labels:
        ptr = obj.pointer + "/metadata/labels" if labels else obj.pointer + "/metadata"
        yield Violation(f"Namespace {obj.name!r} has no {PSA_ENFORCE} label", ptr)
        return
    level = as_str(labels.get(PSA_ENFORCE)).strip()
    ptr = f"{obj.pointer}/metadata/labels/{esc(PSA_ENFORCE)}"
    if level == "privileged":
        yield Violation(f"Namespace {obj.name!r} enforces the privileged level (no restriction)", ptr,
                        evidence=level)
    elif level not in _LEVELS:
        yield Violation(f"Namespace {obj.name!r} has an invalid Pod Security level {level!r}", ptr,
                        evidence=level)


_QUOTA_RULES: dict[str, tuple[str, str]] = {
    # rule id -> (kind that must exist in the namespace, what it bounds)
    "SW-K8S-093": ("LimitRange", "default and maximum container CPU/memory"),
    "SW-K8S-094": ("ResourceQuota", "the namespace's total CPU, memory and object counts"),
}

declare(
    id="SW-K8S-093",
    title="Namespace has no LimitRange",
    severity="low",
    category="workload",
    description="""A Namespace defined in the scanned manifests has no LimitRange among them, so a
    container that omits requests/limits gets none: one workload can starve the node. Only
    Namespaces that are themselves in the input are judged (a partial input cannot tell).""",
    remediation="""
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: app-team}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m, memory: 128Mi}
""",
    risk=["3.4.3", "3.3.4"],
    countermeasure=["4.4.3"],
    tools={"trivy": "KSV-0039"},
)

declare(
    id="SW-K8S-094",
    title="Namespace has no ResourceQuota",
    severity="low",
    category="workload",
    description="""A Namespace defined in the scanned manifests has no ResourceQuota among them, so
    the workloads in it can consume the whole cluster (a compromised CI job scaling a Deployment
    to thousands of replicas). Only Namespaces in the input are judged.""",
    remediation="""
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: app-team}
spec:
  hard: {requests.cpu: "8", requests.memory: 16Gi, limits.cpu: "16", limits.memory: 32Gi, pods: "50"}
""",
    risk=["3.4.3", "3.3.4"],
    countermeasure=["4.4.3"],
    tools={"trivy": "KSV-0040"},
)


@analyzer("hardening-namespace-quotas", rules=("SW-K8S-",))
def namespace_quotas(run: ScanRun) -> Iterator[Finding]:
    """Cross-object: a Namespace needs the LimitRange/ResourceQuota objects of its namespace,
    which may come from any file of the scan."""
    present: dict[str, set[str]] = {kind: set() for kind, _what in _QUOTA_RULES.values()}
    for kind in present:
        present[kind] = {o.namespace for o in run.inventory.by_kind(kind) if o.namespace}
    exempt = set(setting_list(run.ctx, "SW-K8S-081", "exempt", ("kube-system", "kube-public", "kube-node-lease")))
    for ns in run.inventory.by_kind("Namespace"):
        if ns.name in exempt:
            continue
        for rule_id, (kind, what) in _QUOTA_RULES.items():
            if ns.name not in present[kind]:
                f = run.object_finding(rule_id, ns, f"Namespace {ns.name!r} has no {kind} bounding {what}")
                if f is not None:
                    yield f
