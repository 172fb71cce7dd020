"""Liveness and readiness probes.

Why in a security scanner: a workload without probes keeps serving after it hangs or is
half-compromised, and Services route to pods that are not ready. Every anchor tool ships these,
so users migrating expect them. Run-to-completion kinds (Job, CronJob) are skipped by default
(setting ``skip_kinds``), as checkov, polaris and kube-linter do; init containers cannot have
probes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from seawall.inventory.k8s import PodSpecView, as_dict, as_int, as_list, as_str
from seawall.rules.registry import Violation, rule
from seawall.rules.workload.hardening_common import JOB_KINDS, setting_list


def _probe_missing(view: PodSpecView, ctx: Any, rule_id: str, field: str) -> Iterable[Violation]:
    # the default (no setting) without building the list: this runs for every workload
    if ctx is None or ctx.setting(rule_id, "skip_kinds", None) is None:
        skip: Collection[str] = JOB_KINDS
    else:
        skip = set(setting_list(ctx, rule_id, "skip_kinds", sorted(JOB_KINDS)))
    if view.owner.kind in skip:
        return
    for c in view.containers(("containers",)):
        probe = c.data.get(field)
        if probe and isinstance(probe, dict):
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
    return _probe_missing(view, ctx, "SW-K8S-016", "livenessProbe")


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
    return _probe_missing(view, ctx, "SW-K8S-017", "readinessProbe")


_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def _probe_port(probe: dict[str, Any]) -> tuple[str, Any]:
    """(handler, port value) of a probe that targets a port; ('', None) otherwise."""
    for handler in ("httpGet", "tcpSocket", "grpc"):
        h = probe.get(handler)
        if isinstance(h, dict) and "port" in h:
            return handler, h.get("port")
    return "", None


@rule(
    id="SW-K8S-018",
    title="Probe targets a port the container does not expose",
    severity="low",
    category="workload",
    description="""A liveness/readiness/startup probe names a port the container does not
    declare (or a UDP port; probes are TCP), or a number the container's declared ports do not
    include. The probe then fails or checks the wrong listener, so restarts and traffic routing
    do not reflect the application's health.""",
    remediation="""
spec:
  containers:
  - name: app
    ports:
    - {name: http, containerPort: 8080, protocol: TCP}
    livenessProbe:
      httpGet: {path: /healthz, port: http}   # a declared TCP port
""",
    risk=["3.4.3"],
    countermeasure=["4.4.3"],
    target="pod",
    tools={"kube-linter": ["liveness-port", "readiness-port", "startup-port"]},
)
def probe_port(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(("containers",)):
        targets = []
        for field in _PROBES:
            probe = c.data.get(field)
            if isinstance(probe, dict):
                handler, port = _probe_port(probe)
                if handler:
                    targets.append((field, handler, port))
        if not targets:
            continue  # no probe names a port: the declared ports do not matter
        named: dict[str, str] = {}
        numbers: set[int] = set()
        for p in as_list(c.data.get("ports")):
            p = as_dict(p)
            proto = (as_str(p.get("protocol")) or "TCP").upper()
            n = as_int(p.get("containerPort"))
            if as_str(p.get("name")):
                named[as_str(p.get("name"))] = proto
            if n is not None and proto == "TCP":
                numbers.add(n)
        for field, handler, port in targets:
            where = c.ptr(field, handler, "port")
            if isinstance(port, str) and not port.isdigit():
                if port not in named:
                    yield Violation(f"container {c.name!r}: {field} uses port {port!r}, which is not declared",
                                    where, c.name, evidence=port)
                elif named[port] != "TCP":
                    yield Violation(f"container {c.name!r}: {field} uses {named[port]} port {port!r}; probes are TCP",
                                    where, c.name, evidence=port)
            else:
                n = as_int(port) if not isinstance(port, str) else int(port)
                if n is not None and numbers and n not in numbers:
                    yield Violation(f"container {c.name!r}: {field} uses port {n}, which no TCP containerPort declares",
                                    where, c.name, evidence=str(n))


def _handler(probe: dict[str, Any]) -> Any:
    return {k: probe.get(k) for k in ("exec", "httpGet", "tcpSocket", "grpc") if k in probe}


@rule(
    id="SW-K8S-019",
    title="Liveness and readiness probes are identical",
    severity="low",
    category="workload",
    description="""The liveness probe checks exactly what the readiness probe checks. A pod that
    is merely busy (not ready) is then also killed and restarted, which turns overload into an
    outage; liveness should test only "the process is wedged".""",
    remediation="""
spec:
  containers:
  - name: app
    readinessProbe:
      httpGet: {path: /ready, port: 8080}
    livenessProbe:
      httpGet: {path: /livez, port: 8080}   # a cheaper, different check
""",
    risk=["3.4.3"],
    countermeasure=["4.4.3"],
    target="pod",
    tools={"kube-score": "pod-probes-identical"},
)
def identical_probes(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(("containers",)):
        live = c.data.get("livenessProbe")
        if not live or not isinstance(live, dict):
            continue
        ready = as_dict(c.data.get("readinessProbe"))
        if ready and _handler(live) and _handler(live) == _handler(ready):
            yield Violation(f"container {c.name!r}: livenessProbe and readinessProbe are identical",
                            c.ptr("livenessProbe"), c.name)
