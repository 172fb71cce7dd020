"""Workload shape: naked pods, kube-system placement, hostAliases, SSH ports, selectors, Job
TTLs, and known-dangerous software (Helm v2 Tiller, Kubernetes Dashboard, git-sync with a custom
git binary).

Why: these are not security-context fields, but each is a way an unvetted or over-exposed
workload reaches a cluster (NIST SP 800-190 3.4.5 rogue containers, 3.3.1 unbounded admin
access): a controller-less pod nobody recreates from a reviewed template, a pod in kube-system
that inherits its privileges, an in-cluster admin API with no authentication.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from seawall.inventory.k8s import ContainerView, PodSpecView, as_dict, as_int, as_list, as_str, dig
from seawall.rules.registry import Violation, rule
from seawall.rules.workload.hardening_common import ALL_CONTAINERS, image_of, setting_list


@rule(
    id="SW-K8S-060",
    title="Pod manages /etc/hosts with hostAliases",
    severity="low",
    category="workload",
    description="""hostAliases writes entries into the container's /etc/hosts, overriding DNS:
    a way to silently redirect a service name to another address that reviewers rarely see.""",
    remediation="""
spec:
  hostAliases: []     # remove; publish the name in DNS (a Service or ExternalName) instead
""",
    risk=["3.4.3", "3.3.3"],
    countermeasure=["4.4.3"],
    target="pod",
    tools={"trivy": "KSV-0007", "kubesec": "HostAliases"},
)
def host_aliases(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    aliases = as_list(view.spec.get("hostAliases"))
    if aliases:
        ips = ",".join(as_str(as_dict(a).get("ip")) for a in aliases if as_str(as_dict(a).get("ip")))
        yield Violation("pod sets hostAliases", view.ptr("hostAliases"), evidence=ips)


@rule(
    id="SW-K8S-061",
    title="Naked Pod without a controller",
    severity="low",
    category="workload",
    description="""A Pod created directly (no ownerReferences) is not recreated after a node
    failure and is not rolled forward from a reviewed template; use a Deployment, StatefulSet,
    DaemonSet or Job.""",
    remediation="""
apiVersion: apps/v1
kind: Deployment          # wrap the Pod spec in a controller
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec: {}              # the former Pod spec
""",
    risk=["3.4.5"],
    countermeasure=["4.4.5"],
    target="pod",
    tools={"kubescape": "C-0073"},
)
def naked_pod(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if view.owner.kind == "Pod" and not as_list(view.owner.metadata.get("ownerReferences")):
        yield Violation("Pod is not managed by a controller", view.owner.pointer)


#: Namespaces reserved for the control plane and cluster add-ons.
SYSTEM_NAMESPACES: tuple[str, ...] = ("kube-system", "kube-public", "kube-node-lease")


@rule(
    id="SW-K8S-062",
    title="User workload in a system namespace",
    severity="medium",
    category="workload",
    description="""The workload runs in kube-system (or kube-public/kube-node-lease). Pods there
    share namespace with control-plane components and their highly privileged service
    accounts and secrets; Pod Security admission is usually exempt there. Setting `allowed`
    lists workload names that belong there (CNI, DNS, ...).""",
    remediation="""
metadata:
  namespace: app-team     # a namespace of its own, with pod-security.kubernetes.io/enforce
""",
    risk=["3.3.1", "3.4.5"],
    countermeasure=["4.3.1", "4.4.5"],
    target="pod",
    tools={"trivy": "KSV-0037"},
)
def system_namespace(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    ns = view.owner.namespace
    if ns not in SYSTEM_NAMESPACES:
        return
    if view.owner.name in setting_list(ctx, "SW-K8S-062", "allowed", ()):
        return
    yield Violation(
        f"{view.owner.kind} runs in system namespace {ns}",
        view.owner.pointer + "/metadata/namespace",
        evidence=ns,
    )


@rule(
    id="SW-K8S-063",
    title="Container exposes the SSH port",
    severity="medium",
    category="workload",
    description="""A container declares port 22. Containers should be managed through the
    orchestrator, never through a remote shell (NIST SP 800-190 4.1.2); an SSH daemon is an
    unaudited way in.""",
    remediation="""
spec:
  containers:
  - name: app
    ports: []        # remove containerPort: 22 and the SSH daemon; use kubectl exec/debug
