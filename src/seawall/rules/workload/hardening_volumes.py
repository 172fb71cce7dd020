"""Volumes: container-runtime sockets, sensitive and writable hostPath mounts, Secret file modes.

Why: NIST SP 800-190 3.5.5 (host OS file system tampering) — a container with the runtime
socket can start a privileged container on the node; one with /etc, /var/lib/kubelet or /proc
writes the host's configuration or reads every pod's credentials. The PSS baseline check rejects
*any* hostPath; these rules rank which ones are dangerous, so a team that needs a hostPath (log
shippers, CSI drivers) still hears about the ones that hand over the node.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import Any

from seawall.inventory.k8s import ContainerView, PodSpecView, as_dict, as_int, as_list, as_str
from seawall.rules.registry import Violation, rule
from seawall.rules.workload.hardening_common import ALL_CONTAINERS, setting_int, setting_list

_SOCKET_RE = re.compile(
    r"(^|/)(docker|containerd|crio|cri-dockerd|dockershim|podman|cri-o|frakti|rktlet|kata-containers?)\.sock$"
)
#: Directories that hold a runtime socket; mounting them exposes the socket too.
_SOCKET_DIRS = frozenset(
    {"/var/run/docker", "/run/docker", "/var/run/containerd", "/run/containerd", "/var/run/crio",
     "/run/crio", "/var/run/podman", "/run/podman", "/var/run/cri-dockerd", "/run/cri-dockerd"}
)

#: Host paths that are sensitive exactly (mounting a *subdirectory* of them may be fine).
SENSITIVE_EXACT: tuple[str, ...] = (
    "/", "/etc", "/dev", "/lib", "/lib64", "/usr", "/bin", "/sbin", "/var", "/var/run", "/run",
    "/var/lib", "/var/log", "/opt",
)
#: Host paths whose whole subtree is sensitive (node credentials, kernel interfaces, runtime state).
SENSITIVE_TREES: tuple[str, ...] = (
    "/proc", "/sys", "/boot", "/root", "/home", "/var/lib/kubelet", "/var/lib/docker",
    "/var/lib/containerd", "/var/lib/etcd", "/var/lib/cni", "/etc/kubernetes", "/etc/ssh",
    "/etc/shadow", "/etc/sudoers", "/etc/cni", "/etc/containerd", "/etc/docker", "/etc/crio",
    "/var/lib/rancher", "/etc/rancher",
)


def _norm(path: str) -> str:
    p = path.strip()
    if not p.startswith("/"):
        return p
    n = posixpath.normpath(p)
    return "/" if n in ("//", "/.") else n.replace("//", "/")


def host_paths(view: PodSpecView) -> Iterator[tuple[int, str, str]]:
    """(volume index, volume name, normalised host path) for every hostPath volume."""
    for i, v in view.volumes:
        hp = as_dict(v.get("hostPath"))
        path = as_str(hp.get("path"))
        if path:
            yield i, as_str(v.get("name")), _norm(path)


def is_runtime_socket(path: str) -> bool:
    return bool(_SOCKET_RE.search(path)) or path in _SOCKET_DIRS


@rule(
    id="SW-K8S-050",
    title="Container runtime socket mounted",
    severity="critical",
    category="workload",
    description="""A hostPath volume exposes the Docker, containerd or CRI-O socket (or its
    directory). Whoever talks to it can start a privileged container on the node, read every
    container's filesystem and environment: it is root on the node.""",
    remediation="""
spec:
  volumes:
  - name: dockersock          # remove this volume and its volumeMounts;
    hostPath:                 # build images with an unprivileged builder (kaniko, buildah)
      path: /var/run/docker.sock
""",
    risk=["3.5.5", "3.4.1", "3.4.3"],
    countermeasure=["4.5.5", "4.4.3"],
    target="pod",
    tools={
        "checkov": "CKV_K8S_27",
        "kubescape": "C-0074",
        "kube-linter": "docker-sock",
        "trivy": "KSV-0006",
        "kubesec": "DockerSock",
    },
)
def runtime_socket(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for i, name, path in host_paths(view):
        if is_runtime_socket(path):
            yield Violation(
                f"volume {name!r} mounts the container runtime socket {path}",
                view.ptr("volumes", i, "hostPath", "path"),
                evidence=path,
            )


def _sensitive(path: str, extra: list[str]) -> bool:
    if path in SENSITIVE_EXACT or path in extra:
        return True
    return any(path == t or path.startswith(t + "/") for t in SENSITIVE_TREES)


@rule(
    id="SW-K8S-051",
    title="Sensitive host path mounted",
    severity="high",
    category="workload",
    description="""A hostPath volume mounts a sensitive host directory (/, /etc, /proc, /sys,
    /var/lib/kubelet, /root, /boot, /etc/kubernetes ...). Reading it exposes node credentials
    and other pods' secrets; writing it takes over the node. Setting `paths` adds more.""",
    remediation="""
spec:
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: app-data}   # instead of hostPath: {path: /etc}
""",
    risk=["3.5.5", "3.4.3"],
    countermeasure=["4.5.5"],
    target="pod",
    tools={"kube-linter": "sensitive-host-mounts", "trivy": "KSV-0121", "kubesec": "ProcMount"},
)
def sensitive_host_path(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    extra: list[str] | None = None
    for i, name, path in host_paths(view):
        if is_runtime_socket(path):
            continue  # SW-K8S-050 reports it
        if extra is None:  # the setting, only for a pod that mounts a host path
            extra = [_norm(p) for p in setting_list(ctx, "SW-K8S-051", "paths", ())]
        if _sensitive(path, extra):
            yield Violation(
                f"volume {name!r} mounts sensitive host path {path}",
                view.ptr("volumes", i, "hostPath", "path"),
                evidence=path,
            )


def _mounts(c: ContainerView) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, m in enumerate(as_list(c.data.get("volumeMounts"))):
        if isinstance(m, dict):
            yield i, m


@rule(
    id="SW-K8S-052",
    title="hostPath mounted writable",
    severity="medium",
    category="workload",
    description="""A container mounts a hostPath volume without readOnly: true, so it can change
    files on the node, which persist after the pod is gone and are seen by the node and other
    pods.""",
    remediation="""
spec:
  containers:
  - name: app
    volumeMounts:
    - name: host-logs
      mountPath: /host/logs
      readOnly: true
""",
    risk=["3.5.5"],
    countermeasure=["4.5.5"],
    target="pod",
    tools={"kubescape": "C-0045", "kube-linter": "writable-host-mount"},
)
def writable_host_path(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    hp = {name: path for _i, name, path in host_paths(view)}
    for c in view.containers(ALL_CONTAINERS):
        for i, m in _mounts(c):
            vol = as_str(m.get("name"))
            if vol in hp and m.get("readOnly") is not True:
                yield Violation(
                    f"container {c.name!r} mounts hostPath {hp[vol]} writable at {as_str(m.get('mountPath'))}",
                    c.ptr("volumeMounts", i),
                    c.name,
                    evidence=hp[vol],
                )


def _secret_modes(view: PodSpecView) -> Iterator[tuple[str, int, str]]:
    """(volume name, mode, pointer) for every file mode that applies to Secret content."""
    for i, v in view.volumes:
        vname = as_str(v.get("name"))
        sec = v.get("secret")
        if isinstance(sec, dict):
            mode = as_int(sec.get("defaultMode"))
            if mode is not None:
                yield vname, mode, view.ptr("volumes", i, "secret", "defaultMode")
            for j, item in enumerate(as_list(sec.get("items"))):
                m = as_int(as_dict(item).get("mode"))
                if m is not None:
                    yield vname, m, view.ptr("volumes", i, "secret", "items", j, "mode")
        proj = v.get("projected")
        if isinstance(proj, dict):
            sources = [(k, s) for k, s in enumerate(as_list(proj.get("sources"))) if isinstance(s, dict)]
            has_secret = any(isinstance(s.get("secret"), dict) for _k, s in sources)
            mode = as_int(proj.get("defaultMode"))
            if has_secret and mode is not None:
                yield vname, mode, view.ptr("volumes", i, "projected", "defaultMode")
            for k, s in sources:
                for j, item in enumerate(as_list(as_dict(s.get("secret")).get("items"))):
                    m = as_int(as_dict(item).get("mode"))
                    if m is not None:
                        yield vname, m, view.ptr("volumes", i, "projected", "sources", k, "secret", "items", j, "mode")


@rule(
    id="SW-K8S-053",
    title="Secret volume file mode too permissive",
    severity="medium",
    category="secret",
    description="""A Secret volume's defaultMode (or an item mode) grants more than 0644 —
    group/other write or execute — so other users and processes in the pod can change or run
    the credential files. Setting `max_mode` (an integer, e.g. 0o600 = 384) tightens it.""",
    remediation="""
spec:
  volumes:
  - name: creds
    secret:
      secretName: app-creds
      defaultMode: 0400
""",
    risk=["3.1.4"],
    countermeasure=["4.1.4"],
    target="pod",
)
def secret_mode(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    max_mode: int | None = None
    for vname, mode, ptr in _secret_modes(view):
        if max_mode is None:  # the setting, only for a pod with Secret file modes
            max_mode = setting_int(ctx, "SW-K8S-053", "max_mode", 0o644)
        if mode & ~max_mode & 0o7777:
            yield Violation(
                f"Secret volume {vname!r} files get mode {mode:04o} (more than {max_mode:04o})",
                ptr,
                evidence=f"{mode:04o}",
            )


@rule(
    id="SW-K8S-054",
    title="emptyDir volume without a size bound",
    severity="low",
    category="workload",
    description="""An emptyDir has no sizeLimit and a container writing to it has no
    ephemeral-storage limit (memory limit for `medium: Memory`). A compromised or runaway
    process can fill the node's disk or RAM and get every pod on the node evicted.""",
    remediation="""
spec:
  volumes:
  - name: cache
    emptyDir:
      sizeLimit: 1Gi
  containers:
  - name: app
    resources:
      limits: {ephemeral-storage: 2Gi}
""",
    risk=["3.4.3", "3.3.4"],
    countermeasure=["4.4.3"],
    target="pod",
)
def unbounded_empty_dir(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    unbounded: dict[str, tuple[int, str]] = {}
    for i, v in view.volumes:
        ed = v.get("emptyDir")
        if "emptyDir" not in v or (ed is not None and not isinstance(ed, dict)):
            continue
        ed = as_dict(ed)
        if ed.get("sizeLimit") in (None, "", 0, "0"):
            medium = as_str(ed.get("medium"))
            unbounded[as_str(v.get("name"))] = (i, "memory" if medium == "Memory" else "ephemeral-storage")
    if not unbounded:
        return
    for c in view.containers(ALL_CONTAINERS):
        limits = as_dict(as_dict(c.data.get("resources")).get("limits"))
        for _j, m in _mounts(c):
            vol = as_str(m.get("name"))
            if vol in unbounded and m.get("readOnly") is not True:
                i, resource = unbounded[vol]
                if limits.get(resource) in (None, ""):
                    yield Violation(
                        f"container {c.name!r} writes to emptyDir {vol!r}, which has no sizeLimit, and has no"
                        f" {resource} limit",
                        view.ptr("volumes", i, "emptyDir"),
                        c.name,
                    )
