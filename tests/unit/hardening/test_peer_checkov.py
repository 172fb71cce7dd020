"""Agreement with checkov's own fixtures (checkov/tests/kubernetes/checks/example_<Class>/).

Upstream convention (corpus SOURCES.md): a file name containing FAILED has at least one resource
failing that check, PASSED only passing ones; upstream test_<Class>.py holds exact counts. A few
directories are shared by several checks (example_Requests_Limits, example_DropCapabilities,
example_SecurityContexts), so a file name speaks for one of them only: those are listed in
PER_RULE with the expectation for the other check, each with its reason. Files with neither word
(UNKNOWN, no suffix) get an explicit expectation in PER_RULE too. Real disagreements with
checkov are in EXCEPTIONS, with the reason; the test asserts seawall's behaviour there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seawall.engine import Report
from seawall.rules.registry import REGISTRY

ScanPath = Callable[[Path], Report]

#: seawall rule -> (checkov id, fixture directories)
CHECKOV: dict[str, tuple[str, tuple[str, ...]]] = {
    "SW-K8S-001": ("CKV_K8S_22", ("example_ReadOnlyFilesystem",)),
    "SW-K8S-002": ("CKV_K8S_30", ("example_SecurityContexts",)),
    "SW-K8S-003": ("CKV_K8S_29", ("example_SecurityContexts",)),
    "SW-K8S-004": ("CKV_K8S_37", ("example_DropCapabilities",)),
    "SW-K8S-005": ("CKV_K8S_28", ("example_DropCapabilities",)),
    "SW-K8S-006": ("CKV_K8S_39", ("example_AllowedCapabilitiesSysAdmin",)),
    "SW-K8S-007": ("CKV_K8S_31", ("example_Seccomp",)),
    "SW-K8S-008": ("CKV_K8S_40", ("example_RootContainersHighUID",)),
    "SW-K8S-012": ("CKV_K8S_10", ("example_Requests_Limits",)),
    "SW-K8S-013": ("CKV_K8S_11", ("example_Requests_Limits",)),
    "SW-K8S-014": ("CKV_K8S_12", ("example_Requests_Limits",)),
    "SW-K8S-015": ("CKV_K8S_13", ("example_Requests_Limits",)),
    "SW-K8S-016": ("CKV_K8S_8", ("example_LivenessReadiness",)),
    "SW-K8S-017": ("CKV_K8S_9", ("example_LivenessReadiness",)),
    "SW-K8S-020": ("CKV_K8S_14", ("example_ImageTagFixed",)),
    "SW-K8S-021": ("CKV_K8S_43", ("example_ImageDigest",)),
    "SW-K8S-022": ("CKV_K8S_15", ("example_ImagePullPolicy",)),
    "SW-K8S-030": ("CKV_K8S_38", ("example_ServiceAccountTokens",)),
    "SW-K8S-033": ("CKV_K8S_41", ("example_DefaultServiceAccount",)),
    "SW-K8S-040": ("CKV_K8S_35", ("example_Secrets",)),
    "SW-K8S-050": ("CKV_K8S_27", ("example_DockerSocketVolume",)),
    "SW-K8S-066": ("CKV_K8S_34", ("example_Tiller",)),
    "SW-K8S-067": ("CKV_K8S_45", ("example_TillerDeploymentListener",)),
    "SW-K8S-068": ("CKV_K8S_33", ("example_KubernetesDashboard",)),
    "SW-K8S-069": ("CKV_K8S_159", ("example_DangerousGitSync",)),
    "SW-K8S-080": ("CKV_K8S_21", ("example_DefaultNamespace", "example_NoDefaultNamespace")),
    "SW-K8S-085": ("CKV_K8S_44", ("example_TillerService",)),
    "SW-K8S-086": ("CKV_K8S_153", ("example_NginxIngressCVE202125742",)),
    "SW-K8S-087": ("CKV_K8S_152,CKV_K8S_154", ("example_NginxIngressCVE202125742",)),
}

#: Expectations the file name cannot give (shared directories, UNKNOWN/unsuffixed files).
#: (rule, file name) -> checkov's verdict for *this* rule's check (True = fails).
PER_RULE: dict[tuple[str, str], bool] = {
    # example_SecurityContexts holds pod-level (CKV_K8S_29) and container-level (CKV_K8S_30) cases.
    ("SW-K8S-002", "podFAILED-containerPASSED.yaml"): False,
    ("SW-K8S-003", "podPassed-containerFailed.yaml"): False,
    # example_DropCapabilities: "NET_RAW-capabilities-PASSED" is PASSED for CKV_K8S_28 (it drops
    # NET_RAW) but fails CKV_K8S_37 (no drop ALL); upstream test_MinimizeCapabilities counts it.
    ("SW-K8S-004", "pod-drop-NET_RAW-capabilities-PASSED.yaml"): True,
    # example_NginxIngressCVE202125742: file 2 has a snippet without Lua: fails the all-snippets
    # check (CKV_K8S_153), passes the Lua/alias checks. File 3 is an alias snippet: fails both.
    ("SW-K8S-087", "annotation2-nollua-PASSESONEFAILSONE.yaml"): False,
    ("SW-K8S-086", "annotation3-alias.yaml"): True,
    ("SW-K8S-087", "annotation3-alias.yaml"): True,
    # A container with probes and one without (upstream: 1 passed, 1 failed).
    ("SW-K8S-016", "pod-liveness-readiness-2pods.yaml"): True,
    ("SW-K8S-017", "pod-liveness-readiness-2pods.yaml"): True,
    # Unsuffixed files that are the thing the check looks for.
    ("SW-K8S-066", "tiller-deployment.json"): True,
    ("SW-K8S-068", "kubernetes-dashboard-deployment.yaml"): True,
    ("SW-K8S-085", "tiller-services.yaml"): True,
    # UNKNOWN = checkov cannot evaluate (malformed documents): no finding expected.
    ("SW-K8S-007", "template.yaml"): False,
    ("SW-K8S-008", "rootContainersHighUIDUNKNOWN.yaml"): False,
    ("SW-K8S-030", "ServiceAccountTokensUNKNOWN.yaml"): False,
    ("SW-K8S-040", "pod-secretsEnvironment-UNKNOWN.yaml"): False,
    ("SW-K8S-050", "scope-UNKNOWN.yaml"): False,
    ("SW-K8S-067", "nginx-deployment-UNKNOWN.yaml"): False,
}

#: Deliberate disagreements: (rule, file name) -> (seawall's verdict, reason).
EXCEPTIONS: dict[tuple[str, str], tuple[bool, str]] = {
    ("SW-K8S-002", "pod-container-FAILED_malformed_spec.yaml"): (
        False, "spec is a YAML list, not a pod spec: the API server rejects the object and there is "
        "no container to judge; checkov still reports FAILED"),
    ("SW-K8S-003", "pod-container-FAILED_malformed_spec.yaml"): (
        False, "same malformed spec (a list): not a pod spec, nothing to judge"),
    ("SW-K8S-006", "pod-FAILED2.yaml"): (
        False, "containers: null — no container adds SYS_ADMIN. Upstream test_AllowedCapabilitiesSysAdmin "
        "counts 1 failure (pod-FAILED.yaml), so the file name, not checkov, says FAILED"),
    ("SW-K8S-012", "pod-requests-limits-UNKNOWN.yaml"): (
        True, "resources is a list (malformed): checkov returns UNKNOWN; there is no usable CPU request, "
        "so seawall reports it missing"),
    ("SW-K8S-012", "pod-requests-limits-UNKNOWN2.yaml"): (
        True, "resources.requests is a list (malformed): no usable CPU request"),
    ("SW-K8S-013", "pod-requests-limits-UNKNOWN.yaml"): (True, "resources is a list: no usable CPU limit"),
    ("SW-K8S-013", "pod-requests-limits-UNKNOWN2.yaml"): (False, "limits is a valid map with cpu"),
    ("SW-K8S-014", "pod-requests-limits-UNKNOWN.yaml"): (True, "resources is a list: no usable memory request"),
    ("SW-K8S-014", "pod-requests-limits-UNKNOWN2.yaml"): (True, "requests is a list: no usable memory request"),
    ("SW-K8S-015", "pod-requests-limits-UNKNOWN.yaml"): (True, "resources is a list: no usable memory limit"),
    ("SW-K8S-015", "pod-requests-limits-UNKNOWN2.yaml"): (False, "limits is a valid map with memory"),
    ("SW-K8S-020", "imageWithDigest-PASSED.yaml"): (
        True, "the image is 'kubernetes-kafka@sha256:123456' — not a valid sha256 digest (64 hex), so the "
        "kubelet refuses it (InvalidImageName); seawall does not count a malformed digest as pinning, "
        "and without it the image has no tag"),
    ("SW-K8S-021", "imageWithTagAndDigest-PASSED.yaml"): (True, "digest 'sha256:123456' is malformed (see above)"),
    ("SW-K8S-021", "kafka-PASSED.yaml"): (True, "digest 'sha256:123456' is malformed"),
    ("SW-K8S-021", "kafka-withrepo-PASSED.yaml"): (True, "digest 'sha256:123456' is malformed"),
}

ROOT = Path(__file__).resolve().parents[3]
CHECKS = ROOT.parent / "shared" / "corpus" / "k8s" / "checkov" / "tests" / "kubernetes" / "checks"


def _cases() -> list[tuple[str, str, str]]:
    out = []
    for rid, (_cid, dirs) in CHECKOV.items():
        for d in dirs:
            for f in sorted((CHECKS / d).iterdir()):
                out.append((rid, d, f.name))
    return out


def _peer_verdict(rid: str, name: str) -> bool | None:
    if (rid, name) in PER_RULE:
        return PER_RULE[(rid, name)]
    upper = name.upper()
    if "FAIL" in upper:
        return True
    if "PASS" in upper:
        return False
    return None


def _fails(report: Report, rid: str) -> bool:
    return any(f.rule_id == rid for f in report.findings)


@pytest.mark.parametrize(("rid", "directory", "name"), _cases(), ids=lambda v: str(v))
def test_agrees_with_checkov_fixture(rid: str, directory: str, name: str, corpus: Path, scan_path: ScanPath) -> None:
    path = corpus / "checkov" / "tests" / "kubernetes" / "checks" / directory / name
    report = scan_path(path)
    if (rid, name) in EXCEPTIONS:
        expected, _reason = EXCEPTIONS[(rid, name)]
    else:
        peer = _peer_verdict(rid, name)
        assert peer is not None, f"no expectation for {directory}/{name}: add it to PER_RULE"
        expected = peer
    got = _fails(report, rid)
    assert got == expected, f"{rid} on {directory}/{name}: expected {'a finding' if expected else 'none'}"


def test_exceptions_are_real_disagreements() -> None:
    """Each exception must name an existing fixture and differ from the peer's verdict."""
    for (rid, name), (ours, reason) in EXCEPTIONS.items():
        dirs = CHECKOV[rid][1]
        assert any((CHECKS / d / name).is_file() for d in dirs), (rid, name)
        assert reason
        peer = _peer_verdict(rid, name)
        assert peer is None or peer != ours, (rid, name)


