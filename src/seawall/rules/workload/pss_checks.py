"""The Pod Security Standards checks of Kubernetes' pod-security-admission (PSA), as pure functions.

Why this module exists: PSA is the reference implementation of the Pod Security Standards, and
users compare our verdicts with what their API server admits. So each function here mirrors one
``staging/src/k8s.io/pod-security-admission/policy/check_<id>.go`` at the newest policy version
("latest" = the registry's highest MinimumVersion; 1.37 at the time of writing), with the same
field reads, the same allowed values and the same quirks:

* every check visits init, regular *and* ephemeral containers (PSA ``visitContainers``); native
  sidecars are ordinary init containers;
* pod-level vs container-level: ``runAsNonRoot`` and ``seccompProfile_restricted`` accept a
  container that leaves the field unset when the pod level sets a good value, and fail on any
  explicit bad value at either level;
* ``hostUsers: false`` (a user-namespace pod) skips ``runAsNonRoot``, ``runAsUser`` and the
  baseline ``procMount`` check (policy 1.35+, no feature gate any more); the restricted
  ``procMount_restricted`` still forbids ``Unmasked``;
* ``spec.os.name: windows`` exempts ``allowPrivilegeEscalation``, ``seccompProfile_restricted``
  and ``capabilities_restricted`` (policy 1.25+) and nothing else;
* AppArmor is read from both the ``appArmorProfile`` fields and the deprecated
  ``container.apparmor.security.beta.kubernetes.io/*`` annotations (PSA still reads both);
  seccomp only from the fields (the alpha annotations are read by PSA policies < 1.19 only);
* capability names are compared exactly (``CAP_CHOWN`` or ``chown`` are not ``CHOWN``);
* a volume with no source is defaulted to ``emptyDir`` by the API server before PSA sees it.

Where the API server would reject a manifest outright (a string where a bool is expected), the
value is treated as absent, as PSA never sees such a pod. Functions never raise on hostile input.

Each check returns one :class:`Violation` per offending field so every finding has an exact line;
PSA's own message would aggregate them into one sentence per check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from seawall.inventory.k8s import (
    ContainerView,
    K8sObject,
    PodSpecView,
    as_dict,
    as_int,
    as_list,
    as_str,
)
from seawall.rules.registry import Violation

BASELINE = "baseline"
RESTRICTED = "restricted"

#: check_capabilities_baseline.go ``capabilities_allowed_1_0`` (unchanged since 1.22).
BASELINE_CAPABILITIES: frozenset[str] = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)

#: check_sysctls.go: the union of the safe sets of policy 1.0, 1.27, 1.29, 1.32 and 1.37.
SAFE_SYSCTLS: frozenset[str] = frozenset(
    {
        # 1.0
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
        # 1.27
        "net.ipv4.ip_local_reserved_ports",
        # 1.29
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        # 1.32
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
        # 1.37
        "net.ipv4.tcp_slow_start_after_idle",
        "net.ipv4.tcp_notsent_lowat",
    }
)

#: check_seLinuxOptions.go ``selinuxAllowedTypes1_31`` ("" = unset).
SELINUX_TYPES: frozenset[str] = frozenset(
    {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
)

#: check_restrictedVolumes.go: the only volume sources the restricted level admits.
RESTRICTED_VOLUME_SOURCES: frozenset[str] = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)

SECCOMP_OK: frozenset[str] = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_OK: frozenset[str] = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"

_PROBES: tuple[str, ...] = ("livenessProbe", "readinessProbe", "startupProbe")
_LIFECYCLE_HANDLERS: tuple[str, ...] = ("postStart", "preStop")
_HOST_ACTIONS: tuple[str, ...] = ("httpGet", "tcpSocket")

CheckFn = Callable[[PodSpecView], list[Violation]]


@dataclass(frozen=True, slots=True)
class PssCheck:
    """One PSA check: its id, level, function and the baseline checks it replaces at restricted."""

    id: str
    level: str
    fn: CheckFn
    overrides: tuple[str, ...] = ()


# -- small helpers --------------------------------------------------------------------------


# ``view.containers()``: init, regular and ephemeral containers, in PSA's visiting order.
# Names in messages are double-quoted, as PSA quotes them.


def _present(d: dict[str, Any], key: str) -> bool:
    """A field is set when present and not null (a Go pointer that is non-nil)."""
    return d.get(key) is not None


def _sc_ptr(c: ContainerView, *parts: str) -> str:
    """Pointer to a container securityContext field, or the deepest part of it that exists."""
    if "securityContext" not in c.data or not isinstance(c.data.get("securityContext"), dict):
        return c.pointer
    sc = c.security_context
    ptr = c.ptr("securityContext")
    cur: Any = sc
    for p in parts:
        if not isinstance(cur, dict) or cur.get(p) is None:
            return ptr
        ptr = f"{ptr}/{p}"
        cur = cur[p]
    return ptr


def _pod_sc_ptr(view: PodSpecView, *parts: str) -> str:
    if not isinstance(view.spec.get("securityContext"), dict):
        return view.spec_pointer
    ptr = view.ptr("securityContext")
    cur: Any = view.security_context
    for p in parts:
        if not isinstance(cur, dict) or cur.get(p) is None:
            return ptr
        ptr = f"{ptr}/{p}"
        cur = cur[p]
    return ptr


def host_users_false(view: PodSpecView) -> bool:
    """``spec.hostUsers: false`` — the pod runs in a user namespace (KEP-127 relaxation)."""
    return view.spec.get("hostUsers") is False


def is_windows_pod(view: PodSpecView) -> bool:
    """``spec.os.name == "windows"`` exactly, as PSA compares it."""
    return view.os_name == "windows"


# -- baseline ---------------------------------------------------------------------------------


def check_host_namespaces(view: PodSpecView) -> list[Violation]:
    out: list[Violation] = []
    for key, ns in (("hostNetwork", "network"), ("hostPID", "PID"), ("hostIPC", "IPC")):
        if view.spec.get(key) is True:
            out.append(
                Violation(
                    f"pod must not set {key}=true (shares the node's {ns} namespace)",
                    view.ptr(key),
                    evidence=f"{key}=true",
                )
            )
    return out


def _forbidden_setting(
    view: PodSpecView, key: str, shown: str, bad: Callable[[Any], bool], *, pod_level: bool
) -> list[Violation]:
    """Pod-level (when ``pod_level``), then per-container, ``securityContext.<key>`` set to a
    forbidden value (``bad``), reported as ``<key>=<shown>``."""
    setting = f"{key}={shown}"
    out: list[Violation] = []
    if pod_level and bad(view.security_context.get(key)):
        out.append(
            Violation(
                f"pod must not set securityContext.{setting}",
                view.ptr("securityContext", key),
                evidence=setting,
            )
        )
    for c in view.containers():
        if bad(c.security_context.get(key)):
            out.append(
                Violation(
                    f"container \"{c.name}\" must not set securityContext.{setting}",
                    c.ptr("securityContext", key),
                    container=c.name,
                    evidence=setting,
                )
            )
    return out


def check_privileged(view: PodSpecView) -> list[Violation]:
    return _forbidden_setting(view, "privileged", "true", lambda v: v is True, pod_level=False)


def check_capabilities_baseline(view: PodSpecView) -> list[Violation]:
    out: list[Violation] = []
    for c in view.containers():
        caps = as_dict(c.security_context.get("capabilities"))
        for i, cap in enumerate(as_list(caps.get("add"))):
            name = as_str(cap)
            if name not in BASELINE_CAPABILITIES:
                out.append(
                    Violation(
                        f"container \"{c.name}\" must not include \"{name}\" in "
                        "securityContext.capabilities.add (non-default capability)",
                        c.ptr("securityContext", "capabilities", "add", i),
                        container=c.name,
                        evidence=name,
                    )
                )
    return out


def check_host_path_volumes(view: PodSpecView) -> list[Violation]:
    out: list[Violation] = []
    for i, vol in view.volumes:
        if _present(vol, "hostPath"):
            path = as_str(as_dict(vol.get("hostPath")).get("path"))
            name = as_str(vol.get("name")) or f"volumes[{i}]"
            out.append(
                Violation(
                    f"volume \"{name}\" must not use hostPath (path \"{path}\")",
                    view.ptr("volumes", i, "hostPath"),
                    evidence=path,
                )
            )
    return out


def check_host_ports(view: PodSpecView) -> list[Violation]:
    out: list[Violation] = []
    for c in view.containers():
        for i, port in enumerate(as_list(c.data.get("ports"))):
            host_port = as_int(as_dict(port).get("hostPort"))
            if host_port is not None and host_port != 0:
                out.append(
                    Violation(
                        f"container \"{c.name}\" must not set hostPort {host_port}",
                        c.ptr("ports", i, "hostPort"),
                        container=c.name,
                        evidence=str(host_port),
                    )
                )
    return out


_SECCOMP_TYPE = "securityContext.seccompProfile.type"


def _profile_type(sc: dict[str, Any], key: str) -> str | None:
    """``<key>.type`` of a securityContext when ``<key>`` is an object; None when unset or not one."""
    profile = sc.get(key)
    return as_str(profile.get("type")) if isinstance(profile, dict) else None


def _bad_profile_types(view: PodSpecView, key: str, allowed: frozenset[str], what: str) -> list[Violation]:
    """Pod-level, then per-container, ``securityContext.<key>.type`` values outside ``allowed``
    (seccomp and AppArmor profiles are checked the same way at both levels)."""
    out: list[Violation] = []
    ptype = _profile_type(view.security_context, key)
    if ptype is not None and ptype not in allowed:
        out.append(
            Violation(
                f"pod must not set {what} to \"{ptype}\"",
                _pod_sc_ptr(view, key, "type"),
                evidence=ptype,
            )
        )
    for c in view.containers():
        ptype = _profile_type(c.security_context, key)
        if ptype is not None and ptype not in allowed:
            out.append(
                Violation(
                    f"container \"{c.name}\" must not set {what} to \"{ptype}\"",
                    _sc_ptr(c, key, "type"),
                    container=c.name,
                    evidence=ptype,
                )
            )
    return out


def _apparmor_annotation_ok(value: str) -> bool:
    return value == "" or value == "runtime/default" or value.startswith("localhost/")


def check_apparmor_profile(view: PodSpecView) -> list[Violation]:
    out = _bad_profile_types(view, "appArmorProfile", APPARMOR_OK, "AppArmor profile type")
    for key, raw in sorted(view.annotations.items(), key=lambda kv: str(kv[0])):
        if isinstance(key, str) and key.startswith(APPARMOR_ANNOTATION_PREFIX):
            value = as_str(raw)
            if not _apparmor_annotation_ok(value):
                target = key[len(APPARMOR_ANNOTATION_PREFIX) :]
                out.append(
                    Violation(
                        f"container \"{target}\": annotation {key}=\"{value}\" must not set "
                        f"AppArmor profile \"{value}\" (allowed: runtime/default, localhost/*)",
                        view.meta_ptr("annotations", key),
                        container=target,
                        evidence=value,
                    )
                )
    return out


def _selinux_problems(opts: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, value) pairs that PSA forbids in one seLinuxOptions."""
    bad: list[tuple[str, str]] = []
    stype = as_str(opts.get("type"))
    if stype not in SELINUX_TYPES:
        bad.append(("type", stype))
    for field in ("user", "role"):
        value = as_str(opts.get(field))
        if value:
            bad.append((field, value))
    return bad


