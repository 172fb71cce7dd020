"""Security-context hardening beyond the Pod Security Standards.

Why these exist next to the PSS checks: PSS says what a namespace *must* reject; the anchors
(checkov, kubesec, trivy, kube-linter, polaris) also flag what a hardened workload *should* set —
a read-only root filesystem, an explicit drop of every capability, a high UID, a seccomp profile
even where the namespace is only "baseline". These rules carry those peer ids so users can
migrate, and never repeat a PSS finding id (SW-PSS-*).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from seawall.inventory.k8s import ContainerView, PodSpecView, as_dict, as_int, as_list, as_str, dig
from seawall.rules.registry import Violation, rule
from seawall.rules.workload.hardening_common import (
    ALL_CONTAINERS,
    RUN_CONTAINERS,
    capabilities,
    effective,
    present_ptr,
    setting_int,
    setting_list,
)

RUNTIME = ["3.4.3"]
RUNTIME_CM = ["4.4.3"]


@rule(
    id="SW-K8S-001",
    title="Container root filesystem is writable",
    severity="medium",
    category="immutability",
    description="""The container can write to its image filesystem. An attacker who gets code
    execution can drop tools, change binaries or persist; a read-only root filesystem makes the
    running container match its scanned image (NIST SP 800-190 4.4.4).""",
    remediation="""
spec:
  containers:
  - name: app
    securityContext:
      readOnlyRootFilesystem: true
    volumeMounts:            # give the app an emptyDir for the paths it must write
    - {name: tmp, mountPath: /tmp}
  volumes:
  - {name: tmp, emptyDir: {}}
""",
    risk=["3.4.4", "3.4.3"],
    countermeasure=["4.4.4"],
    target="pod",
    tools={
        "checkov": "CKV_K8S_22",
        "kubescape": "C-0017",
        "kube-linter": "no-read-only-root-fs",
        "trivy": "KSV-0014",
        "polaris": "notReadOnlyRootFilesystem",
        "kubesec": "ReadOnlyRootFilesystem",
        "kube-score": "container-security-context-readonlyrootfilesystem",
    },
    tags=["posture:rootfs"],
)
def readonly_rootfs(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if view.is_windows:
        return  # Windows containers cannot mount the root filesystem read-only
    for c in view.containers(ALL_CONTAINERS):  # ephemeral (debug) containers write to the node too
        value = c.security_context.get("readOnlyRootFilesystem")
        if value is True:
            continue
        ptr = present_ptr(c.pointer, c.data, "securityContext", "readOnlyRootFilesystem")
        why = "is false" if value is False else "is not set"
        yield Violation(
            f"container {c.name!r}: securityContext.readOnlyRootFilesystem {why}",
            ptr,
            c.name,
            evidence=f"readOnlyRootFilesystem={value!r}" if value is not None else "",
        )


@rule(
    id="SW-K8S-002",
    title="Container has no securityContext",
    severity="low",
    category="workload",
    description="""The container sets no securityContext at all, so every hardening setting
    (capabilities, read-only root filesystem, privilege escalation, user) is the runtime
    default.""",
    remediation="""
spec:
  containers:
  - name: app
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      runAsNonRoot: true
      capabilities: {drop: [ALL]}
""",
    risk=RUNTIME,
    countermeasure=RUNTIME_CM,
    target="pod",
    tools={"checkov": "CKV_K8S_30", "kubescape": "C-0211", "trivy": "KSV-0118"},
    cis=["5.7.3"],
)
def container_security_context(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(RUN_CONTAINERS):
        if not as_dict(c.data.get("securityContext")):
            yield Violation(
                f"container {c.name!r} has no securityContext",
                present_ptr(c.pointer, c.data, "securityContext"),
                c.name,
            )


@rule(
    id="SW-K8S-003",
    title="Pod has no securityContext",
    severity="low",
    category="workload",
    description="""The pod spec sets no securityContext, so pod-wide defaults (runAsNonRoot,
    runAsUser, fsGroup, seccompProfile) are left to the runtime.""",
    remediation="""
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    fsGroup: 10001
    seccompProfile: {type: RuntimeDefault}
