"""Deprecated and removed API versions.

Why: a manifest written against a removed API version (extensions/v1beta1, policy/v1beta1...)
either fails to apply on a current cluster or, worse, is kept alive on an old unpatched one. The
objects also miss fields later versions made secure by default. The table lists the Kubernetes
release that stopped serving each version and its replacement.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from seawall.inventory.k8s import K8sObject
from seawall.rules.registry import Violation, rule

#: (apiVersion, kind or "*") -> (removed in release, replacement apiVersion).
REMOVED: dict[tuple[str, str], tuple[str, str]] = {
    ("extensions/v1beta1", "Deployment"): ("1.16", "apps/v1"),
    ("extensions/v1beta1", "DaemonSet"): ("1.16", "apps/v1"),
    ("extensions/v1beta1", "ReplicaSet"): ("1.16", "apps/v1"),
    ("extensions/v1beta1", "NetworkPolicy"): ("1.16", "networking.k8s.io/v1"),
    ("extensions/v1beta1", "PodSecurityPolicy"): ("1.16", "policy/v1beta1 (itself removed in 1.25)"),
    ("extensions/v1beta1", "Ingress"): ("1.22", "networking.k8s.io/v1"),
    ("extensions/v1beta1", "*"): ("1.22", "the kind's GA group"),
    ("apps/v1beta1", "*"): ("1.16", "apps/v1"),
    ("apps/v1beta2", "*"): ("1.16", "apps/v1"),
    ("networking.k8s.io/v1beta1", "*"): ("1.22", "networking.k8s.io/v1"),
    ("rbac.authorization.k8s.io/v1beta1", "*"): ("1.22", "rbac.authorization.k8s.io/v1"),
    ("rbac.authorization.k8s.io/v1alpha1", "*"): ("1.22", "rbac.authorization.k8s.io/v1"),
    ("admissionregistration.k8s.io/v1beta1", "*"): ("1.22", "admissionregistration.k8s.io/v1"),
    ("apiextensions.k8s.io/v1beta1", "*"): ("1.22", "apiextensions.k8s.io/v1"),
    ("apiregistration.k8s.io/v1beta1", "*"): ("1.22", "apiregistration.k8s.io/v1"),
    ("authentication.k8s.io/v1beta1", "*"): ("1.22", "authentication.k8s.io/v1"),
    ("authorization.k8s.io/v1beta1", "*"): ("1.22", "authorization.k8s.io/v1"),
    ("certificates.k8s.io/v1beta1", "*"): ("1.22", "certificates.k8s.io/v1"),
    ("coordination.k8s.io/v1beta1", "*"): ("1.22", "coordination.k8s.io/v1"),
    ("scheduling.k8s.io/v1beta1", "*"): ("1.22", "scheduling.k8s.io/v1"),
    ("scheduling.k8s.io/v1alpha1", "*"): ("1.17", "scheduling.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity"): ("1.27", "storage.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "*"): ("1.22", "storage.k8s.io/v1"),
    ("batch/v1beta1", "*"): ("1.25", "batch/v1"),
    ("batch/v2alpha1", "*"): ("1.21", "batch/v1"),
    ("policy/v1beta1", "PodDisruptionBudget"): ("1.25", "policy/v1"),
    ("policy/v1beta1", "PodSecurityPolicy"): ("1.25", "Pod Security admission (namespace labels)"),
    ("policy/v1beta1", "*"): ("1.25", "policy/v1"),
    ("autoscaling/v2beta1", "*"): ("1.25", "autoscaling/v2"),
    ("autoscaling/v2beta2", "*"): ("1.26", "autoscaling/v2"),
    ("discovery.k8s.io/v1beta1", "*"): ("1.25", "discovery.k8s.io/v1"),
    ("events.k8s.io/v1beta1", "*"): ("1.25", "events.k8s.io/v1"),
    ("node.k8s.io/v1beta1", "*"): ("1.25", "node.k8s.io/v1"),
    ("node.k8s.io/v1alpha1", "*"): ("1.22", "node.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "*"): ("1.26", "flowcontrol.apiserver.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "*"): ("1.29", "flowcontrol.apiserver.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "*"): ("1.32", "flowcontrol.apiserver.k8s.io/v1"),
}


def removed(api_version: str, kind: str) -> tuple[str, str] | None:
    return REMOVED.get((api_version, kind)) or REMOVED.get((api_version, "*"))


@rule(
    id="SW-K8S-092",
    title="Removed or deprecated API version",
    severity="medium",
    category="workload",
    description="""The object uses an apiVersion that current Kubernetes no longer serves
    (extensions/v1beta1, apps/v1beta2, batch/v1beta1, policy/v1beta1, ...). It cannot be applied
    to a supported cluster, and keeping it working means keeping an unsupported one.""",
    remediation="""
apiVersion: apps/v1          # was extensions/v1beta1 (see the finding for the replacement)
kind: Deployment
spec:
  selector: {matchLabels: {app: app}}   # required by apps/v1
""",
    risk=["3.5.3", "3.4.1"],
    countermeasure=["4.5.3", "4.4.1"],
    target="object",
    tools={"kube-linter": "no-extensions-v1beta", "trivy": "KSV-0107", "kube-score": "stable-version"},
)
def removed_api(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    hit = removed(obj.api_version, obj.kind)
    if hit is None:
        return
    release, replacement = hit
    yield Violation(
        f"{obj.kind} uses {obj.api_version}, removed in Kubernetes {release}; use {replacement}",
        obj.pointer + "/apiVersion",
        evidence=obj.api_version,
    )