def check_selinux_options(view: PodSpecView) -> list[Violation]:
    out: list[Violation] = []
    opts = view.security_context.get("seLinuxOptions")
    if isinstance(opts, dict):
        for field, value in _selinux_problems(opts):
            out.append(
                Violation(
                    f"pod must not set securityContext.seLinuxOptions.{field} to \"{value}\"",
                    view.ptr("securityContext", "seLinuxOptions", field),
                    evidence=value,
                )
            )
    for c in view.containers():
        opts = c.security_context.get("seLinuxOptions")
        if isinstance(opts, dict):
            for field, value in _selinux_problems(opts):
                out.append(
                    Violation(
                        f"container \"{c.name}\" must not set securityContext.seLinuxOptions.{field} to \"{value}\"",
                        c.ptr("securityContext", "seLinuxOptions", field),
                        container=c.name,
                        evidence=value,
                    )
                )
    return out


def _proc_mount_violations(view: PodSpecView) -> list[Violation]:
    out: list[Violation] = []
    for c in view.containers():
        raw = c.security_context.get("procMount")
        if raw is None:
            continue
        value = as_str(raw)
        if value != "Default":
            out.append(
                Violation(
                    f"container \"{c.name}\" must not set securityContext.procMount to \"{value}\"",
                    c.ptr("securityContext", "procMount"),
                    container=c.name,
                    evidence=value,
                )
            )
    return out