""",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target="pod",
    tools={"kubescape": "C-0042", "kube-linter": "ssh-port"},
)
def ssh_port(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        for i, p in enumerate(as_list(c.data.get("ports"))):
            proto = as_str(dig(p, "protocol")) or "TCP"
            if as_int(dig(p, "containerPort")) == 22 and proto.upper() == "TCP":
                yield Violation(f"container {c.name!r} exposes port 22 (SSH)", c.ptr("ports", i, "containerPort"),
                                c.name, evidence="22")


_SELECTOR_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                   "DeploymentConfig", "Rollout")


def _expr_ok(expr: dict[str, Any], labels: dict[str, Any]) -> bool:
    key = as_str(expr.get("key"))
    op = as_str(expr.get("operator"))
    values = {as_str(v) for v in as_list(expr.get("values"))}
    present = key in labels
    value = as_str(labels.get(key))
    if op == "In":
        return present and value in values
    if op == "NotIn":
        return not present or value not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    return True  # unknown operator: the API server rejects it; not this rule's concern


@rule(
    id="SW-K8S-064",
    title="Selector does not match the pod template labels",
    severity="medium",
    category="workload",
    description="""The controller's selector does not match its own pod template's labels
    (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob job
    template, Rollout, DeploymentConfig). The API server rejects it for apps/v1 kinds; older
    kinds and CRDs accept it and then adopt or orphan the wrong pods.""",
    remediation="""
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: app}
  template:
    metadata:
      labels: {app.kubernetes.io/name: app}    # must contain every selector label