def test_rule_metadata_carries_checkov_ids() -> None:
    for rid, (cid, _dirs) in CHECKOV.items():
        ids = REGISTRY.get(rid).meta.tool_ids().get("checkov", [])
        wanted = cid.split(",")
        assert set(wanted) <= set(ids), (rid, ids)


def test_seccomp_failed_resources_match_upstream_list(corpus: Path, scan_path: ScanPath) -> None:
    """Upstream test_Seccomp.py lists the exact failing resources of the directory (the stored
    version of that test predates cronjob-seccomp-FAILED.yaml, whose name says it fails)."""
    report = scan_path(corpus / "checkov" / "tests" / "kubernetes" / "checks" / "example_Seccomp")
    failed = {(f.resource.kind, f.resource.name) for f in report.findings if f.rule_id == "SW-K8S-007"}
    assert failed == {
        ("Deployment", "app-cert-manager"),
        ("Pod", "seccomp-failed"),
        ("Pod", "my-insecure-pod"),
        ("CronJob", "cronjob-failed"),
    }


def test_high_uid_user_namespace_passes(corpus: Path, scan_path: ScanPath) -> None:
    """rootContainersHighUIDPASSED: every pod passes in checkov; pod4 has no runAsUser but
    hostUsers: false, which both tools accept."""
    report = scan_path(corpus / "checkov" / "tests" / "kubernetes" / "checks" / "example_RootContainersHighUID"
                       / "rootContainersHighUIDPASSED.yaml")
    failing = {f.resource.name for f in report.findings if f.rule_id == "SW-K8S-008"}
    assert "pod4" not in failing