def check_proc_mount(view: PodSpecView) -> list[Violation]:
    """Baseline: any procMount is allowed for a user-namespace pod (policy 1.35+)."""
    if host_users_false(view):
        return []
    return _proc_mount_violations(view)


def check_proc_mount_restricted(view: PodSpecView) -> list[Violation]:
    """Restricted (1.35+): only ``Default``, even with ``hostUsers: false``."""
    return _proc_mount_violations(view)


def check_seccomp_baseline(view: PodSpecView) -> list[Violation]:
    return _bad_profile_types(view, "seccompProfile", SECCOMP_OK, _SECCOMP_TYPE)


def check_sysctls(view: PodSpecView) -> list[Violation]:
    out: list[Violation] = []
    for i, item in enumerate(as_list(view.security_context.get("sysctls"))):
        if not isinstance(item, dict):
            continue
        name = as_str(item.get("name"))
        if name not in SAFE_SYSCTLS:
            out.append(
                Violation(
                    f"pod must not set forbidden sysctl \"{name}\"",
                    view.ptr("securityContext", "sysctls", i, "name")
                    if "name" in item
                    else view.ptr("securityContext", "sysctls", i),
                    evidence=name,
                )
            )
    return out


def check_windows_host_process(view: PodSpecView) -> list[Violation]:
    out: list[Violation] = []
    if as_dict(view.security_context.get("windowsOptions")).get("hostProcess") is True:
        out.append(
            Violation(
                "pod must not set securityContext.windowsOptions.hostProcess=true",
                view.ptr("securityContext", "windowsOptions", "hostProcess"),
                evidence="hostProcess=true",
            )
        )
    for c in view.containers():
        options = c.security_context.get("windowsOptions")
        if isinstance(options, dict) and options.get("hostProcess") is True:
            out.append(
                Violation(
                    f"container \"{c.name}\" must not set securityContext.windowsOptions.hostProcess=true",
                    c.ptr("securityContext", "windowsOptions", "hostProcess"),
                    container=c.name,
                    evidence="hostProcess=true",
                )
            )
    return out


