"""Table-driven cases derived from pod-security-admission's own fixture generators.

Kubernetes tests PSA with ``staging/src/k8s.io/pod-security-admission/test/fixtures_<check>.go``:
for each check a generator mutates a *minimal valid pod* of the level into passing and failing
pods; baseline generators also run against the restricted minimal pod. The corpus directory the
issue names (``../shared/corpus/k8s/pod-security-admission/``) does not exist, so these are our
own Python equivalents of those generators at the newest policy version, plus the variants PSA's
table does not spell out (ephemeral containers, Windows pods, ``hostUsers: false``).

For every case we check both the single check (``evaluate_pss``) and PSA's verdict for the whole
level (``allowed``): a passing mutation must keep the pod admissible, a failing one must make the
named check fail and the pod inadmissible.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pss_testlib import pod, view_of

from seawall.rules.workload.pss import RULES, allowed, evaluate_document, evaluate_pss, failing_checks
from seawall.rules.workload.pss_checks import CHECKS, checks_for_level

Pod = dict[str, Any]
Mut = Callable[[Pod], None]

# -- the minimal valid pods of fixtures.go -------------------------------------------------------

BASELINE_SPEC: dict[str, Any] = {
    "initContainers": [{"name": "initcontainer1", "image": "k8s.gcr.io/pause"}],
    "containers": [{"name": "container1", "image": "k8s.gcr.io/pause"}],
}
RESTRICTED_SPEC: dict[str, Any] = {
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    "initContainers": [
        {
            "name": "initcontainer1",
            "image": "k8s.gcr.io/pause",
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        }
    ],
    "containers": [
        {
            "name": "container1",
            "image": "k8s.gcr.io/pause",
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        }
    ],
}
BASES = {"baseline": BASELINE_SPEC, "restricted": RESTRICTED_SPEC}
EPHEMERAL_OK = {
    "name": "debugger",
    "image": "busybox",
    "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
}


# -- mutation helpers ------------------------------------------------------------------------------


def spec(p: Pod) -> dict[str, Any]:
    s: dict[str, Any] = p["spec"]
    return s


def psc(p: Pod) -> dict[str, Any]:
    out: dict[str, Any] = spec(p).setdefault("securityContext", {})
    return out


def ctr(p: Pod, kind: str = "containers", i: int = 0) -> dict[str, Any]:
    if kind == "ephemeralContainers" and not spec(p).get(kind):
        spec(p)[kind] = [copy.deepcopy(EPHEMERAL_OK)]
    c: dict[str, Any] = spec(p)[kind][i]
    return c


def csc(p: Pod, kind: str = "containers", i: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = ctr(p, kind, i).setdefault("securityContext", {})
    return out


def caps(p: Pod, kind: str = "containers") -> dict[str, Any]:
    out: dict[str, Any] = csc(p, kind).setdefault("capabilities", {})
    return out


def annotate(p: Pod, key: str, value: str) -> None:
    p["metadata"].setdefault("annotations", {})[key] = value


def seq(*fns: Mut) -> Mut:
    def run(p: Pod) -> None:
        for fn in fns:
            fn(p)

    return run


def setk(getter: Callable[[Pod], dict[str, Any]], key: str, value: Any) -> Mut:
    def run(p: Pod) -> None:
        if value is None:
            getter(p).pop(key, None)
        else:
            getter(p)[key] = copy.deepcopy(value)

    return run


def on(kind: str, key: str, value: Any) -> Mut:
    """Set ``securityContext.<key>`` of the first container of ``kind``."""
    return setk(lambda p: csc(p, kind), key, value)


def on_pod(key: str, value: Any) -> Mut:
    return setk(psc, key, value)


def host_users(value: bool) -> Mut:
    return setk(spec, "hostUsers", value)


def windows(p: Pod) -> None:
    spec(p)["os"] = {"name": "windows"}


AAP = "container.apparmor.security.beta.kubernetes.io/"
INIT, CTR, EPH = "initContainers", "containers", "ephemeralContainers"
ALL_CAPS_BY_NAME = [
    "SYS_TIME", "SYS_MODULE", "SYS_RAWIO", "SYS_PACCT", "SYS_ADMIN", "SYS_NICE", "SYS_RESOURCE",
    "SYS_TTY_CONFIG", "MKNOD", "AUDIT_WRITE", "AUDIT_CONTROL", "MAC_OVERRIDE", "MAC_ADMIN",
    "NET_ADMIN", "SYSLOG", "CHOWN", "NET_RAW", "DAC_OVERRIDE", "FOWNER", "DAC_READ_SEARCH",
    "FSETID", "KILL", "SETGID", "SETUID", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
    "IPC_LOCK", "IPC_OWNER", "SYS_CHROOT", "SYS_PTRACE", "SYS_BOOT", "LEASE", "SETFCAP",
    "WAKE_ALARM", "BLOCK_SUSPEND",
]  # fmt: skip
BASELINE_CAPS = [
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]  # fmt: skip
SAFE_SYSCTLS = [
    ("kernel.shm_rmid_forced", "0"),
    ("net.ipv4.ip_local_port_range", "1024 65535"),
    ("net.ipv4.tcp_syncookies", "0"),
    ("net.ipv4.ping_group_range", "1 0"),
    ("net.ipv4.ip_unprivileged_port_start", "1024"),
    ("net.ipv4.ip_local_reserved_ports", "1024-4999"),
    ("net.ipv4.tcp_keepalive_time", "7200"),
    ("net.ipv4.tcp_fin_timeout", "60"),
    ("net.ipv4.tcp_keepalive_intvl", "75"),
    ("net.ipv4.tcp_keepalive_probes", "9"),
    ("net.ipv4.tcp_rmem", "4096 87380 16777216"),
    ("net.ipv4.tcp_wmem", "4096 65536 16777216"),
    ("net.ipv4.tcp_slow_start_after_idle", "0"),
    ("net.ipv4.tcp_notsent_lowat", "16384"),
]
# Every in-tree volume source PSA's restricted fixture rejects, with a minimal body.
RESTRICTED_VOLUMES: dict[str, dict[str, Any]] = {
    "gcePersistentDisk": {"pdName": "test"},
    "awsElasticBlockStore": {"volumeID": "test"},
    "gitRepo": {"repository": "github.com/kubernetes/kubernetes"},
    "nfs": {"server": "test", "path": "/test"},
    "iscsi": {"targetPortal": "test", "iqn": "iqn.2001-04.com.example:storage.kube.sys1.xyz", "lun": 0},
    "glusterfs": {"path": "test", "endpoints": "test"},
    "rbd": {"monitors": ["test"], "image": "test"},
    "flexVolume": {"driver": "test"},
    "cinder": {"volumeID": "test"},
    "cephfs": {"monitors": ["test"]},
    "flocker": {"datasetName": "test"},
    "fc": {"wwids": ["test"]},
    "azureFile": {"secretName": "test", "shareName": "test"},
    "vsphereVolume": {"volumePath": "test"},
    "quobyte": {"registry": "localhost:1234", "volume": "test"},
    "azureDisk": {"diskName": "test", "diskURI": "https://test.blob.core.windows.net/test/test.vhd"},
    "portworxVolume": {"volumeID": "test", "fsType": "ext4"},
    "scaleIO": {"volumeName": "test", "gateway": "localhost", "system": "test"},
    "storageos": {"volumeName": "test"},
    "photonPersistentDisk": {"pdID": "test"},
    "hostPath": {"path": "/dev/null"},
}
ALLOWED_VOLUMES: list[dict[str, Any]] = [
    {"name": "volume0"},  # no source: the API server defaults it to emptyDir
    {"name": "volume1", "emptyDir": {}},
    {"name": "volume2", "secret": {"secretName": "test"}},
    {"name": "volume3", "persistentVolumeClaim": {"claimName": "test"}},
    {"name": "volume4", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
    {"name": "volume5", "configMap": {"name": "test"}},
    {"name": "volume6", "projected": {"sources": []}},
    {"name": "volume7", "csi": {"driver": "inline.storage.kubernetes.io", "volumeAttributes": {"foo": "bar"}}},
    {"name": "volume8", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}},
    {"name": "volume9", "image": {"reference": "registry.example/data:1", "pullPolicy": "IfNotPresent"}},
]


def probe(handler: str, **fields: Any) -> dict[str, Any]:
    return {handler: dict(fields)}


@dataclass(frozen=True)
class Case:
    check: str
    expect: str  # "pass" | "fail"
    desc: str
    mutate: Mut
    levels: tuple[str, ...] = ("baseline", "restricted")


B = ("baseline", "restricted")
R = ("restricted",)
BO = ("baseline",)

CASES: list[Case] = [
    # hostNamespaces
    Case(
        "hostNamespaces",
        "pass",
        "all false",
        seq(setk(spec, "hostNetwork", False), setk(spec, "hostPID", False), setk(spec, "hostIPC", False)),
    ),
    Case("hostNamespaces", "fail", "hostNetwork", setk(spec, "hostNetwork", True)),
    Case("hostNamespaces", "fail", "hostPID", setk(spec, "hostPID", True)),
    Case("hostNamespaces", "fail", "hostIPC", setk(spec, "hostIPC", True)),
    # privileged
    Case("privileged", "pass", "privileged false", seq(on(CTR, "privileged", False), on(INIT, "privileged", False))),
    Case("privileged", "fail", "container", on(CTR, "privileged", True)),
    Case("privileged", "fail", "init container", on(INIT, "privileged", True)),
    Case("privileged", "fail", "ephemeral container", on(EPH, "privileged", True)),
    # capabilities_baseline
    Case(
        "capabilities_baseline",
        "pass",
        "all allowed capabilities",
        seq(setk(lambda p: caps(p, CTR), "add", BASELINE_CAPS), setk(lambda p: caps(p, INIT), "add", BASELINE_CAPS)),
        BO,
    ),
    Case("capabilities_baseline", "fail", "NET_RAW", setk(lambda p: caps(p, CTR), "add", ["NET_RAW"])),
    Case("capabilities_baseline", "fail", "NET_RAW on init", setk(lambda p: caps(p, INIT), "add", ["NET_RAW"])),
    Case("capabilities_baseline", "fail", "NET_RAW on ephemeral", setk(lambda p: caps(p, EPH), "add", ["NET_RAW"])),
    Case("capabilities_baseline", "fail", "case difference", setk(lambda p: caps(p, CTR), "add", ["chown"])),
    Case("capabilities_baseline", "fail", "CAP_ prefix", setk(lambda p: caps(p, CTR), "add", ["CAP_CHOWN"])),
    Case("capabilities_baseline", "fail", "SYS_ADMIN", setk(lambda p: caps(p, CTR), "add", ["SYS_ADMIN"])),
    # hostPathVolumes
    Case("hostPathVolumes", "pass", "emptyDir", setk(spec, "volumes", [{"name": "a", "emptyDir": {}}])),
    Case("hostPathVolumes", "pass", "hostPath null", setk(spec, "volumes", [{"name": "a", "hostPath": None}]), BO),
    Case("hostPathVolumes", "fail", "hostPath", setk(spec, "volumes", [{"name": "a", "hostPath": {"path": "/a"}}])),
    # hostPorts
    Case(
        "hostPorts",
        "pass",
        "no host ports",
        seq(
            setk(lambda p: ctr(p, CTR), "ports", [{"containerPort": 12345}]),
            setk(lambda p: ctr(p, INIT), "ports", [{"containerPort": 12346}]),
        ),
    ),
    Case(
        "hostPorts", "pass", "hostPort 0", setk(lambda p: ctr(p, CTR), "ports", [{"containerPort": 80, "hostPort": 0}])
    ),
    Case(
        "hostPorts",
        "fail",
        "container",
        setk(lambda p: ctr(p, CTR), "ports", [{"containerPort": 12345, "hostPort": 12345}]),
    ),
    Case(
        "hostPorts",
        "fail",
        "init container",
        setk(lambda p: ctr(p, INIT), "ports", [{"containerPort": 12346, "hostPort": 12346}]),
    ),
    Case(
        "hostPorts",
        "fail",
        "mixed",
        seq(
            setk(
                lambda p: ctr(p, CTR), "ports", [{"containerPort": 12345, "hostPort": 12345}, {"containerPort": 12347}]
            ),
            setk(
                lambda p: ctr(p, INIT), "ports", [{"containerPort": 12346, "hostPort": 12346}, {"containerPort": 12348}]
            ),
        ),
    ),
    Case(
        "hostPorts",
        "fail",
        "ephemeral container",
        setk(lambda p: ctr(p, EPH), "ports", [{"containerPort": 1, "hostPort": 1}]),
    ),
    # appArmorProfile
    Case(
        "appArmorProfile",
        "pass",
        "runtime/default and localhost/foo annotations",
        seq(
            lambda p: annotate(p, AAP + "container1", "runtime/default"),
            lambda p: annotate(p, AAP + "initcontainer1", "localhost/foo"),
        ),
    ),
    Case(
        "appArmorProfile",
        "pass",
        "empty annotation and localhost/ prefix",
        seq(lambda p: annotate(p, AAP + "a", ""), lambda p: annotate(p, AAP + "c", "localhost/")),
    ),
    Case(
        "appArmorProfile",
        "pass",
        "fields RuntimeDefault / Localhost",
        seq(
            on_pod("appArmorProfile", {"type": "RuntimeDefault"}),
            on(CTR, "appArmorProfile", {"type": "Localhost", "localhostProfile": "p"}),
            on(INIT, "appArmorProfile", {"type": "RuntimeDefault"}),
        ),
    ),
    Case("appArmorProfile", "fail", "unconfined annotation", lambda p: annotate(p, AAP + "container1", "unconfined")),
    Case(
        "appArmorProfile",
        "fail",
        "unconfined annotation for init",
        lambda p: annotate(p, AAP + "initcontainer1", "unconfined"),
    ),
    Case("appArmorProfile", "fail", "bogus annotation without container", lambda p: annotate(p, AAP, "bogus")),
    Case("appArmorProfile", "fail", "unknown annotation value", lambda p: annotate(p, AAP + "f", "unknown")),
    Case("appArmorProfile", "fail", "pod field Unconfined", on_pod("appArmorProfile", {"type": "Unconfined"})),
    Case(
        "appArmorProfile",
        "fail",
        "container field Unconfined",
        seq(on_pod("appArmorProfile", {"type": "RuntimeDefault"}), on(CTR, "appArmorProfile", {"type": "Unconfined"})),
    ),
    Case("appArmorProfile", "fail", "init field Unconfined", on(INIT, "appArmorProfile", {"type": "Unconfined"})),
    Case("appArmorProfile", "fail", "ephemeral field Unconfined", on(EPH, "appArmorProfile", {"type": "Unconfined"})),
    # seLinuxOptions
    Case("seLinuxOptions", "pass", "empty container-level options", seq(on(INIT, "seLinuxOptions", {}))),
    Case(
        "seLinuxOptions",
        "pass",
        "all valid types, any level",
        seq(
            on_pod("seLinuxOptions", {"type": "container_t", "level": ""}),
            on(CTR, "seLinuxOptions", {"type": "container_init_t", "level": "somevalue"}),
            on(INIT, "seLinuxOptions", {"type": "container_kvm_t"}),
        ),
    ),
    Case(
        "seLinuxOptions",
        "pass",
        "container_engine_t (1.31+)",
        on(CTR, "seLinuxOptions", {"type": "container_engine_t"}),
    ),
    Case("seLinuxOptions", "fail", "pod type", on_pod("seLinuxOptions", {"type": "somevalue"})),
    Case("seLinuxOptions", "fail", "container type", on(CTR, "seLinuxOptions", {"type": "somevalue"})),
    Case("seLinuxOptions", "fail", "init type", on(INIT, "seLinuxOptions", {"type": "somevalue"})),
    Case("seLinuxOptions", "fail", "ephemeral type", on(EPH, "seLinuxOptions", {"type": "spc_t"})),
    Case("seLinuxOptions", "fail", "pod user", on_pod("seLinuxOptions", {"user": "somevalue"})),
    Case("seLinuxOptions", "fail", "pod role", on_pod("seLinuxOptions", {"role": "somevalue"})),
    # procMount (baseline, 1.35: relaxed for user-namespace pods)
    Case(
        "procMount",
        "pass",
        "Default + hostUsers false",
        seq(on(CTR, "procMount", "Default"), on(INIT, "procMount", "Default"), host_users(False)),
    ),
    Case(
        "procMount",
        "pass",
        "Unmasked + hostUsers false (baseline only)",
        seq(on(CTR, "procMount", "Unmasked"), on(INIT, "procMount", "Unmasked"), host_users(False)),
        BO,
    ),
    Case(
        "procMount",
        "fail",
        "Unmasked container, hostUsers true",
        seq(on(CTR, "procMount", "Unmasked"), host_users(True)),
    ),
    Case(
        "procMount", "fail", "Unmasked init, hostUsers true", seq(on(INIT, "procMount", "Unmasked"), host_users(True))
    ),
    Case("procMount", "fail", "Unmasked, hostUsers unset", on(CTR, "procMount", "Unmasked")),
    Case("procMount", "fail", "Unmasked ephemeral", on(EPH, "procMount", "Unmasked")),
    # procMount_restricted (1.35)
    Case(
        "procMount_restricted",
        "pass",
        "Default + hostUsers false",
        seq(on(CTR, "procMount", "Default"), on(INIT, "procMount", "Default"), host_users(False)),
        R,
    ),
    Case(
        "procMount_restricted",
        "fail",
        "Unmasked container + hostUsers false",
        seq(on(CTR, "procMount", "Unmasked"), host_users(False)),
        R,
    ),
    Case(
        "procMount_restricted",
        "fail",
        "Unmasked init + hostUsers false",
        seq(on(INIT, "procMount", "Unmasked"), host_users(False)),
        R,
    ),
    # seccompProfile_baseline (fields only at policy >= 1.19)
    Case(
        "seccompProfile_baseline",
        "pass",
        "RuntimeDefault / Localhost",
        seq(
            on_pod("seccompProfile", {"type": "RuntimeDefault"}),
            on(CTR, "seccompProfile", {"type": "Localhost", "localhostProfile": "testing"}),
        ),
    ),
    Case(
        "seccompProfile_baseline",
        "pass",
        "alpha annotations are not read",
        lambda p: annotate(p, "seccomp.security.alpha.kubernetes.io/pod", "unconfined"),
    ),
    Case("seccompProfile_baseline", "fail", "pod Unconfined", on_pod("seccompProfile", {"type": "Unconfined"})),
    Case("seccompProfile_baseline", "fail", "container Unconfined", on(CTR, "seccompProfile", {"type": "Unconfined"})),
    Case("seccompProfile_baseline", "fail", "init Unconfined", on(INIT, "seccompProfile", {"type": "Unconfined"})),
    Case("seccompProfile_baseline", "fail", "ephemeral Unconfined", on(EPH, "seccompProfile", {"type": "Unconfined"})),
    # sysctls
    Case("sysctls", "pass", "no sysctls", on_pod("sysctls", [])),
    Case(
        "sysctls",
        "pass",
        "every safe sysctl up to policy 1.37",
        on_pod("sysctls", [{"name": n, "value": v} for n, v in SAFE_SYSCTLS]),
    ),
    Case("sysctls", "fail", "othersysctl", on_pod("sysctls", [{"name": "othersysctl", "value": "other"}])),
    Case(
        "sysctls",
        "fail",
        "kernel.msgmax among safe ones",
        on_pod("sysctls", [{"name": "kernel.shm_rmid_forced", "value": "0"}, {"name": "kernel.msgmax", "value": "1"}]),
    ),
    # windowsHostProcess
    Case(
        "windowsHostProcess",
        "pass",
        "hostProcess false",
        seq(on_pod("windowsOptions", {"hostProcess": False}), on(CTR, "windowsOptions", {"hostProcess": False})),
    ),
    Case(
        "windowsHostProcess",
        "fail",
        "pod",
        seq(setk(spec, "hostNetwork", True), on_pod("windowsOptions", {"hostProcess": True})),
    ),
    Case(
        "windowsHostProcess",
        "fail",
        "containers",
        seq(
            setk(spec, "hostNetwork", True),
            on(CTR, "windowsOptions", {"hostProcess": True}),
            on(INIT, "windowsOptions", {"hostProcess": True}),
        ),
    ),
    Case("windowsHostProcess", "fail", "ephemeral", on(EPH, "windowsOptions", {"hostProcess": True})),
    # hostProbesAndHostLifecycle (1.34)
    Case(
        "hostProbesAndHostLifecycle",
        "pass",
        "liveness httpGet without host",
        setk(lambda p: ctr(p, CTR), "livenessProbe", probe("httpGet", port=8080)),
    ),
    Case(
        "hostProbesAndHostLifecycle",
        "pass",
        "readiness tcpSocket without host",
        setk(lambda p: ctr(p, CTR), "readinessProbe", probe("tcpSocket", port=8080)),
    ),
    Case(
        "hostProbesAndHostLifecycle",
        "pass",
        "empty host, exec handler",
        seq(
            setk(lambda p: ctr(p, CTR), "startupProbe", probe("httpGet", host="", port=1)),
            setk(lambda p: ctr(p, CTR), "lifecycle", {"preStop": {"exec": {"command": ["true"]}}}),
        ),
    ),
    Case(
        "hostProbesAndHostLifecycle",
        "fail",
        "liveness httpGet host",
        setk(lambda p: ctr(p, CTR), "livenessProbe", probe("httpGet", host="bad.host", port=8080)),
    ),
    Case(
        "hostProbesAndHostLifecycle",
        "fail",
        "sidecar init readiness tcpSocket host",
        seq(
            setk(lambda p: ctr(p, INIT), "restartPolicy", "Always"),
            setk(lambda p: ctr(p, INIT), "readinessProbe", probe("tcpSocket", host="8.8.8.8", port=8080)),
        ),
    ),
    Case(
        "hostProbesAndHostLifecycle",
        "fail",
        "postStart httpGet host",
        setk(lambda p: ctr(p, CTR), "lifecycle", {"postStart": probe("httpGet", host="bad.host", port=8080)}),
    ),
    Case(
        "hostProbesAndHostLifecycle",
        "fail",
        "loopback IPv4 is a host too",
        setk(lambda p: ctr(p, CTR), "livenessProbe", probe("httpGet", host="127.0.0.1", port=8080)),
    ),
    Case(
        "hostProbesAndHostLifecycle",
        "fail",
        "loopback IPv6 is a host too",
        setk(lambda p: ctr(p, CTR), "readinessProbe", probe("tcpSocket", host="::1", port=8080)),
    ),
    Case(
        "hostProbesAndHostLifecycle",
        "fail",
        "startupProbe httpGet host",
        setk(lambda p: ctr(p, CTR), "startupProbe", probe("httpGet", host="a.com", port=1)),
    ),
    Case(
        "hostProbesAndHostLifecycle",
        "fail",
        "preStop tcpSocket host (deprecated handler)",
        setk(lambda p: ctr(p, CTR), "lifecycle", {"preStop": probe("tcpSocket", host="b.com", port=1)}),
    ),
    Case(
        "hostProbesAndHostLifecycle",
        "fail",
        "ephemeral container",
        setk(lambda p: ctr(p, EPH), "readinessProbe", probe("httpGet", host="10.0.0.1", port=1)),
    ),
    # restrictedVolumes
    Case("restrictedVolumes", "pass", "every allowed volume type", setk(spec, "volumes", ALLOWED_VOLUMES), R),
    *[
        Case("restrictedVolumes", "fail", source, setk(spec, "volumes", [{"name": "volume1", source: body}]), R)
        for source, body in RESTRICTED_VOLUMES.items()
    ],
    Case(
        "restrictedVolumes",
        "fail",
        "one bad among good",
        setk(spec, "volumes", [*ALLOWED_VOLUMES, {"name": "x", "nfs": {"server": "s", "path": "/"}}]),
        R,
    ),
    # allowPrivilegeEscalation
    Case("allowPrivilegeEscalation", "fail", "explicit true", on(CTR, "allowPrivilegeEscalation", True), R),
    Case("allowPrivilegeEscalation", "fail", "init explicit true", on(INIT, "allowPrivilegeEscalation", True), R),
    Case("allowPrivilegeEscalation", "fail", "unset", on(CTR, "allowPrivilegeEscalation", None), R),
    Case("allowPrivilegeEscalation", "fail", "no securityContext", lambda p: ctr(p, CTR).pop("securityContext"), R),
    Case(
        "allowPrivilegeEscalation",
        "fail",
        "ephemeral without it",
        lambda p: spec(p).__setitem__(
            EPH, [{"name": "dbg", "image": "busybox", "securityContext": {"capabilities": {"drop": ["ALL"]}}}]
        ),
        R,
    ),
    # runAsNonRoot
    Case(
        "runAsNonRoot",
        "pass",
        "pod level",
        seq(on_pod("runAsNonRoot", True), on(CTR, "runAsNonRoot", None), on(INIT, "runAsNonRoot", None)),
        R,
    ),
    Case(
        "runAsNonRoot",
        "pass",
        "every container",
        seq(on_pod("runAsNonRoot", None), on(CTR, "runAsNonRoot", True), on(INIT, "runAsNonRoot", True)),
        R,
    ),
    Case("runAsNonRoot", "pass", "hostUsers false (1.35)", seq(on_pod("runAsNonRoot", None), host_users(False)), R),
    Case(
        "runAsNonRoot",
        "pass",
        "hostUsers false with explicit false",
        seq(on_pod("runAsNonRoot", False), host_users(False)),
        R,
    ),
    Case("runAsNonRoot", "fail", "unset everywhere", on_pod("runAsNonRoot", None), R),
    Case("runAsNonRoot", "fail", "pod false", on_pod("runAsNonRoot", False), R),
    Case("runAsNonRoot", "fail", "container false", on(CTR, "runAsNonRoot", False), R),
    Case("runAsNonRoot", "fail", "init false", on(INIT, "runAsNonRoot", False), R),
    Case("runAsNonRoot", "fail", "ephemeral false", on(EPH, "runAsNonRoot", False), R),
    Case(
        "runAsNonRoot",
        "fail",
        "pod unset, one container true",
        seq(on_pod("runAsNonRoot", None), on(CTR, "runAsNonRoot", True)),
        R,
    ),
    Case("runAsNonRoot", "fail", "hostUsers true", seq(on_pod("runAsNonRoot", None), host_users(True)), R),
    # runAsUser
    Case(
        "runAsUser",
        "pass",
        "1000 everywhere",
        seq(on_pod("runAsUser", 1000), on(CTR, "runAsUser", 1000), on(INIT, "runAsUser", 1000)),
        R,
    ),
    Case(
        "runAsUser",
        "pass",
        "0 with hostUsers false (1.35)",
        seq(on_pod("runAsUser", 0), on(CTR, "runAsUser", 0), host_users(False)),
        R,
    ),
    Case("runAsUser", "fail", "pod 0", on_pod("runAsUser", 0), R),
    Case("runAsUser", "fail", "container 0", on(CTR, "runAsUser", 0), R),
    Case("runAsUser", "fail", "init 0", on(INIT, "runAsUser", 0), R),
    Case("runAsUser", "fail", "ephemeral 0", on(EPH, "runAsUser", 0), R),
    # seccompProfile_restricted
    Case(
        "seccompProfile_restricted",
        "pass",
        "pod RuntimeDefault",
        on_pod("seccompProfile", {"type": "RuntimeDefault"}),
        R,
    ),
    Case(
        "seccompProfile_restricted",
        "pass",
        "pod Localhost",
        on_pod("seccompProfile", {"type": "Localhost", "localhostProfile": "testing"}),
        R,
    ),
    Case(
        "seccompProfile_restricted",
        "pass",
        "containers only",
        seq(
            on_pod("seccompProfile", None),
            on(CTR, "seccompProfile", {"type": "RuntimeDefault"}),
            on(INIT, "seccompProfile", {"type": "Localhost", "localhostProfile": "testing"}),
        ),
        R,
    ),
    Case("seccompProfile_restricted", "fail", "unset everywhere", on_pod("seccompProfile", None), R),
    Case("seccompProfile_restricted", "fail", "pod Unconfined", on_pod("seccompProfile", {"type": "Unconfined"}), R),
    Case(
        "seccompProfile_restricted",
        "fail",
        "unset init container",
        seq(on_pod("seccompProfile", None), on(CTR, "seccompProfile", {"type": "RuntimeDefault"})),
        R,
    ),
    Case(
        "seccompProfile_restricted",
        "fail",
        "unset container",
        seq(on_pod("seccompProfile", None), on(INIT, "seccompProfile", {"type": "RuntimeDefault"})),
        R,
    ),
    Case(
        "seccompProfile_restricted",
        "fail",
        "container Unconfined",
        seq(
            on_pod("seccompProfile", None),
            on(CTR, "seccompProfile", {"type": "RuntimeDefault"}),
            on(INIT, "seccompProfile", {"type": "Unconfined"}),
        ),
        R,
    ),
    Case(
        "seccompProfile_restricted",
        "fail",
        "container Unconfined despite pod RuntimeDefault",
        on(CTR, "seccompProfile", {"type": "Unconfined"}),
        R,
    ),
    # capabilities_restricted
    Case(
        "capabilities_restricted",
        "pass",
        "drop ALL, add NET_BIND_SERVICE",
        seq(
            setk(lambda p: caps(p, CTR), "add", ["NET_BIND_SERVICE"]),
            setk(lambda p: caps(p, INIT), "add", ["NET_BIND_SERVICE"]),
        ),
        R,
    ),
    Case("capabilities_restricted", "fail", "container drops nothing", setk(lambda p: caps(p, CTR), "drop", []), R),
    Case("capabilities_restricted", "fail", "init drops nothing", setk(lambda p: caps(p, INIT), "drop", []), R),
    Case(
        "capabilities_restricted",
        "fail",
        "every capability dropped by name",
        seq(
            setk(lambda p: caps(p, CTR), "drop", ALL_CAPS_BY_NAME),
            setk(lambda p: caps(p, INIT), "drop", ALL_CAPS_BY_NAME),
        ),
        R,
    ),
    Case(
        "capabilities_restricted",
        "fail",
        "baseline capabilities added back",
        seq(setk(lambda p: caps(p, CTR), "add", BASELINE_CAPS), setk(lambda p: caps(p, INIT), "add", BASELINE_CAPS)),
        R,
    ),
    Case("capabilities_restricted", "fail", "lower-case all", setk(lambda p: caps(p, CTR), "drop", ["all"]), R),
    Case("capabilities_restricted", "fail", "no capabilities on ephemeral", on(EPH, "capabilities", None), R),
]


def _params() -> list[Any]:
    out = []
    for case in CASES:
        for level in case.levels:
            out.append(pytest.param(case, level, id=f"{case.check}-{case.expect}-{level}-{case.desc}"))
    return out


@pytest.mark.parametrize(("case", "level"), _params())
def test_psa_fixture(case: Case, level: str) -> None:
    doc = pod(BASES[level])
    case.mutate(doc)
    view = view_of(doc)
    if case.expect == "pass":
        assert evaluate_pss(view)[case.check] == [], case.desc
        assert allowed(view, level), failing_checks(view, level)
    else:
        assert evaluate_pss(view)[case.check], f"{case.check} should fail: {case.desc}"
        assert not allowed(view, level)


@pytest.mark.parametrize("level", ["baseline", "restricted"])
def test_minimal_valid_pods_pass(level: str) -> None:
    view = view_of(pod(BASES[level]))
    assert allowed(view, level)
    if level == "restricted":
        assert failing_checks(view) == []
    else:
        # the minimal baseline pod fails exactly the restricted-only requirements
        assert failing_checks(view, "restricted") == [
            "allowPrivilegeEscalation",
            "runAsNonRoot",
            "seccompProfile_restricted",
            "capabilities_restricted",
        ]


def test_every_check_has_passing_and_failing_cases() -> None:
    for check in CHECKS:
        kinds = {c.expect for c in CASES if c.check == check.id}
        assert kinds == {"pass", "fail"} or (kinds == {"fail"} and check.id in {"allowPrivilegeEscalation"}), check.id


def test_every_rule_is_one_psa_check() -> None:
    assert [r.check for r in RULES] == [c.id for c in CHECKS]
    assert len({r.id for r in RULES}) == len(RULES) == 19


# -- semantics PSA's fixture table does not spell out ---------------------------------------------


def test_level_composition_follows_overrides() -> None:
    baseline = {c.id for c in checks_for_level("baseline")}
    restricted = {c.id for c in checks_for_level("restricted")}
    assert "hostPathVolumes" in baseline and "hostPathVolumes" not in restricted
    assert {"seccompProfile_baseline", "capabilities_baseline", "procMount"} & restricted == set()
    assert {"hostProbesAndHostLifecycle", "sysctls", "privileged"} <= restricted
    assert checks_for_level("privileged") == ()
    with pytest.raises(ValueError):
        checks_for_level("strict")


def test_windows_pod_exempt_from_linux_only_restricted_checks() -> None:
    doc = pod(
        {
            "os": {"name": "windows"},
            "securityContext": {"runAsNonRoot": True},
            "containers": [{"name": "w", "image": "mcr.microsoft.com/windows/nanoserver"}],
        }
    )
    view = view_of(doc)
    assert allowed(view, "restricted")
    # runAsNonRoot is not Linux-only: a Windows pod still needs it
    doc["spec"]["securityContext"] = {}
    assert failing_checks(view_of(doc), "restricted") == ["runAsNonRoot"]


def test_windows_exemption_is_exact_and_only_for_three_checks() -> None:
    spec_ = {
        "os": {"name": "Windows"},
        "securityContext": {"runAsNonRoot": True},
        "containers": [{"name": "w", "image": "x"}],
    }
    assert failing_checks(view_of(pod(spec_)), "restricted") == [
        "allowPrivilegeEscalation",
        "seccompProfile_restricted",
        "capabilities_restricted",
    ]
    spec_["os"] = {"name": "windows"}
    spec_["containers"] = [{"name": "w", "image": "x", "securityContext": {"privileged": True, "runAsUser": 0}}]
    assert failing_checks(view_of(pod(spec_)), "restricted") == ["privileged", "runAsUser"]


def test_windows_quirk_unconfined_seccomp_fails_baseline_but_not_restricted() -> None:
    """PSA overrides seccompProfile_baseline at restricted, and the restricted check exempts
    Windows pods: so an Unconfined Windows pod is denied by baseline but admitted by restricted."""
    doc = pod(
        {
            "os": {"name": "windows"},
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "Unconfined"}},
            "containers": [{"name": "w", "image": "x"}],
        }
    )
    view = view_of(doc)
    assert not allowed(view, "baseline")
    assert allowed(view, "restricted")


def test_host_users_false_relaxes_exactly_three_checks() -> None:
    spec_ = {
        "hostUsers": False,
        "securityContext": {"runAsUser": 0, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "c",
                "image": "x",
                "securityContext": {
                    "runAsNonRoot": False,
                    "procMount": "Unmasked",
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]},
                },
            }
        ],
    }
    view = view_of(pod(spec_))
    assert failing_checks(view) == ["capabilities_baseline", "capabilities_restricted", "procMount_restricted"]
    spec_["hostUsers"] = True
    assert failing_checks(view_of(pod(spec_))) == [
        "capabilities_baseline",
        "procMount",
        "runAsNonRoot",
        "runAsUser",
        "capabilities_restricted",
        "procMount_restricted",
    ]


def test_run_as_non_root_reports_explicit_setters_before_implicit() -> None:
    doc = pod(
        {
            "securityContext": {"runAsNonRoot": False},
            "containers": [
                {"name": "a", "image": "x"},
                {"name": "b", "image": "x", "securityContext": {"runAsNonRoot": True}},
            ],
        }
    )
    v = evaluate_pss(view_of(doc))["runAsNonRoot"]
    assert [x.pointer for x in v] == ["/spec/securityContext/runAsNonRoot"]
    doc = pod(
        {
            "containers": [
                {"name": "a", "image": "x"},
                {"name": "b", "image": "x", "securityContext": {"runAsNonRoot": True}},
            ]
        }
    )
    v = evaluate_pss(view_of(doc))["runAsNonRoot"]
    assert [(x.container, x.pointer) for x in v] == [("a", "/spec/containers/0")]


def test_violation_messages_and_pointers_name_the_offender() -> None:
    doc = pod(
        {
            "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
            "containers": [
                {
                    "name": "web",
                    "image": "x",
                    "ports": [{"containerPort": 80, "hostPort": 8080}],
                    "livenessProbe": {"httpGet": {"host": "10.0.0.9", "port": 80}},
                    "securityContext": {"privileged": True, "capabilities": {"add": ["NET_ADMIN"]}},
                }
            ],
            "ephemeralContainers": [{"name": "dbg", "image": "busybox", "securityContext": {"procMount": "Unmasked"}}],
        },
        annotations={AAP + "web": "unconfined"},
    )
    res = evaluate_pss(view_of(doc))
    expect = {
        "privileged": ("/spec/containers/0/securityContext/privileged", "web", "true"),
        "capabilities_baseline": ("/spec/containers/0/securityContext/capabilities/add/0", "web", "NET_ADMIN"),
        "hostPorts": ("/spec/containers/0/ports/0/hostPort", "web", "8080"),
        "hostPathVolumes": ("/spec/volumes/0/hostPath", "", '"/"'),
        "restrictedVolumes": ("/spec/volumes/0/hostPath", "", "hostPath"),
        "hostProbesAndHostLifecycle": ("/spec/containers/0/livenessProbe/httpGet/host", "web", "10.0.0.9"),
        "procMount": ("/spec/ephemeralContainers/0/securityContext/procMount", "dbg", "Unmasked"),
        "appArmorProfile": (
            "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1web",
            "web",
            "unconfined",
        ),
    }
    for check, (ptr, container, value) in expect.items():
        (v,) = res[check]
        assert v.pointer == ptr, check
        assert v.container == container, check
        assert value in v.message, (check, v.message)
        if container:
            assert f'"{container}"' in v.message, check
    # absent fields point at the container (or its securityContext when it has one)
    (ape_web, ape_dbg) = res["allowPrivilegeEscalation"]
    assert ape_web.pointer == "/spec/containers/0/securityContext"
    assert ape_dbg.pointer == "/spec/ephemeralContainers/0/securityContext"
    seccomp = res["seccompProfile_restricted"]
    assert [v.container for v in seccomp] == ["web", "dbg"]


def test_evaluate_document_on_plain_dicts() -> None:
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "c"},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": {"hostIPC": True, "containers": []}}}}},
    }
    res = evaluate_document(cron, "baseline")
    assert [v.pointer for v in res["hostNamespaces"]] == ["/spec/jobTemplate/spec/template/spec/hostIPC"]
    assert evaluate_document({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}) == {}


def test_volume_with_non_string_keys() -> None:
    doc = pod({"volumes": [{"name": "a", 1: "x", "nfs": {"server": "s", "path": "/"}}], "containers": []})
    (v,) = evaluate_pss(view_of(doc))["restrictedVolumes"]
    assert v.evidence == "1"


@pytest.mark.parametrize(
    "spec_",
    [
        {"securityContext": None, "containers": None, "initContainers": "x", "volumes": {"a": 1}},
        {"containers": [None, 3, "x", {"name": None, "securityContext": None}]},
        {
            "containers": [
                {
                    "name": "c",
                    "securityContext": {
                        "capabilities": None,
                        "seLinuxOptions": "x",
                        "seccompProfile": None,
                        "appArmorProfile": None,
                        "procMount": None,
                        "windowsOptions": None,
                    },
                }
            ]
        },
        {
            "containers": [
                {
                    "name": "c",
                    "securityContext": {"capabilities": {"add": None, "drop": "ALL"}},
                    "ports": [None, {"hostPort": "80"}],
                    "livenessProbe": {"httpGet": None},
                    "lifecycle": None,
                }
            ]
        },
        {
            "securityContext": {"sysctls": [None, {"value": 1}], "runAsUser": "0", "runAsNonRoot": "true"},
            "volumes": [None, {"name": "a", "hostPath": None}],
            "hostUsers": "false",
            "os": None,
        },
    ],
)
def test_hostile_specs_never_raise(spec_: dict[str, Any]) -> None:
    res = evaluate_pss(view_of(pod(spec_)))
    assert set(res) == {c.id for c in CHECKS}
