"""CPU and memory requests and limits.

Why four rules and not one: every anchor tool reports the four separately (CKV_K8S_10..13,
KSV-0011/15/16/18, polaris cpu/memory Requests/Limits Missing), and they matter differently: a
missing memory limit lets one pod OOM its node neighbours, a missing request breaks scheduling.
The limit rules carry the ``posture:limits`` tag that the posture summary counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from seawall.inventory.k8s import PodSpecView
from seawall.rules.registry import Violation, rule
from seawall.rules.workload.hardening_common import RUN_CONTAINERS

_RISK = ["3.4.3", "3.3.4"]
_CM = ["4.4.3"]


def _missing(view: PodSpecView, section: str, resource: str) -> Iterator[Violation]:
    what = "limit" if section == "limits" else "request"
    for c in view.containers(RUN_CONTAINERS):
        # resources.<section>.<resource>, and the pointer of its deepest existing part (what
        # present_ptr gives; section and resource are plain keys)
        res = c.data.get("resources")
        sec = res.get(section) if isinstance(res, dict) else None
        value = sec.get(resource) if isinstance(sec, dict) else None
        if value is None or (isinstance(value, str) and not value.strip()) or isinstance(value, bool):
            if res is None:
                ptr = c.pointer
            elif sec is None:
                ptr = c.pointer + "/resources"
            elif value is None:
                ptr = f"{c.pointer}/resources/{section}"
            else:
                ptr = f"{c.pointer}/resources/{section}/{resource}"
            yield Violation(f"container {c.name!r} has no {resource} {what}", ptr, c.name)
        elif isinstance(value, dict | list):
            yield Violation(
                f"container {c.name!r}: resources.{section}.{resource} is not a quantity",
                c.ptr("resources", section, resource),
                c.name,
                evidence=type(value).__name__,
            )


def _remediation(section: str, resource: str, value: str) -> str:
    return f"""
spec:
  containers:
  - name: app
    resources:
      {section}:
        {resource}: {value}
"""


@rule(
    id="SW-K8S-012",
    title="Container has no CPU request",
    severity="low",
    category="workload",
    description="""Without a CPU request the scheduler places the pod as if it needed no CPU and
    the container gets the lowest share under contention.""",
    remediation=_remediation("requests", "cpu", '"100m"'),
    risk=_RISK,
    countermeasure=_CM,
    target="pod",
    tools={
        "checkov": "CKV_K8S_10",
        "kubescape": "C-0268",
        "kube-linter": "unset-cpu-requirements",
        "trivy": "KSV-0015",
        "polaris": "cpuRequestsMissing",
        "kubesec": "RequestsCPU",
        "kube-score": "container-resources",
    },
)
def cpu_request(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    return _missing(view, "requests", "cpu")


@rule(
    id="SW-K8S-013",
    title="Container has no CPU limit",
    severity="medium",
    category="workload",
    description="""Without a CPU limit a compromised or runaway container can take every core of
    its node (crypto-mining, denial of service to co-located workloads).""",
    remediation=_remediation("limits", "cpu", '"500m"'),
    risk=_RISK,
    countermeasure=_CM,
    target="pod",
    tools={
        "checkov": "CKV_K8S_11",
        "kubescape": "C-0270",
        "kube-linter": "unset-cpu-requirements",
        "trivy": "KSV-0011",
        "polaris": "cpuLimitsMissing",
        "kubesec": "LimitsCPU",
        "kube-score": "container-resources",
    },
    tags=["posture:limits"],
)
def cpu_limit(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    return _missing(view, "limits", "cpu")


@rule(
    id="SW-K8S-014",
    title="Container has no memory request",
    severity="low",
    category="workload",
    description="""Without a memory request the pod is scheduled as if it needed no memory and is
    the first evicted under node memory pressure.""",
    remediation=_remediation("requests", "memory", '"128Mi"'),
    risk=_RISK,
    countermeasure=_CM,
    target="pod",
    tools={
        "checkov": "CKV_K8S_12",
        "kubescape": "C-0269",
        "kube-linter": "unset-memory-requirements",
        "trivy": "KSV-0016",
        "polaris": "memoryRequestsMissing",
        "kubesec": "RequestsMemory",
        "kube-score": "container-resources",
    },
)
def memory_request(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    return _missing(view, "requests", "memory")


@rule(
    id="SW-K8S-015",
    title="Container has no memory limit",
    severity="medium",
    category="workload",
    description="""Without a memory limit one container can exhaust its node's memory and get
    neighbouring pods OOM-killed.""",
    remediation=_remediation("limits", "memory", '"256Mi"'),
    risk=_RISK,
    countermeasure=_CM,
    target="pod",
    tools={
        "checkov": "CKV_K8S_13",
        "kubescape": "C-0271",
        "kube-linter": "unset-memory-requirements",
        "trivy": "KSV-0018",
        "polaris": "memoryLimitsMissing",
        "kubesec": "LimitsMemory",
        "kube-score": "container-resources",
    },
    tags=["posture:limits"],
)
def memory_limit(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    return _missing(view, "limits", "memory")