def _handler_hosts(c: ContainerView) -> Iterator[tuple[str, str]]:
    """(pointer, host) for every probe / lifecycle handler of ``c`` that sets a host."""
    data = c.data
    for probe in _PROBES:
        handler = data.get(probe)
        if not isinstance(handler, dict):
            continue
        for action in _HOST_ACTIONS:
            target = handler.get(action)
            host = as_str(target.get("host")) if isinstance(target, dict) else ""
            if host:
                yield c.ptr(probe, action, "host"), host
    lifecycle = data.get("lifecycle")
    if not isinstance(lifecycle, dict):
        return
    for hook in _LIFECYCLE_HANDLERS:
        handler = lifecycle.get(hook)
        if not isinstance(handler, dict):
            continue
        for action in _HOST_ACTIONS:
            target = handler.get(action)
            host = as_str(target.get("host")) if isinstance(target, dict) else ""
            if host:
                yield c.ptr("lifecycle", hook, action, "host"), host


def check_host_probes_and_host_lifecycle(view: PodSpecView) -> list[Violation]:
    out: list[Violation] = []
    for c in view.containers():
        for ptr, host in _handler_hosts(c):
            where = ptr[len(c.pointer) + 1 :].replace("/", ".")
            out.append(
                Violation(
                    f"container \"{c.name}\" must not set {where} (probe or lifecycle host \"{host}\")",
                    ptr,
                    container=c.name,
                    evidence=host,
                )
            )
    return out


# -- restricted -------------------------------------------------------------------------------


def _volume_source(vol: dict[str, Any]) -> str | None:
    """The restricted source key of a volume, "" if it only has allowed sources, None if none."""
    keys = [str(k) for k, v in vol.items() if k != "name" and v is not None]
    if not keys:
        return None  # no source: the API server defaults it to emptyDir
    if any(k in RESTRICTED_VOLUME_SOURCES for k in keys):
        return ""  # PSA's switch admits the volume as soon as one allowed source is set
    return sorted(keys)[0]


