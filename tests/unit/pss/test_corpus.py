"""The PSS checks against the real pass/fail fixtures of Kyverno and Trivy in ../shared/corpus/k8s.

Kyverno's ``pod-security/{baseline,restricted}/<policy>`` policies each implement one PSS control
(``.kyverno-test/kyverno-test.yaml`` lists pass/fail per resource and per policy rule;
``.chainsaw-test/*good*.yaml`` must be admitted, ``*bad*.yaml`` rejected). Its
``subrule/`` policies use Kyverno's ``podSecurity`` subrule, which embeds pod-security-admission
itself at level restricted or baseline, "latest". Trivy's ``checks/kubernetes/<check>.yaml`` hold
good/bad manifests for the KSV check of the same name. Polaris' ``test/checks/<check>/`` hold
``success*``/``failure*`` manifests for its checks that match a PSS control; checkov's
``tests/kubernetes/checks/example_<Check>/*-PASSED|FAILED.yaml`` likewise.

We must agree with all of them, except where a tool deliberately differs from PSA's semantics.
Those cases are listed one by one, with the reason, in ``KYVERNO_EXCEPTIONS``,
``TRIVY_EXCEPTIONS``, ``POLARIS_EXCEPTIONS`` and ``CHECKOV_EXCEPTIONS``; the tests fail if an
exception stops being needed (so the lists stay exact).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pss_testlib import fails, load_docs, obj_from_doc, view_of

from seawall.inventory.k8s import PodSpecView
from seawall.rules.registry import Violation
from seawall.rules.workload.pss import evaluate_pss

Skip = Callable[[PodSpecView, str, str], bool]
ViolationFilter = Callable[[Violation], bool]


@dataclass(frozen=True)
class KyvernoPolicy:
    """How one Kyverno policy maps onto PSA checks."""

    path: str
    checks: frozenset[str] | None = None  # None: all checks of ``level``
    level: str | None = None
    rules: dict[str, ViolationFilter] | None = None  # per Kyverno rule: which violations count
    skip: Skip | None = None


def _is_add(v: Violation) -> bool:
    return "/capabilities/add/" in v.pointer


def _image_exempt(checks: set[str], patterns: tuple[str, ...]) -> Skip:
    def skip(view: PodSpecView, check: str, container: str) -> bool:
        if check not in checks:
            return False
        images = {c.name: c.image for c in view.containers()}
        return any(fnmatch.fnmatch(images.get(container, ""), p) for p in patterns)

    return skip


SECCOMP = {"seccompProfile_baseline", "seccompProfile_restricted"}
CAPS = {"capabilities_baseline", "capabilities_restricted"}

KYVERNO: tuple[KyvernoPolicy, ...] = (
    KyvernoPolicy("baseline/disallow-capabilities", frozenset({"capabilities_baseline"})),
    KyvernoPolicy("baseline/disallow-host-namespaces", frozenset({"hostNamespaces"})),
    KyvernoPolicy("baseline/disallow-host-path", frozenset({"hostPathVolumes"})),
    KyvernoPolicy("baseline/disallow-host-ports", frozenset({"hostPorts"})),
    KyvernoPolicy("baseline/disallow-host-ports-range", frozenset({"hostPorts"})),
    KyvernoPolicy("baseline/disallow-host-process", frozenset({"windowsHostProcess"})),
    KyvernoPolicy("baseline/disallow-privileged-containers", frozenset({"privileged"})),
    KyvernoPolicy("baseline/disallow-proc-mount", frozenset({"procMount"})),
    KyvernoPolicy("baseline/disallow-selinux", frozenset({"seLinuxOptions"})),
    KyvernoPolicy("baseline/restrict-apparmor-profiles", frozenset({"appArmorProfile"})),
    KyvernoPolicy("baseline/restrict-seccomp", frozenset({"seccompProfile_baseline"})),
    KyvernoPolicy("baseline/restrict-sysctls", frozenset({"sysctls"})),
    KyvernoPolicy(
        "restricted/disallow-capabilities-strict",
        frozenset(CAPS),
        # two Kyverno rules, each one half of PSA's capabilities_restricted
        rules={
            "adding-capabilities-strict": _is_add,
            "require-drop-all": lambda v: not _is_add(v),
        },
    ),
    KyvernoPolicy("restricted/disallow-privilege-escalation", frozenset({"allowPrivilegeEscalation"})),
    KyvernoPolicy("restricted/require-run-as-non-root-user", frozenset({"runAsUser"})),
    KyvernoPolicy("restricted/require-run-as-nonroot", frozenset({"runAsNonRoot"})),
    KyvernoPolicy("restricted/restrict-seccomp-strict", frozenset({"seccompProfile_restricted"})),
    KyvernoPolicy("restricted/restrict-volume-types", frozenset({"restrictedVolumes"})),
    KyvernoPolicy("subrule/restricted/restricted-latest", level="restricted"),
    KyvernoPolicy("subrule/podsecurity-subrule-baseline", level="baseline"),
    # The two subrule policies with exclusions: the policy files themselves are not in the corpus,
    # so the exclusion (control + image patterns) is inferred from which fixtures Kyverno admits.
    KyvernoPolicy(
        "subrule/restricted/restricted-exclude-seccomp", level="restricted", skip=_image_exempt(SECCOMP, ("*",))
    ),
    KyvernoPolicy(
        "subrule/restricted/restricted-exclude-capabilities",
        level="restricted",
        skip=_image_exempt(CAPS, ("ghcr.io/kyverno/test-nginx*", "redis*")),
    ),
)

_HOST_PORT_RANGE = "PSA forbids every non-zero hostPort; Kyverno's -range policy admits ports 5000-6000"
_PROC_MOUNT_USERNS = (
    "hostUsers: false: PSA baseline (policy 1.35+) allows any procMount in a user namespace; "
    "Kyverno still rejects Unmasked (our procMount_restricted does too)"
)
_SELINUX_ENGINE = "PSA allows seLinuxOptions.type container_engine_t since policy 1.31; Kyverno's policy does not"

#: (policy dir, file, resource name) -> why PSA's verdict differs from Kyverno's expectation.
KYVERNO_EXCEPTIONS: dict[tuple[str, str, str], str] = {
    **{
        ("baseline/disallow-host-ports-range", "kyverno-test", name): _HOST_PORT_RANGE
        for name in [
            *(f"goodpod{n:02d}" for n in (2, 3, 5, 6, 8, 9, 10)),
            *(f"gooddeployment{n:02d}" for n in (2, 3, 5, 6, 8, 9, 10)),
            *(f"goodcronjob{n:02d}" for n in (2, 3, 5, 6, 8, 9, 10)),
        ]
    },
    **{
        ("baseline/disallow-host-ports-range", "pod-good.yaml", name): _HOST_PORT_RANGE
        for name in ["goodpod02-new", "goodpod04-new", *(f"goodpod{n:02d}" for n in (2, 3, 5, 6, 8, 9, 10))]
    },
    **{
        ("baseline/disallow-host-ports-range", "podcontroller-good.yaml", name): _HOST_PORT_RANGE
        for name in [
            "gooddeployment01-new",
            "goodcronjob01-new",
            *(f"gooddeployment{n:02d}" for n in (2, 3, 5, 6, 8, 9, 10)),
            *(f"goodcronjob{n:02d}" for n in (2, 3, 5, 6, 8, 9, 10)),
        ]
    },
    **{("baseline/disallow-proc-mount", "pod-bad.yaml", f"badpod0{n}"): _PROC_MOUNT_USERNS for n in range(1, 6)},
    **{
        ("baseline/disallow-selinux", "pod-bad.yaml", name): _SELINUX_ENGINE
        for name in ("badpod01-new", "badpod03-new", "badpod04-new")
    },
    **{
        ("baseline/disallow-selinux", "podcontroller-bad.yaml", name): _SELINUX_ENGINE
        for name in ("baddeployment01-new", "badcronjob01-new")
    },
}

KYVERNO_ROOT = ("corpus", "k8s", "kyverno-policies", "pod-security")


def _verdict(doc: dict[str, Any], policy: KyvernoPolicy, rule: str | None = None) -> str:
    if rule is not None and policy.rules is not None:
        view = view_of(doc)
        keep = policy.rules[rule]
        res = evaluate_pss(view)
        hits = [v for cid in sorted(policy.checks or ()) for v in res[cid] if keep(v)]
        return "fail" if hits else "pass"
    return "fail" if fails(doc, policy.checks, policy.level, policy.skip) else "pass"


def _kyverno_cases(shared: Path) -> list[tuple[KyvernoPolicy, str, str, str, str]]:
    """(policy, file tag, resource name, expected, ours) for every fixture of every policy."""
    out = []
    for policy in KYVERNO:
        base = shared.joinpath(*KYVERNO_ROOT, policy.path)
        assert base.is_dir(), base
        test_file = base / ".kyverno-test" / "kyverno-test.yaml"
        if test_file.is_file():
            spec = yaml.safe_load(test_file.read_text(encoding="utf-8"))
            expected: dict[tuple[str, str], dict[str, str]] = {}
            for r in spec["results"]:
                for name in r["resources"]:
                    expected.setdefault((r["kind"], name), {})[r["rule"]] = r["result"]
            docs = {(d["kind"], d["metadata"]["name"]): d for d in load_docs(base / ".kyverno-test" / "resource.yaml")}
            for key, by_rule in sorted(expected.items()):
                assert key in docs, (policy.path, key)
                for rule, want in sorted(by_rule.items()):
                    got = _verdict(docs[key], policy, rule if policy.rules else None)
                    out.append((policy, "kyverno-test", key[1], want, got))
        for f in sorted((base / ".chainsaw-test").glob("*.yaml")):
            want = "fail" if "bad" in f.name else "pass"
            for doc in load_docs(f):
                if policy.rules:
                    got = "fail" if any(_verdict(doc, policy, r) == "fail" for r in policy.rules) else "pass"
                else:
                    got = _verdict(doc, policy)
                out.append((policy, f.name, doc["metadata"]["name"], want, got))
    return out


def test_kyverno_pod_security_fixtures(shared_dir: Path) -> None:
    cases = _kyverno_cases(shared_dir)
    assert len(cases) > 2000  # every fixture was read
    used: set[tuple[str, str, str]] = set()
    wrong = []
    for policy, tag, name, want, got in cases:
        key = (policy.path, tag, name)
        if key in KYVERNO_EXCEPTIONS:
            used.add(key)
            assert got != want, f"exception no longer needed: {key}"
            continue
        if got != want:
            wrong.append(f"{policy.path} {tag} {name}: expected {want}, seawall says {got}")
    assert wrong == []
    assert used == set(KYVERNO_EXCEPTIONS), sorted(set(KYVERNO_EXCEPTIONS) - used)


def test_kyverno_exceptions_are_really_psa_semantics(shared_dir: Path) -> None:
    """Each exception category is backed by the PSA rule it cites, not by a bug of ours."""
    base = shared_dir.joinpath(*KYVERNO_ROOT)
    for doc in load_docs(base / "baseline/disallow-proc-mount/.chainsaw-test/pod-bad.yaml"):
        view = view_of(doc)
        assert doc["spec"].get("hostUsers") is False
        res = evaluate_pss(view)
        assert res["procMount"] == [] and res["procMount_restricted"], doc["metadata"]["name"]
    for fname in ("pod-bad.yaml", "podcontroller-bad.yaml"):
        for doc in load_docs(base / "baseline/disallow-selinux/.chainsaw-test" / fname):
            if ("baseline/disallow-selinux", fname, doc["metadata"]["name"]) in KYVERNO_EXCEPTIONS:
                assert "container_engine_t" in yaml.safe_dump(doc)
    for doc in load_docs(base / "baseline/disallow-host-ports-range/.kyverno-test/resource.yaml"):
        key = ("baseline/disallow-host-ports-range", "kyverno-test", doc["metadata"]["name"])
        if key in KYVERNO_EXCEPTIONS:
            ports = [v.evidence for v in evaluate_pss(view_of(doc))["hostPorts"]]
            assert ports and all(5000 <= int(p) <= 6000 for p in ports), (key, ports)


# -- Trivy --------------------------------------------------------------------------------------

TRIVY: dict[str, frozenset[str]] = {
    "privileged": frozenset({"privileged"}),
    "host_ipc": frozenset({"hostNamespaces"}),
    "host_network": frozenset({"hostNamespaces"}),
    "host_pid": frozenset({"hostNamespaces"}),
    "access_to_host_ports": frozenset({"hostPorts"}),
    "apparmor_policy_disabled": frozenset({"appArmorProfile"}),
    "can_elevate_its_own_privileges": frozenset({"allowPrivilegeEscalation"}),
    "capabilities_no_drop_all": frozenset({"capabilities_restricted"}),
    "specific_capabilities_added": frozenset({"capabilities_baseline"}),
    "SYS_ADMIN_capability": frozenset({"capabilities_baseline"}),
    "hostpath_volumes_mounted": frozenset({"hostPathVolumes"}),
    "non_core_volume_types": frozenset({"restrictedVolumes"}),
    "non_default_proc_masks_set": frozenset({"procMount"}),
    "runs_as_root": frozenset({"runAsNonRoot"}),
    "runtime_default_seccomp_profile_not_set": frozenset({"seccompProfile_restricted"}),
    "selinux_custom_options_set": frozenset({"seLinuxOptions"}),
    "unsafe_sysctl_options_set": frozenset({"sysctls"}),
}

#: (trivy file stem, "good"|"bad", index) -> why PSA's verdict differs from Trivy's.
TRIVY_EXCEPTIONS: dict[tuple[str, str, int], str] = {
    ("capabilities_no_drop_all", "good", 0): (
        'drop: ["all"] - Trivy KSV-0003 compares case-insensitively; PSA requires the exact '
        'string "ALL" (a lower-case "all" is rejected by capabilities_restricted)'
    ),
    ("specific_capabilities_added", "bad", 0): (
        "add: [NET_BIND_SERVICE] - Trivy KSV-0022 flags any added capability; PSA baseline allows "
        "the 13 default runtime capabilities, NET_BIND_SERVICE among them"
    ),
}


def test_trivy_pss_checks(shared_dir: Path) -> None:
    root = shared_dir / "corpus" / "k8s" / "trivy-checks" / "checks" / "kubernetes"
    used = set()
    wrong = []
    total = 0
    for stem, checks in TRIVY.items():
        data = yaml.safe_load((root / f"{stem}.yaml").read_text(encoding="utf-8"))["kubernetes"]
        for tag in ("good", "bad"):
            for i, text in enumerate(data.get(tag) or []):
                docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
                assert docs, (stem, tag, i)
                verdicts = {"fail" if fails(d, checks) else "pass" for d in docs}
                got = "fail" if "fail" in verdicts else "pass"
                want = "pass" if tag == "good" else "fail"
                total += 1
                if (stem, tag, i) in TRIVY_EXCEPTIONS:
                    used.add((stem, tag, i))
                    assert got != want, f"exception no longer needed: {stem} {tag}[{i}]"
                elif got != want:
                    wrong.append(f"{stem} {tag}[{i}]: expected {want}, seawall says {got}")
    assert total >= 34
    assert wrong == []
    assert used == set(TRIVY_EXCEPTIONS)


@pytest.mark.parametrize("stem", ["capabilities_no_drop_all", "specific_capabilities_added"])
def test_trivy_exceptions_are_really_psa_semantics(shared_dir: Path, stem: str) -> None:
    root = shared_dir / "corpus" / "k8s" / "trivy-checks" / "checks" / "kubernetes"
    data = yaml.safe_load((root / f"{stem}.yaml").read_text(encoding="utf-8"))["kubernetes"]
    tag = "good" if stem == "capabilities_no_drop_all" else "bad"
    doc = next(d for d in yaml.safe_load_all(data[tag][0]) if isinstance(d, dict))
    caps = doc["spec"]["containers"][0]["securityContext"]["capabilities"]
    if stem == "capabilities_no_drop_all":
        assert caps["drop"] == ["all"]
    else:
        assert caps["add"] == ["NET_BIND_SERVICE"]


def test_pod_security_admission_corpus_is_absent(shared_dir: Path) -> None:
    """The issue names ../shared/corpus/k8s/pod-security-admission/; it was never added. If it
    appears, this test fails so that someone wires it into these tests."""
    assert not (shared_dir / "corpus" / "k8s" / "pod-security-admission").exists()


# -- Polaris ------------------------------------------------------------------------------------

POLARIS: dict[str, frozenset[str]] = {
    "hostIPCSet": frozenset({"hostNamespaces"}),
    "hostPIDSet": frozenset({"hostNamespaces"}),
    "hostNetworkSet": frozenset({"hostNamespaces"}),
    "hostPortSet": frozenset({"hostPorts"}),
    "hostPathSet": frozenset({"hostPathVolumes"}),
    "hostProcess": frozenset({"windowsHostProcess"}),
    "runAsPrivileged": frozenset({"privileged"}),
    "procMount": frozenset({"procMount"}),
    "privilegeEscalationAllowed": frozenset({"allowPrivilegeEscalation"}),
    "runAsRootAllowed": frozenset({"runAsNonRoot"}),
    "insecureCapabilities": frozenset({"capabilities_baseline"}),
}

_POLARIS_DROP = (
    "Polaris insecureCapabilities also fails containers that do not *drop* the runtime's default "
    "insecure capabilities (NET_RAW, CHOWN, ...); PSA baseline only limits what is *added*"
)
POLARIS_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("insecureCapabilities", "failure.yaml"): _POLARIS_DROP,
    ("insecureCapabilities", "failure.pod.yaml"): _POLARIS_DROP,
    ("insecureCapabilities", "failure.drop-most.yaml"): _POLARIS_DROP,
}


def test_polaris_pss_checks(shared_dir: Path) -> None:
    root = shared_dir / "corpus" / "k8s" / "polaris" / "test" / "checks"
    used = set()
    wrong = []
    for check_dir, checks in POLARIS.items():
        files = [f for f in sorted((root / check_dir).glob("*.y*ml")) if f.name.startswith(("success", "failure"))]
        assert files, check_dir
        for f in files:
            want = "fail" if f.name.startswith("failure") else "pass"
            docs = [d for d in load_docs(f) if view_of_or_none(d) is not None]
            assert docs, f
            got = "fail" if any(fails(d, checks) for d in docs) else "pass"
            key = (check_dir, f.name)
            if key in POLARIS_EXCEPTIONS:
                used.add(key)
                assert got != want, f"exception no longer needed: {key}"
                # and nothing is added beyond the baseline set: PSA really admits it
                assert all(not fails(d, {"capabilities_baseline"}) for d in docs)
            elif got != want:
                wrong.append(f"{check_dir}/{f.name}: expected {want}, seawall says {got}")
    assert wrong == []
    assert used == set(POLARIS_EXCEPTIONS)


def view_of_or_none(doc: dict[str, Any]) -> PodSpecView | None:
    return obj_from_doc(doc).pod_view()


# -- Checkov ------------------------------------------------------------------------------------

CHECKOV: dict[str, frozenset[str]] = {
    "example_PrivilegedContainers": frozenset({"privileged"}),  # CKV_K8S_16
    "example_AllowPrivilegeEscalation": frozenset({"allowPrivilegeEscalation"}),  # CKV_K8S_20
    "example_HostPort": frozenset({"hostPorts"}),  # CKV_K8S_26
    "example_ShareHost": frozenset({"hostNamespaces"}),  # CKV_K8S_17/18/19
    "example_RootContainers": frozenset({"runAsNonRoot"}),  # CKV_K8S_23
    "example_Seccomp": frozenset({"seccompProfile_restricted"}),  # CKV_K8S_31
    "example_DropCapabilities": frozenset({"capabilities_restricted"}),  # CKV_K8S_28 / _37
    "example_AllowedCapabilities": frozenset({"capabilities_baseline"}),  # CKV_K8S_25
    "example_AllowedCapabilitiesSysAdmin": frozenset({"capabilities_baseline"}),  # CKV_K8S_39
}

_CKV_MALFORMED = "malformed manifest the API server rejects (PSA never sees it); checkov fails it, we see no container"
_CKV_SECCOMP_ANNOTATION = (
    "only the seccomp.security.alpha.kubernetes.io annotation is set: checkov still reads it; PSA "
    "reads the annotation only for policies < 1.19, at latest the seccompProfile field is required"
)
_CKV_RUN_AS_USER = "runAsUser > 0 without runAsNonRoot: checkov accepts it; PSA's runAsNonRoot requires the field"
#: (checkov dir, file, document name) -> why PSA's verdict differs from checkov's file tag.
CHECKOV_EXCEPTIONS: dict[tuple[str, str, str], str] = {
    ("example_AllowedCapabilitiesSysAdmin", "pod-FAILED2.yaml", "security-context-demo-1"): _CKV_MALFORMED,
    ("example_RootContainers", "rootContainersFAILED-malformed-spec.yaml", "pod1"): _CKV_MALFORMED,
    ("example_RootContainers", "rootContainersPASSED.yaml", "pod3"): (
        "pod runAsNonRoot: false overridden to true by every container: checkov accepts it; PSA "
        "rejects any explicit runAsNonRoot=false, even at pod level"
    ),
    ("example_RootContainers", "rootContainersPASSED.yaml", "pod4"): _CKV_RUN_AS_USER,
    ("example_RootContainers", "rootContainersPASSED.yaml", "pod5"): _CKV_RUN_AS_USER,
    ("example_DropCapabilities", "pod-drop-NET_RAW-capabilities-PASSED.yaml", "pod-drop-net-raw-capability"): (
        "checkov CKV_K8S_28 only wants NET_RAW dropped; PSA restricted wants drop: [ALL]"
    ),
    ("example_DropCapabilities", "pod-drop-all-capabilities-PASSED2.yaml", "pod-drop-all-capability"): (
        'drop: [all] - checkov compares case-insensitively; PSA needs the exact string "ALL"'
    ),
    ("example_Seccomp", "cronjob-seccomp-PASSED.yaml", "cronjob-passed"): _CKV_SECCOMP_ANNOTATION,
    ("example_Seccomp", "pod-seccomp-PASSED.yaml", "seccomp-passed-metadata-annotations-docker"): (
        _CKV_SECCOMP_ANNOTATION
    ),
    ("example_Seccomp", "pod-seccomp-PASSED2.yaml", "seccomp-passed-metadata-annotations-runtime"): (
        _CKV_SECCOMP_ANNOTATION
    ),
    ("example_Seccomp", "pod-seccomp-PASSED6.yaml", "seccomp-passed-metadata-annotations"): _CKV_SECCOMP_ANNOTATION,
}


def test_checkov_pss_checks(shared_dir: Path) -> None:
    root = shared_dir / "corpus" / "k8s" / "checkov" / "tests" / "kubernetes" / "checks"
    used = set()
    wrong = []
    total = 0
    for check_dir, checks in CHECKOV.items():
        for f in sorted((root / check_dir).glob("*.y*ml")):
            if "FAILED" in f.name:
                want = "fail"
            elif "PASSED" in f.name:
                want = "pass"
            else:
                continue  # UNKNOWN / template files carry no expectation
            docs = [d for d in load_docs(f) if view_of_or_none(d) is not None]
            for doc in docs:
                total += 1
                got = "fail" if fails(doc, checks) else "pass"
                key = (check_dir, f.name, str(doc["metadata"]["name"]))
                if key in CHECKOV_EXCEPTIONS:
                    used.add(key)
                    assert got != want, f"exception no longer needed: {key}"
                elif got != want:
                    wrong.append(f"{check_dir}/{f.name} {key[2]}: expected {want}, seawall says {got}")
    assert total >= 45
    assert wrong == []
    assert used == set(CHECKOV_EXCEPTIONS), sorted(set(CHECKOV_EXCEPTIONS) - used)