""",
    risk=RUNTIME,
    countermeasure=RUNTIME_CM,
    target="pod",
    tools={"checkov": "CKV_K8S_29", "kubescape": "C-0211", "trivy": "KSV-0118"},
    cis=["5.7.3"],
)
def pod_security_context(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if not view.spec_present:
        return
    if not view.security_context:
        yield Violation("pod spec has no securityContext", present_ptr(view.spec_pointer, view.spec, "securityContext"))


@rule(
    id="SW-K8S-004",
    title="Container does not drop ALL capabilities",
    severity="medium",
    category="workload",
    description="""The container keeps the runtime's default capability set (CHOWN, DAC_OVERRIDE,
    FOWNER, SETUID, NET_RAW, ...). Dropping ALL and adding back only what is needed removes most
    kernel attack surface a compromised process could use.""",
    remediation="""
spec:
  containers:
  - name: app
    securityContext:
      capabilities:
        drop: [ALL]
        add: [NET_BIND_SERVICE]   # only if the app really needs it
""",
    risk=["3.4.3", "3.5.2"],
    countermeasure=RUNTIME_CM,
    target="pod",
    tools={
        "checkov": "CKV_K8S_37",
        "kubescape": "C-0201",
        "trivy": "KSV-0003",
        "kubesec": "CapDropAll",
    },
    cis=["5.2.10"],
)
def drop_all(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if view.is_windows:
        return
    for c in view.containers(RUN_CONTAINERS):
        _add, drop = capabilities(c)
        if drop and any(name == "ALL" for _i, name in drop):
            continue
        yield Violation(
            f"container {c.name!r} does not drop ALL capabilities",
            present_ptr(c.pointer, c.data, "securityContext", "capabilities", "drop"),
            c.name,
            evidence="drop=" + ",".join(n for _i, n in drop) if drop else "",
        )


@rule(
    id="SW-K8S-005",
    title="Container does not drop NET_RAW",
    severity="medium",
    category="workload",
    description="""NET_RAW lets a process craft raw packets (ARP/DNS spoofing, ICMP tricks against
    other pods on the node). It is in the default capability set; drop it (or ALL).""",
    remediation="""
spec:
  containers:
  - name: app
    securityContext:
      capabilities:
        drop: [ALL]      # or at least NET_RAW
""",
    risk=["3.4.3", "3.3.3"],
    countermeasure=RUNTIME_CM,
    target="pod",
    tools={
        "checkov": "CKV_K8S_28",
        "kubescape": "C-0199",
        "kube-linter": "drop-net-raw-capability",
        "trivy": "KSV-0119",
    },
    cis=["5.2.8"],
)
def drop_net_raw(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if view.is_windows:
        return
    for c in view.containers(RUN_CONTAINERS):
        add, drop = capabilities(c)
        added = [i for i, n in add if n in ("NET_RAW", "ALL")] if add else []
        if added:
            yield Violation(
                f"container {c.name!r} adds NET_RAW",
                c.ptr("securityContext", "capabilities", "add", added[0]),
                c.name,
                evidence="add=" + ",".join(n for _i, n in add),
            )
            continue
        if drop and any(n in ("NET_RAW", "ALL") for _i, n in drop):
            continue
        yield Violation(
            f"container {c.name!r} does not drop NET_RAW",
            present_ptr(c.pointer, c.data, "securityContext", "capabilities", "drop"),
            c.name,
        )


#: Capabilities that amount to (near-)root on the node. SYS_ADMIN alone is enough for most
#: container escapes; the others open the kernel (modules, raw I/O, BPF) or other processes.
DANGEROUS_CAPS: tuple[str, ...] = (
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_PTRACE",
    "SYS_BOOT",
    "SYS_TIME",
    "NET_ADMIN",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "SYSLOG",
)


@rule(
    id="SW-K8S-006",
    title="Container adds a dangerous capability",
    severity="high",
    category="workload",
    description="""The container adds a capability that gives near-root power over the node
    (SYS_ADMIN, SYS_MODULE, SYS_PTRACE, NET_ADMIN, BPF, ALL...). Setting
    `capabilities` (list) replaces the list.""",
    remediation="""
