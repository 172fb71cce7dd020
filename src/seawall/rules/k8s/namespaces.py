"""Namespace placement and Namespace admission labels.

Why: the namespace is the unit Kubernetes scopes RBAC, NetworkPolicy, quotas and Pod Security
admission to. Objects dropped into ``default`` share it with everything else nobody placed,
and a Namespace without a ``pod-security.kubernetes.io/enforce`` label admits privileged pods:
the admission gate NIST SP 800-190 4.4.5 asks for is off.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from seawall.inventory.k8s import K8sObject, as_str
from seawall.rules.k8s.common import esc
from seawall.rules.registry import Violation, rule
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
