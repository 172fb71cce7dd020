"""Pod Security Standards rules SW-PSS-001..019: one rule per pod-security-admission check id.

The checks themselves live in :mod:`seawall.rules.workload.pss_checks` (pure functions with PSA's
exact semantics, also used by the posture summary and the admission-policy work through
:func:`evaluate_pss`). This module only declares each check's metadata — severity, NIST SP 800-190
mapping, the same check's id in the peer tools, and the YAML that fixes it — and registers it as a
``pod`` rule, so ``seawall rules list`` and every finding carry ``references.pss`` = the PSA id.

Every PSS rule is tagged ``posture:restricted`` (a pod failing any baseline or restricted check
fails the restricted level); ``runAsNonRoot``/``runAsUser`` also feed "may run as root" and
``privileged`` feeds "privileged".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from seawall.inventory.k8s import PodSpecView
from seawall.rules.registry import CheckFn as RuleCheckFn
from seawall.rules.registry import Violation, rule
from seawall.rules.workload.pss_checks import (
    BASELINE,
    CHECKS,
    CHECKS_BY_ID,
    RESTRICTED,
    CheckFn,
    allowed,
    checks_for_level,
    evaluate_document,
    evaluate_pss,
    failing_checks,
    view_of_document,
)

__all__ = [
    "BASELINE",
    "PSS_RULE_IDS",
    "RESTRICTED",
    "RULES",
    "allowed",
    "checks_for_level",
    "evaluate_document",
    "evaluate_pss",
    "failing_checks",
    "view_of_document",
]

RUNTIME = ("3.4.3",)
RUNTIME_CM = ("4.4.3",)
HOST_FS = ("3.4.3", "3.5.5")
HOST_FS_CM = ("4.4.3", "4.5.5")


@dataclass(frozen=True, slots=True)
class PssRuleSpec:
    id: str
    check: str
    title: str
    severity: str
    description: str
    remediation: str
    tools: dict[str, str | tuple[str, ...]]
    risk: tuple[str, ...] = RUNTIME
    countermeasure: tuple[str, ...] = RUNTIME_CM
    extra_tags: tuple[str, ...] = ()
    cis: tuple[str, ...] = field(default=())


RULES: tuple[PssRuleSpec, ...] = (
    PssRuleSpec(
        "SW-PSS-001",
        "hostNamespaces",
        "Pod shares the host network, PID or IPC namespace",
        "high",
        """hostNetwork, hostPID or hostIPC set to true gives the pod the node's namespace: it can see
        and signal every process on the node, sniff node traffic and reach services bound to the
        node's loopback. PSS baseline forbids all three.""",
        """spec:
  hostNetwork: false   # or remove the field
  hostPID: false
  hostIPC: false""",
        {
            "checkov": ("CKV_K8S_19", "CKV_K8S_17", "CKV_K8S_18"),
            "kubescape": ("C-0041", "C-0038"),
            "kube-linter": ("host-network", "host-pid", "host-ipc"),
            "trivy": ("KSV-0009", "KSV-0010", "KSV-0008"),
            "polaris": ("hostNetworkSet", "hostPIDSet", "hostIPCSet"),
            "kubesec": ("HostNetwork", "HostPID", "HostIPC"),
        },
        cis=("5.2.3", "5.2.4", "5.2.5"),
    ),
    PssRuleSpec(
        "SW-PSS-002",
        "privileged",
        "Privileged container",
        "critical",
        """A privileged container has every capability, all host devices and no seccomp/AppArmor
        confinement: root in it is root on the node. PSS baseline forbids
        securityContext.privileged=true on every container, init container and ephemeral
        container.""",
        """spec:
  containers:
    - name: app
      securityContext:
        privileged: false   # or remove the field""",
        {
            "checkov": "CKV_K8S_16",
            "kubescape": "C-0057",
            "kube-linter": "privileged-container",
            "trivy": "KSV-0017",
            "polaris": "runAsPrivileged",
            "kubesec": "Privileged",
        },
        extra_tags=("posture:privileged",),
        cis=("5.2.2",),
    ),
    PssRuleSpec(
        "SW-PSS-003",
        "capabilities_baseline",
        "Container adds a capability outside the PSS baseline set",
        "high",
        """PSS baseline lets a container add only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID,
        KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT (the
        container runtime's defaults). Anything else (NET_RAW, SYS_ADMIN, ...) widens the kernel
        attack surface. Names are compared exactly: CAP_ prefixes or lower case do not match.""",
        """spec:
  containers:
    - name: app
      securityContext:
        capabilities:
          drop: ["ALL"]
          add: ["NET_BIND_SERVICE"]   # only what the app needs, from the baseline set""",
        {
            "checkov": "CKV_K8S_25",
            "kubescape": ("C-0200", "C-0219"),
            "trivy": "KSV-0022",
            "polaris": "insecureCapabilities",
        },
        cis=("5.2.9",),
    ),
    PssRuleSpec(
        "SW-PSS-004",
        "hostPathVolumes",
        "Pod mounts a hostPath volume",
        "high",
        """A hostPath volume exposes the node's filesystem to the pod; writable mounts of /, /etc,
        /var/lib/kubelet or runtime sockets are a direct path to node takeover. PSS baseline
        forbids every hostPath volume.""",
        """spec:
  volumes:
    - name: data
      persistentVolumeClaim:   # or emptyDir / configMap / secret instead of hostPath
        claimName: data""",
        {
            "kubescape": ("C-0048", "C-0203"),
            "trivy": "KSV-0023",
            "polaris": "hostPathSet",
        },
        risk=HOST_FS,
        countermeasure=HOST_FS_CM,
        cis=("5.2.12",),
    ),
    PssRuleSpec(
        "SW-PSS-005",
        "hostPorts",
        "Container binds a host port",
        "medium",
        """hostPort binds the container port on the node's network interfaces, bypassing Services
        and NetworkPolicies and pinning the pod to nodes where the port is free. PSS baseline
        forbids any non-zero hostPort (there is no allowed range).""",
        """spec:
  containers:
    - name: app
      ports:
        - containerPort: 8080   # remove hostPort; expose through a Service""",
        {
            "checkov": "CKV_K8S_26",
            "kubescape": ("C-0044", "C-0204"),
            "trivy": "KSV-0024",
            "polaris": "hostPortSet",
        },
        cis=("5.2.13",),
    ),
    PssRuleSpec(
        "SW-PSS-006",
        "appArmorProfile",
        "AppArmor profile overridden or disabled",
        "medium",
        """PSS baseline forbids disabling AppArmor: securityContext.appArmorProfile.type (pod or
        container) must be RuntimeDefault or Localhost, and the deprecated
        container.apparmor.security.beta.kubernetes.io/* annotations must be runtime/default,
        localhost/<profile> or empty.""",
        """spec:
  securityContext:
    appArmorProfile:
      type: RuntimeDefault   # remove "Unconfined" and any unconfined AppArmor annotation""",
        {
            "trivy": "KSV-0002",
            "kubesec": "ApparmorUnconfined",
        },
    ),
    PssRuleSpec(
        "SW-PSS-007",
        "seLinuxOptions",
        "Custom SELinux user, role or type",
        "medium",
        """Setting seLinuxOptions.user or .role, or a type other than container_t, container_init_t,
        container_kvm_t or container_engine_t, can lift the SELinux confinement of the container.
        PSS baseline forbids it at pod and container level.""",
        """spec:
  securityContext:
    seLinuxOptions:
      type: container_t   # remove user and role""",
        {"trivy": "KSV-0025"},
    ),
    PssRuleSpec(
        "SW-PSS-008",
        "procMount",
        "Unmasked /proc mount",
        "high",
        """procMount: Unmasked removes the kernel's masking of sensitive /proc paths. PSS baseline
        requires procMount Default or unset, except for user-namespace pods (hostUsers: false),
        where the baseline level allows any value since policy 1.35.""",
        """spec:
  containers:
    - name: app
      securityContext:
        procMount: Default   # or remove the field""",
        {
            "kube-linter": "unsafe-proc-mount",
            "trivy": "KSV-0027",
            "polaris": "procMount",
        },
    ),
    PssRuleSpec(
        "SW-PSS-009",
        "seccompProfile_baseline",
        "Seccomp explicitly Unconfined",
        "medium",
        """PSS baseline forbids disabling seccomp: securityContext.seccompProfile.type (pod or
        container) must be RuntimeDefault or Localhost when set.""",
        """spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault   # never Unconfined""",
        {
            "trivy": "KSV-0104",
            "kubesec": "SeccompUnconfined",
        },
    ),
    PssRuleSpec(
        "SW-PSS-010",
        "sysctls",
        "Unsafe sysctl",
        "high",
        """Only namespaced, isolated sysctls are safe (kernel.shm_rmid_forced,
        net.ipv4.ip_local_port_range, ip_local_reserved_ports, ip_unprivileged_port_start,
        ping_group_range, tcp_syncookies, tcp_keepalive_time/intvl/probes, tcp_fin_timeout,
        tcp_rmem, tcp_wmem, tcp_slow_start_after_idle, tcp_notsent_lowat). Any other sysctl can
        disable security mechanisms or affect every pod on the node.""",
        """spec:
  securityContext:
    sysctls:
      - name: net.ipv4.ip_local_port_range   # keep only sysctls from the safe list
        value: "1024 65535"
""",
        {
            "kube-linter": "unsafe-sysctls",
            "trivy": "KSV-0026",
        },
    ),
    PssRuleSpec(
        "SW-PSS-011",
        "windowsHostProcess",
        "Windows HostProcess container",
        "critical",
        """A Windows HostProcess container runs directly on the host with the node's network and
        full access to the host: the Windows equivalent of a privileged container. PSS baseline
        forbids windowsOptions.hostProcess=true.""",
        """spec:
  securityContext:
    windowsOptions:
      hostProcess: false   # or remove the field, here and on every container""",
        {
            "kubescape": "C-0202",
            "trivy": "KSV-0103",
            "polaris": "hostProcess",
        },
        cis=("5.2.11",),
    ),
    PssRuleSpec(
        "SW-PSS-012",
        "hostProbesAndHostLifecycle",
        "Probe or lifecycle hook targets another host",
        "medium",
        """A probe or lifecycle handler (httpGet/tcpSocket) with a host makes the kubelet connect to
        an arbitrary address from the node, which can reach node-local or internal services
        (server-side request forgery). PSS baseline (policy 1.34+) forbids any non-empty host on
        liveness/readiness/startup probes and postStart/preStop handlers.""",
        """spec:
  containers:
    - name: app
      livenessProbe:
        httpGet:
          path: /healthz
          port: 8080   # remove "host": the kubelet then probes the pod IP""",
        {},
    ),
    PssRuleSpec(
        "SW-PSS-013",
        "restrictedVolumes",
        "Volume type outside the PSS restricted allow-list",
        "medium",
        """PSS restricted admits only configMap, csi, downwardAPI, emptyDir, ephemeral, image,
        persistentVolumeClaim, projected and secret volumes. Other in-tree types (hostPath, nfs,
        iscsi, rbd, gitRepo, ...) bypass PersistentVolume access control or touch the node.""",
        """spec:
  volumes:
    - name: data
      persistentVolumeClaim:   # use a PVC (or configMap/secret/emptyDir/projected/csi/ephemeral/image)
        claimName: data""",
        {"trivy": "KSV-0028"},
        risk=HOST_FS,
        countermeasure=HOST_FS_CM,
    ),
    PssRuleSpec(
        "SW-PSS-014",
        "allowPrivilegeEscalation",
        "Privilege escalation not disabled",
        "medium",
        """Unless allowPrivilegeEscalation is explicitly false, a process can gain more privileges
        than its parent (setuid binaries, file capabilities). PSS restricted requires false on every
        container; Windows pods are exempt.""",
        """spec:
  containers:
    - name: app
      securityContext:
        allowPrivilegeEscalation: false""",
        {
            "checkov": "CKV_K8S_20",
            "kubescape": "C-0016",
            "kube-linter": "privilege-escalation-container",
            "trivy": "KSV-0001",
            "polaris": "privilegeEscalationAllowed",
            "kubesec": "AllowPrivilegeEscalation",
        },
        cis=("5.2.6",),
    ),
    PssRuleSpec(
        "SW-PSS-015",
        "runAsNonRoot",
        "Container may run as root",
        "medium",
        """PSS restricted requires runAsNonRoot: true at pod level (unless a container sets false)
        or on every container, so the kubelet refuses to start an image whose user is root. Pods
        in a user namespace (hostUsers: false) are exempt since policy 1.35.""",
        """spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001   # a non-zero UID the image can run as""",
        {
            "checkov": "CKV_K8S_23",
            "kubescape": "C-0013",
            "kube-linter": "run-as-non-root",
            "trivy": "KSV-0012",
            "polaris": "runAsRootAllowed",
            "kubesec": "RunAsNonRoot",
        },
        risk=("3.4.3", "3.1.2"),
        countermeasure=("4.4.3", "4.1.2"),
        extra_tags=("posture:root",),
        cis=("5.2.7",),
    ),
    PssRuleSpec(
        "SW-PSS-016",
        "runAsUser",
        "Container explicitly runs as UID 0",
        "high",
        """runAsUser: 0 at pod or container level runs the process as root. PSS restricted forbids
        it; pods in a user namespace (hostUsers: false) are exempt since policy 1.35.""",
        """spec:
  securityContext:
    runAsUser: 10001   # any non-zero UID
    runAsNonRoot: true""",
        {
            "kubescape": "C-0013",
            "kube-linter": "run-as-non-root",
            "trivy": "KSV-0105",
        },
        risk=("3.4.3", "3.1.2"),
        countermeasure=("4.4.3", "4.1.2"),
        extra_tags=("posture:root",),
    ),
    PssRuleSpec(
        "SW-PSS-017",
        "seccompProfile_restricted",
        "Seccomp profile not set to RuntimeDefault or Localhost",
        "medium",
        """PSS restricted requires seccompProfile.type RuntimeDefault or Localhost, at pod level or
        on every container, and never Unconfined. Without it most runtimes run the container
        unconfined. Windows pods are exempt.""",
        """spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault""",
        {
            "checkov": "CKV_K8S_31",
            "kubescape": "C-0210",
            "trivy": "KSV-0030",
            "kubesec": "SeccompAny",
        },
        cis=("5.7.2",),
    ),
    PssRuleSpec(
        "SW-PSS-018",
        "capabilities_restricted",
        "Capabilities not dropped (drop ALL) or more than NET_BIND_SERVICE added",
        "medium",
        """PSS restricted requires every container to drop ALL capabilities and add back at most
        NET_BIND_SERVICE. Dropping each capability by name does not count. Windows pods are
        exempt.""",
        """spec:
  containers:
    - name: app
      securityContext:
        capabilities:
          drop: ["ALL"]
          add: ["NET_BIND_SERVICE"]   # optional; nothing else""",
        {
            "checkov": "CKV_K8S_37",
            "kubescape": ("C-0201", "C-0220"),
            "trivy": ("KSV-0003", "KSV-0106"),
            "kubesec": "CapDropAll",
        },
        cis=("5.2.10",),
    ),
    PssRuleSpec(
        "SW-PSS-019",
        "procMount_restricted",
        "Unmasked /proc mount (restricted, also for user-namespace pods)",
        "medium",
        """The restricted level (policy 1.35+) requires procMount Default or unset on every
        container even for pods with hostUsers: false, which the baseline procMount check
        relaxes.""",
        """spec:
  containers:
    - name: app
      securityContext:
        procMount: Default   # or remove the field""",
        {
            "kube-linter": "unsafe-proc-mount",
            "trivy": "KSV-0027",
            "polaris": "procMount",
        },
    ),
)

PSS_RULE_IDS: dict[str, str] = {spec.check: spec.id for spec in RULES}


def _make_check(check: CheckFn) -> RuleCheckFn:
    def run(view: PodSpecView, _ctx: object = None) -> Iterable[Violation]:
        return check(view)

    return run


def _register() -> None:
    if {s.check for s in RULES} != {c.id for c in CHECKS} or len(RULES) != len(CHECKS):
        raise RuntimeError("every pod-security-admission check needs exactly one SW-PSS rule")
    for spec in RULES:
        check = CHECKS_BY_ID[spec.check]
        fn = _make_check(check.fn)
        fn.__name__ = fn.__qualname__ = f"pss_{spec.check}"
        rule(
            id=spec.id,
            title=spec.title,
            severity=spec.severity,
            category="workload",
            description=spec.description,
            remediation=spec.remediation,
            risk=spec.risk,
            countermeasure=spec.countermeasure,
            target="pod",
            pss=spec.check,
            pss_level=check.level,
            tools=dict(spec.tools),
            cis=spec.cis,
            tags=("posture:restricted", *spec.extra_tags),
        )(fn)


_register()