spec:
  containers:
  - name: app
    securityContext:
      capabilities:
        drop: [ALL]
        add: []          # remove SYS_ADMIN / SYS_MODULE / NET_ADMIN ...
""",
    risk=["3.4.3", "3.5.2"],
    countermeasure=RUNTIME_CM,
    target="pod",
    tools={
        "checkov": "CKV_K8S_39",
        "kubescape": "C-0046",
        "trivy": ["KSV-0005", "KSV-0120"],
        "polaris": "dangerousCapabilities",
        "kubesec": "CapSysAdmin",
    },
)
def dangerous_caps(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    bad: set[str] | None = None
    for c in view.containers(ALL_CONTAINERS):
        add, _drop = capabilities(c)
        if not add:
            continue
        if bad is None:  # only for a workload that adds capabilities (rare)
            bad = {s.upper() for s in setting_list(ctx, "SW-K8S-006", "capabilities", DANGEROUS_CAPS)}
        for i, name in add:
            if name in bad:
                yield Violation(
                    f"container {c.name!r} adds capability {name}",
                    c.ptr("securityContext", "capabilities", "add", i),
                    c.name,
                    evidence=name,
                )


_SECCOMP_OK_TYPES = ("RuntimeDefault", "Localhost")
_SECCOMP_OK_ANNOTATIONS = ("runtime/default", "docker/default")


def _seccomp_ok(profile: Any) -> bool | None:
    """True/False for a set seccompProfile, None when unset."""
    t = as_str(profile.get("type")) if isinstance(profile, dict) else ""
    if not t:
        return None
    return t in _SECCOMP_OK_TYPES


def _annotation_ok(value: Any) -> bool | None:
    v = as_str(value)
    if not v:
        return None
    return v in _SECCOMP_OK_ANNOTATIONS or v.startswith("localhost/")


@rule(
    id="SW-K8S-007",
    title="No seccomp profile applied",
    severity="medium",
    category="workload",
    description="""Neither the pod nor the container selects a seccomp profile (RuntimeDefault or
    Localhost), so the container can call every system call the kernel offers. Unlike the PSS
    restricted check, this fires wherever a profile is missing, whatever the namespace level.""",
    remediation="""
spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault
""",
    risk=["3.4.3", "3.5.2"],
    countermeasure=RUNTIME_CM,
    target="pod",
    tools={
        "checkov": "CKV_K8S_31",
        "kubescape": "C-0210",
        "trivy": "KSV-0030",
        "kubesec": "SeccompAny",
        "kube-score": "container-seccomp-profile",
    },
    cis=["5.7.2"],
)
def seccomp_missing(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if view.is_windows:
        return
    pod_level = _seccomp_ok(view.security_context.get("seccompProfile"))
    ann = view.annotations
    pod_ann = _annotation_ok(ann.get("seccomp.security.alpha.kubernetes.io/pod"))
    for c in view.containers(RUN_CONTAINERS):
        own = _seccomp_ok(c.security_context.get("seccompProfile"))
        if own is None and ann:
            own = _annotation_ok(ann.get(f"container.seccomp.security.alpha.kubernetes.io/{c.name}"))
        if own is None:
            own = pod_level if pod_level is not None else pod_ann
        if own:
            continue
        ptr = present_ptr(c.pointer, c.data, "securityContext", "seccompProfile")
        yield Violation(f"container {c.name!r} runs without a seccomp profile", ptr, c.name)


def _id_rule(view: PodSpecView, ctx: Any, rule_id: str, key: str, label: str) -> Iterator[Violation]:
    if view.spec.get("hostUsers") is False:
        return  # user namespace: container IDs map to unprivileged host IDs, no collision
    minimum = setting_int(ctx, rule_id, "min", 10000)
    for c in view.containers(RUN_CONTAINERS):
        value, ptr = effective(view, c, key)
        n = as_int(value)
        if n is not None and n >= minimum:
            continue
        if n is None:
            yield Violation(
                f"container {c.name!r} does not set {key} (needs >= {minimum})",
                present_ptr(c.pointer, c.data, "securityContext", key),
                c.name,
            )
        else:
            yield Violation(
                f"container {c.name!r} runs with {label} {n} (< {minimum}), which may collide with host"
                " accounts",
                ptr,
                c.name,
                evidence=f"{key}={n}",
            )


@rule(
    id="SW-K8S-008",
    title="Container UID below 10000",
    severity="low",
    category="workload",
    description="""runAsUser is unset or below 10000. A low UID may coincide with a real account
    on the node; if the container escapes, it acts as that user. Pods with hostUsers: false
    (user namespaces) pass: their IDs are remapped. Setting `min` changes the threshold.""",
    remediation="""