def check_restricted_volumes(view: PodSpecView) -> list[Violation]:
    out: list[Violation] = []
    for i, vol in view.volumes:
        source = _volume_source(vol)
        if source:
            name = as_str(vol.get("name")) or f"volumes[{i}]"
            out.append(
                Violation(
                    f"volume \"{name}\" uses restricted volume type \"{source}\"",
                    view.ptr("volumes", i, source),
                    evidence=source,
                )
            )
    return out


def check_allow_privilege_escalation(view: PodSpecView) -> list[Violation]:
    if is_windows_pod(view):
        return []
    out: list[Violation] = []
    for c in view.containers():
        value = c.security_context.get("allowPrivilegeEscalation")
        if value is False:
            continue
        shown = "true" if value is True else "unset"
        out.append(
            Violation(
                f"container \"{c.name}\" must set securityContext.allowPrivilegeEscalation=false (is {shown})",
                _sc_ptr(c, "allowPrivilegeEscalation"),
                container=c.name,
                evidence=shown,
            )
        )
    return out


def check_run_as_non_root(view: PodSpecView) -> list[Violation]:
    if host_users_false(view):
        return []
    # PSA reports explicit bad setters first and only; fixing them may fix the implicit ones.
    explicit = _forbidden_setting(view, "runAsNonRoot", "false", lambda v: v is False, pod_level=True)
    if explicit:
        return explicit
    if view.security_context.get("runAsNonRoot") is True:
        return []  # the pod-level setting covers every container that sets none
    return [
        Violation(
            f"pod or container \"{c.name}\" must set securityContext.runAsNonRoot=true (may run as root)",
            _sc_ptr(c, "runAsNonRoot"),
            container=c.name,
            evidence="runAsNonRoot unset",
        )
        for c in view.containers()
        if not isinstance(c.security_context.get("runAsNonRoot"), bool)
    ]


def check_run_as_user(view: PodSpecView) -> list[Violation]:
    if host_users_false(view):
        return []
    return _forbidden_setting(view, "runAsUser", "0", _is_zero, pod_level=True)


def _is_zero(value: Any) -> bool:
    """An integer 0 (not False, not 0.0): what ``as_int(value) == 0`` answers."""
    return value == 0 and isinstance(value, int) and not isinstance(value, bool)


def check_seccomp_restricted(view: PodSpecView) -> list[Violation]:
    if is_windows_pod(view):
        return []
    explicit = _bad_profile_types(view, "seccompProfile", SECCOMP_OK, _SECCOMP_TYPE)
    if explicit:
        return explicit
    if _profile_type(view.security_context, "seccompProfile") in SECCOMP_OK:
        return []  # the pod-level profile covers every container that sets none
    return [
        Violation(
            f"pod or container \"{c.name}\" must set securityContext.seccompProfile.type to "
            '"RuntimeDefault" or "Localhost"',
            _sc_ptr(c, "seccompProfile"),
            container=c.name,
            evidence="seccompProfile unset",
        )
        for c in view.containers()
        if _profile_type(c.security_context, "seccompProfile") is None
    ]


def check_capabilities_restricted(view: PodSpecView) -> list[Violation]:
    if is_windows_pod(view):
        return []
    out: list[Violation] = []
    for c in view.containers():
        caps_raw = c.security_context.get("capabilities")
        caps = as_dict(caps_raw)
        drop = [as_str(x) for x in as_list(caps.get("drop"))]
        if "ALL" not in drop:
            out.append(
                Violation(
                    f'container "{c.name}" must set securityContext.capabilities.drop=["ALL"]'
                    + (f" (drops {', '.join(drop)})" if drop else ""),
                    _sc_ptr(c, "capabilities", "drop"),
                    container=c.name,
                    evidence=",".join(drop) or "drop unset",
                )
            )
        for i, cap in enumerate(as_list(caps.get("add"))):
            name = as_str(cap)
            if name != "NET_BIND_SERVICE":
                out.append(
                    Violation(
                        f"container \"{c.name}\" must not include \"{name}\" in "
                        "securityContext.capabilities.add (only NET_BIND_SERVICE may be added)",
                        c.ptr("securityContext", "capabilities", "add", i),
                        container=c.name,
                        evidence=name,
                    )
                )
    return out