""",
    risk=["3.4.5"],
    countermeasure=["4.4.5"],
    target="pod",
    tools={"kubescape": "C-0296", "kube-linter": "mismatching-selector",
           "kube-score": ["deployment-pod-selector-labels-match-template-metadata-labels",
                          "statefulset-pod-selector-labels-match-template-metadata-labels"]},
)
def selector_mismatch(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    owner = view.owner
    if owner.kind in _SELECTOR_KINDS or owner.kind == "Job":
        sel, base = owner.spec.get("selector"), owner.pointer + "/spec/selector"
    elif owner.kind == "CronJob":
        sel = dig(owner.data, "spec", "jobTemplate", "spec", "selector")
        base = owner.pointer + "/spec/jobTemplate/spec/selector"
    else:
        return
    if not isinstance(sel, dict) or not sel:
        return
    labels = view.labels
    plain = owner.kind in ("ReplicationController", "DeploymentConfig") or (
        "matchLabels" not in sel and "matchExpressions" not in sel
    )
    match_labels = sel if plain else as_dict(sel.get("matchLabels"))
    mpath = base if plain else base + "/matchLabels"
    for k, v in match_labels.items():
        if as_str(labels.get(k)) != as_str(v) or k not in labels:
            yield Violation(
                f"selector {k}={as_str(v)} does not match the pod template labels",
                f"{mpath}/{str(k).replace('~', '~0').replace('/', '~1')}",
                evidence=f"{k}={as_str(v)}",
            )
    if not plain:
        for i, expr in enumerate(as_list(sel.get("matchExpressions"))):
            if isinstance(expr, dict) and not _expr_ok(expr, labels):
                yield Violation(
                    f"selector expression on {as_str(expr.get('key'))!r} does not match the pod template labels",
                    f"{base}/matchExpressions/{i}",
                )


@rule(
    id="SW-K8S-065",
    title="Job TTL after finish misconfigured",
    severity="low",
    category="workload",
    description="""A standalone Job without ttlSecondsAfterFinished leaves its finished pods
    (and their logs and mounted secrets) around forever; a CronJob's jobs are cleaned by the
    CronJob's history limits, so setting a TTL there fights them.""",
    remediation="""
kind: Job
spec:
  ttlSecondsAfterFinished: 3600
# CronJob: remove spec.jobTemplate.spec.ttlSecondsAfterFinished, use successfulJobsHistoryLimit
""",
    risk=["3.4.3"],
    countermeasure=["4.4.3"],
    target="pod",
    tools={"kube-linter": "job-ttl-seconds-after-finished"},
)
def job_ttl(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    owner = view.owner
    if owner.kind == "Job":
        if as_list(owner.metadata.get("ownerReferences")):
            return
        if owner.spec.get("ttlSecondsAfterFinished") is None:
            yield Violation("standalone Job does not set ttlSecondsAfterFinished", owner.pointer + "/spec")
    elif owner.kind == "CronJob":
        ttl = dig(owner.data, "spec", "jobTemplate", "spec", "ttlSecondsAfterFinished")
        if ttl is not None:
            yield Violation(
                "CronJob jobTemplate sets ttlSecondsAfterFinished (history limits already clean up)",
                owner.pointer + "/spec/jobTemplate/spec/ttlSecondsAfterFinished",
                evidence=str(ttl),
            )


def _has_label(view: PodSpecView, keys: tuple[str, ...], value: str) -> bool:
    for labels in (view.owner.labels, view.labels):
        if labels:
            for k in keys:
                v = labels.get(k)
                if v is not None and as_str(v) == value:
                    return True
    return False


def _image_name(c: ContainerView) -> str:
    """The last path component of the container's image repository, lower-cased (once per
    container: three rules ask)."""
    name: str | None = c.cache.get("image_name")
    if name is None:
        name = c.cache["image_name"] = image_of(c)[0].repository.rsplit("/", 1)[-1].lower()
    return name


@rule(
    id="SW-K8S-066",
    title="Helm v2 Tiller deployed",
    severity="high",
    category="access",
    description="""Tiller (Helm v2, end of life since 2020) runs with cluster-admin-like rights and
    by default serves an unauthenticated gRPC API to every pod in the cluster.""",
    remediation="""
# remove the tiller-deploy Deployment/Service (`helm2 reset`), migrate releases with helm-2to3,
# and use Helm 3, which has no in-cluster component
""",
    risk=["3.3.1", "3.4.5"],
    countermeasure=["4.3.1", "4.4.5"],
    target="pod",
    tools={"checkov": "CKV_K8S_34", "trivy": "KSV-0102"},
)
def tiller(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        if _image_name(c) == "tiller":
            yield Violation(f"container {c.name!r} runs Tiller ({c.image})", c.ptr("image"), c.name, evidence=c.image)
            return
    if _has_label(view, ("app",), "helm") and _has_label(view, ("name",), "tiller"):
        yield Violation("workload is labelled as Tiller (app=helm, name=tiller)", view.owner.pointer + "/metadata")


_LISTEN_RE = re.compile(r"^--listen=(.*)$")


@rule(
    id="SW-K8S-067",
    title="Tiller listens on all interfaces",
    severity="critical",
    category="access",
    description="""Tiller's gRPC port is reachable from other pods (no `--listen=localhost:...`),
    so any pod in the cluster can install charts with Tiller's cluster-wide rights.""",
    remediation="""
spec:
  containers:
  - name: tiller
    args: ["--listen=localhost:44134"]
""",
    risk=["3.3.1", "3.4.2"],
    countermeasure=["4.3.1"],
    target="pod",
    tools={"checkov": "CKV_K8S_45"},
)
def tiller_listener(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        if _image_name(c) != "tiller":
            continue
        listen = ""
        where = c.pointer
        for field in ("command", "args"):
            for i, a in enumerate(as_list(c.data.get(field))):
                m = _LISTEN_RE.match(as_str(a))
                if m:
                    listen, where = m.group(1), c.ptr(field, i)
        host = listen.rpartition(":")[0] if ":" in listen else listen
        if host.strip("[]") in ("localhost", "127.0.0.1", "::1"):
            continue
        yield Violation(
            f"Tiller container {c.name!r} listens on {listen or 'all interfaces (default :44134)'}",
            where,
            c.name,
            evidence=listen,
        )


@rule(
    id="SW-K8S-068",
    title="Kubernetes Dashboard deployed",
    severity="medium",
    category="access",
    description="""The Kubernetes Dashboard is an in-cluster admin UI (found by image, by its
    labels, or by a workload running as its `kubernetes-dashboard` service account, which
    inherits its rights); exposed or bound to broad rights it has been the entry point of real
    cluster compromises (Tesla 2018).""",
    remediation="""
# remove the kubernetes-dashboard workload; use kubectl/headlamp from an admin workstation,
# or keep it ClusterIP-only with a read-only ServiceAccount and an authenticating proxy
""",
    risk=["3.3.1", "3.3.2"],
    countermeasure=["4.3.1", "4.3.2"],
    target="pod",
    tools={"checkov": "CKV_K8S_33", "kubescape": "C-0014"},
)
def dashboard(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        repo = image_of(c)[0].repository.lower()
        if repo.endswith("kubernetes-dashboard") or repo in ("kubernetesui/dashboard", "kubernetesui/dashboard-api",
                                                              "kubernetesui/dashboard-web"):
            yield Violation(f"container {c.name!r} runs the Kubernetes Dashboard ({c.image})", c.ptr("image"), c.name,
                            evidence=c.image)
            return
    sa = as_str(view.spec.get("serviceAccountName")) or as_str(view.spec.get("serviceAccount"))
    if sa == "kubernetes-dashboard":
        yield Violation("workload runs as the Kubernetes Dashboard's service account",
                        view.ptr("serviceAccountName" if view.spec.get("serviceAccountName") else "serviceAccount"),
                        evidence=sa)
        return
    if _has_label(view, ("app", "k8s-app", "app.kubernetes.io/name"), "kubernetes-dashboard"):
        yield Violation("workload is labelled as the Kubernetes Dashboard", view.owner.pointer + "/metadata/labels"
                        if view.owner.labels else view.meta_ptr("labels"))


_GITSYNC_ENV = ("GITSYNC_GIT", "GIT_SYNC_GIT")


@rule(
    id="SW-K8S-069",
    title="git-sync runs a custom git binary",
    severity="high",
    category="workload",
    description="""A git-sync container sets GITSYNC_GIT / --git, which makes it execute an
    arbitrary binary path (often on a shared volume another container can write): code
    execution with git-sync's credentials.""",
    remediation="""
spec:
  containers:
  - name: git-sync
    env: []          # remove GITSYNC_GIT / GIT_SYNC_GIT and any --git= argument
""",
    risk=["3.4.3", "3.1.5"],
    countermeasure=["4.4.3"],
    target="pod",
    tools={"checkov": "CKV_K8S_159"},
)
def git_sync(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        if "git-sync" not in _image_name(c):
            continue
        for i, e in enumerate(as_list(c.data.get("env"))):
            name = as_str(as_dict(e).get("name"))
            if name in _GITSYNC_ENV:
                yield Violation(f"git-sync container {c.name!r} sets {name}", c.ptr("env", i), c.name,
                                evidence=name)
        for field in ("command", "args"):
            for i, a in enumerate(as_list(c.data.get(field))):
                if as_str(a).startswith(("--git=", "-git=")):
                    yield Violation(f"git-sync container {c.name!r} passes {as_str(a).split('=')[0]}",
                                    c.ptr(field, i), c.name, evidence=as_str(a).split("=")[0])


_SUDO_RE = re.compile(r"(^|[\s;&|/])sudo(\s|$)")


@rule(
    id="SW-K8S-070",
    title="Container entrypoint uses sudo",
    severity="medium",
    category="workload",
    description="""The container's command or args call sudo: the image ships a setuid helper and
    a sudoers policy, so the process can become root inside the container whenever it likes —
    the opposite of running as a fixed unprivileged user.""",
    remediation="""
spec:
  containers:
  - name: app
    command: ["/app/server"]          # no sudo; do privileged setup in the image build
    securityContext:
      allowPrivilegeEscalation: false  # also neuters setuid binaries such as sudo
""",
    risk=["3.1.2", "3.4.3"],
    countermeasure=["4.1.2", "4.4.3"],
    target="pod",
    tools={"kubescape": "C-0062"},
)
def sudo_entrypoint(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        for field in ("command", "args"):
            for i, a in enumerate(as_list(c.data.get(field))):
                if _SUDO_RE.search(as_str(a)):
                    yield Violation(f"container {c.name!r} runs sudo in its {field}", c.ptr(field, i), c.name,
                                    evidence=as_str(a)[:80])
                    break


@rule(
    id="SW-K8S-071",
    title="Containers share one process namespace",
    severity="medium",
    category="workload",
    description="""shareProcessNamespace: true lets every container in the pod see and signal the
    others' processes and read their environment and root filesystems through /proc/<pid>/root
    — a sidecar compromise becomes an application compromise (and its secrets).""",
    remediation="""
spec:
  shareProcessNamespace: false   # or remove the field; use kubectl debug for troubleshooting
""",
    risk=["3.4.3", "3.1.4"],
    countermeasure=["4.4.3"],
    target="pod",
)
def shared_process_namespace(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if view.spec.get("shareProcessNamespace") is True:
        yield Violation("pod sets shareProcessNamespace: true", view.ptr("shareProcessNamespace"), evidence="true")