spec:
  securityContext:
    runAsUser: 10001
""",
    risk=["3.4.3", "3.1.2"],
    countermeasure=["4.4.3", "4.1.2"],
    target="pod",
    tools={
        "checkov": "CKV_K8S_40",
        "trivy": "KSV-0020",
        "kubesec": "RunAsUser",
        "kube-score": "container-security-context-user-group-id",
    },
)
def high_uid(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if view.is_windows:
        return ()
    return _id_rule(view, ctx, "SW-K8S-008", "runAsUser", "UID")


@rule(
    id="SW-K8S-009",
    title="Container GID below 10000",
    severity="low",
    category="workload",
    description="""runAsGroup is unset or below 10000. A low GID may coincide with a real group on
    the node (disk, docker, adm...).""",
    remediation="""
spec:
  securityContext:
    runAsGroup: 10001
""",
    risk=["3.4.3"],
    countermeasure=["4.4.3"],
    target="pod",
    tools={
        "trivy": "KSV-0021",
        "kubesec": "RunAsGroup",
        "kube-score": "container-security-context-user-group-id",
    },
)
def high_gid(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if view.is_windows:
        return ()
    return _id_rule(view, ctx, "SW-K8S-009", "runAsGroup", "GID")


@rule(
    id="SW-K8S-010",
    title="Workload runs with the root group",
    severity="medium",
    category="workload",
    description="""runAsGroup, fsGroup or supplementalGroups is 0. Files owned by the root group
    on volumes and in the image become writable to the process even when the user is not
    root.""",
    remediation="""
spec:
  securityContext:
    runAsGroup: 10001
    fsGroup: 10001
    supplementalGroups: [10001]   # no 0
""",
    risk=["3.4.3"],
    countermeasure=["4.4.3"],
    target="pod",
    tools={"kube-linter": "run-as-non-root", "trivy": "KSV-0116"},
)
def root_group(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if view.is_windows:
        return
    psc = view.security_context
    if _is_zero(psc.get("runAsGroup")):
        yield Violation("pod securityContext.runAsGroup is 0", view.ptr("securityContext", "runAsGroup"))
    if _is_zero(psc.get("fsGroup")):
        yield Violation("pod securityContext.fsGroup is 0", view.ptr("securityContext", "fsGroup"))
    for i, g in enumerate(as_list(psc.get("supplementalGroups"))):
        if _is_zero(g):
            yield Violation(
                "pod securityContext.supplementalGroups contains 0",
                view.ptr("securityContext", "supplementalGroups", i),
            )
    for c in view.containers(ALL_CONTAINERS):
        if _is_zero(c.security_context.get("runAsGroup")):
            yield Violation(
                f"container {c.name!r}: securityContext.runAsGroup is 0",
                c.ptr("securityContext", "runAsGroup"),
                c.name,
            )


def _is_zero(value: Any) -> bool:
    """``as_int(value) == 0`` without the call for the usual unset (None) value."""
    return value is not None and as_int(value) == 0


@rule(
    id="SW-K8S-011",
    title="Container listens on a privileged port",
    severity="low",
    category="workload",
    description="""A containerPort below 1024 needs NET_BIND_SERVICE (or root) inside the
    container. Listen on a high port and map it in the Service instead.""",
    remediation="""