#: Every check at the newest policy version, in PSA's registry order (baseline, then restricted).
CHECKS: tuple[PssCheck, ...] = (
    PssCheck("hostNamespaces", BASELINE, check_host_namespaces),
    PssCheck("privileged", BASELINE, check_privileged),
    PssCheck("capabilities_baseline", BASELINE, check_capabilities_baseline),
    PssCheck("hostPathVolumes", BASELINE, check_host_path_volumes),
    PssCheck("hostPorts", BASELINE, check_host_ports),
    PssCheck("appArmorProfile", BASELINE, check_apparmor_profile),
    PssCheck("seLinuxOptions", BASELINE, check_selinux_options),
    PssCheck("procMount", BASELINE, check_proc_mount),
    PssCheck("seccompProfile_baseline", BASELINE, check_seccomp_baseline),
    PssCheck("sysctls", BASELINE, check_sysctls),
    PssCheck("windowsHostProcess", BASELINE, check_windows_host_process),
    PssCheck("hostProbesAndHostLifecycle", BASELINE, check_host_probes_and_host_lifecycle),
    PssCheck("restrictedVolumes", RESTRICTED, check_restricted_volumes, ("hostPathVolumes",)),
    PssCheck("allowPrivilegeEscalation", RESTRICTED, check_allow_privilege_escalation),
    PssCheck("runAsNonRoot", RESTRICTED, check_run_as_non_root),
    PssCheck("runAsUser", RESTRICTED, check_run_as_user),
    PssCheck("seccompProfile_restricted", RESTRICTED, check_seccomp_restricted, ("seccompProfile_baseline",)),
    PssCheck("capabilities_restricted", RESTRICTED, check_capabilities_restricted, ("capabilities_baseline",)),
    PssCheck("procMount_restricted", RESTRICTED, check_proc_mount_restricted, ("procMount",)),
)

CHECKS_BY_ID: dict[str, PssCheck] = {c.id: c for c in CHECKS}


def checks_for_level(level: str) -> tuple[PssCheck, ...]:
    """The checks PSA runs for a namespace at ``level`` ("baseline", "restricted" or
    "privileged"): restricted = baseline minus the checks a restricted check overrides, plus the
    restricted checks."""
    if level == "privileged":
        return ()
    if level == BASELINE:
        return tuple(c for c in CHECKS if c.level == BASELINE)
    if level == RESTRICTED:
        overridden = {o for c in CHECKS if c.level == RESTRICTED for o in c.overrides}
        return tuple(c for c in CHECKS if c.id not in overridden)
    raise ValueError(f"unknown Pod Security Standards level {level!r}")


def evaluate_pss(view: PodSpecView, level: str | None = None) -> dict[str, list[Violation]]:
    """Run the PSA checks on one pod spec; ``{check id: violations}`` (an empty list = passes).

    ``level=None`` runs every check (each with its own semantics, as the SW-PSS rules report
    them); "baseline" / "restricted" run exactly the set PSA enforces at that level, so
    ``allowed(view, "restricted")`` is PSA's admit/deny verdict.
    """
    checks: Iterable[PssCheck] = CHECKS if level is None else checks_for_level(level)
    return {c.id: c.fn(view) for c in checks}


def allowed(view: PodSpecView, level: str) -> bool:
    """PSA's verdict: would a namespace enforcing ``level`` admit this pod?"""
    return not any(evaluate_pss(view, level).values())


def failing_checks(view: PodSpecView, level: str | None = None) -> list[str]:
    """Ids of the checks that fail (in registry order)."""
    return [cid for cid, v in evaluate_pss(view, level).items() if v]


def view_of_document(doc: dict[str, Any], path: str = "<memory>") -> PodSpecView | None:
    """A pod view of one parsed manifest document (Pod, Deployment, CronJob, ...), or None.

    For callers that hold plain dicts (admission requests, CEL/VAP evaluation, tests) rather than
    objects from the scan inventory.
    """
    meta = as_dict(doc.get("metadata"))
    obj = K8sObject(
        api_version=as_str(doc.get("apiVersion")),
        kind=as_str(doc.get("kind")),
        name=as_str(meta.get("name")),
        namespace=as_str(meta.get("namespace")),
        data=doc,
        path=path,
        doc_index=0,
        line=1,
    )
    return obj.pod_view()


def evaluate_document(doc: dict[str, Any], level: str | None = None) -> dict[str, list[Violation]]:
    """:func:`evaluate_pss` for a plain manifest document; ``{}`` when it holds no pod template."""
    view = view_of_document(doc)
    return evaluate_pss(view, level) if view is not None else {}
