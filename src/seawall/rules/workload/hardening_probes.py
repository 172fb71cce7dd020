"""Liveness and readiness probes.

Why in a security scanner: a workload without probes keeps serving after it hangs or is
half-compromised, and Services route to pods that are not ready. Every anchor tool ships these,
so users migrating expect them. Run-to-completion kinds (Job, CronJob) are skipped by default
(setting ``skip_kinds``), as checkov, polaris and kube-linter do; init containers cannot have
probes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from seawall.inventory.k8s import PodSpecView, as_dict
from seawall.rules.registry import Violation, rule
from seawall.rules.workload.hardening_common import JOB_KINDS, setting_list


def _probe_missing(view: PodSpecView, ctx: Any, rule_id: str, field: str) -> Iterable[Violation]:
    skip = set(setting_list(ctx, rule_id, "skip_kinds", sorted(JOB_KINDS)))
    if view.owner.kind in skip:
        return
    for c in view.containers(("containers",)):
        if as_dict(c.data.get(field)):
            continue
        yield Violation(f"container {c.name!r} has no {field}", c.pointer, c.name)


@rule(
    id="SW-K8S-016",
    title="Container has no liveness probe",
    severity="low",
    category="workload",
    description="""Without a liveness probe the kubelet never restarts a container that hangs or
    deadlocks.""",
    remediation="""
spec:
  containers:
  - name: app
    livenessProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 10
""",
    risk=["3.4.3"],
    countermeasure=["4.4.3"],
    target="pod",
    tools={
        "checkov": "CKV_K8S_8",
        "kubescape": "C-0056",
        "kube-linter": "no-liveness-probe",
        "polaris": "livenessProbeMissing",
        "kube-score": "pod-probes",
    },
)
def liveness(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    yield from _probe_missing(view, ctx, "SW-K8S-016", "livenessProbe")


@rule(
    id="SW-K8S-017",
    title="Container has no readiness probe",
    severity="low",
    category="workload",
    description="""Without a readiness probe, Services send traffic to the container before it
    can serve and while it is failing.""",
    remediation="""
spec:
  containers:
  - name: app
    readinessProbe:
      httpGet: {path: /ready, port: 8080}
      periodSeconds: 5
""",
    risk=["3.4.3"],
    countermeasure=["4.4.3"],
    target="pod",
    tools={
        "checkov": "CKV_K8S_9",
        "kubescape": "C-0018",
        "kube-linter": "no-readiness-probe",
        "polaris": "readinessProbeMissing",
        "kube-score": "pod-probes",
    },
)
def readiness(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    yield from _probe_missing(view, ctx, "SW-K8S-017", "readinessProbe")