spec:
  containers:
  - name: app
    ports:
    - containerPort: 8080      # Service: port: 80, targetPort: 8080
""",
    risk=["3.4.3"],
    countermeasure=["4.4.3"],
    target="pod",
    tools={"kube-linter": "privileged-ports", "trivy": "KSV-0117"},
)
def privileged_ports(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(RUN_CONTAINERS):
        for i, p in enumerate(as_list(c.data.get("ports"))):
            port = as_int(dig(p, "containerPort"))
            if port is not None and 0 < port < 1024:
                yield Violation(
                    f"container {c.name!r} uses privileged port {port}",
                    c.ptr("ports", i, "containerPort"),
                    c.name,
                    evidence=str(port),
                )


def _profile_type(sc: dict[str, Any], key: str) -> str:
    """``sc[key].type`` as a string, "" when unset or not a map."""
    profile = sc.get(key)
    return as_str(profile.get("type")) if isinstance(profile, dict) else ""


def _apparmor_ok(view: PodSpecView, c: ContainerView, pod_type: str) -> bool:
    """``pod_type``: the pod-level AppArmor profile type (:func:`_profile_type`)."""
    t = _profile_type(c.security_context, "appArmorProfile") or pod_type
    if t:
        return t != "Unconfined"
    annotations = view.annotations
    if not annotations:
        return False
    ann = as_str(annotations.get(f"container.apparmor.security.beta.kubernetes.io/{c.name}"))
    return bool(ann) and ann != "unconfined"


def _hardening_present(view: PodSpecView, c: ContainerView, pod: tuple[str, str, bool]) -> bool:
    """``pod``: the pod-level seccomp and AppArmor profile types and whether the pod sets
    seLinuxOptions (the same for every container, computed once per pod)."""
    pod_seccomp, pod_apparmor, pod_selinux = pod
    seccomp = _profile_type(c.security_context, "seccompProfile") or pod_seccomp
    if seccomp and seccomp != "Unconfined":
        return True
    if _apparmor_ok(view, c, pod_apparmor):
        return True
    if as_dict(c.security_context.get("seLinuxOptions")) or pod_selinux:
        return True
    add, drop = capabilities(c)
    return bool(drop) and not any(n == "ALL" for _i, n in add)


@rule(
    id="SW-K8S-072",
    title="No Linux hardening mechanism applied",
    severity="medium",
    category="workload",
    description="""The container has none of the kernel hardening mechanisms: no seccomp profile
    (other than Unconfined), no AppArmor profile, no SELinux options and no dropped capability.
    Any one of them narrows what a compromised process can do to the shared kernel.""",
    remediation="""
spec:
  securityContext:
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    securityContext:
      capabilities: {drop: [ALL]}
""",
    risk=["3.4.3", "3.5.2"],
    countermeasure=RUNTIME_CM,
    target="pod",
    tools={"kubescape": "C-0055", "polaris": "linuxHardening"},
)
def linux_hardening(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if view.is_windows:
        return
    psc = view.security_context
    pod = (
        _profile_type(psc, "seccompProfile"),
        _profile_type(psc, "appArmorProfile"),
        bool(as_dict(psc.get("seLinuxOptions"))),
    )
    for c in view.containers(RUN_CONTAINERS):
        if not _hardening_present(view, c, pod):
            yield Violation(
                f"container {c.name!r} has no seccomp, AppArmor, SELinux or capability-drop hardening",
                present_ptr(c.pointer, c.data, "securityContext"),
                c.name,
            )
