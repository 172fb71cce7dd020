"""Agreement with kube-linter's check fixtures (kube-linter/tests/checks/<check>.yml).

Upstream convention: objects named ``dont-fire`` (or, where objects are unnamed, containers named
``dont-fire-*``) must not trigger the check; every other object in the file must. Where a file
holds objects for other aspects of the same kube-linter check, the expected set is given
explicitly in EXPECTED; real disagreements are in EXCEPTIONS with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from seawall.engine import Report
from seawall.rules.registry import REGISTRY

ScanPath = Callable[[Path], Report]

#: seawall rule -> (kube-linter check, fixture file)
KUBE_LINTER: dict[str, tuple[str, str]] = {
    "SW-K8S-001": ("no-read-only-root-fs", "no-read-only-root-fs.yml"),
    "SW-K8S-005": ("drop-net-raw-capability", "drop-net-raw-capability.yml"),
    "SW-K8S-010": ("run-as-non-root", "run-as-non-root.yml"),
    "SW-K8S-011": ("privileged-ports", "privileged-ports.yml"),
    "SW-K8S-012": ("unset-cpu-requirements", "unset-cpu-requirements.yml"),
    "SW-K8S-013": ("unset-cpu-requirements", "unset-cpu-requirements.yml"),
    "SW-K8S-014": ("unset-memory-requirements", "unset-memory-requirements.yml"),
    "SW-K8S-015": ("unset-memory-requirements", "unset-memory-requirements.yml"),
    "SW-K8S-016": ("no-liveness-probe", "no-liveness-probe.yml"),
    "SW-K8S-017": ("no-readiness-probe", "no-readiness-probe.yml"),
    "SW-K8S-020": ("latest-tag", "latest-tag.yml"),
    "SW-K8S-031": ("default-service-account", "default-service-account.yml"),
    "SW-K8S-032": ("deprecated-service-account-field", "deprecated-service-account-field.yml"),
    "SW-K8S-040": ("read-secret-from-env-var", "read-secret-from-env-var.yml"),
    "SW-K8S-041": ("env-var-secret", "env-var-secret.yml"),
    "SW-K8S-042": ("duplicate-env-var", "duplicate-env-var.yaml"),
    "SW-K8S-050": ("docker-sock", "docker-sock.yml"),
    "SW-K8S-051": ("sensitive-host-mounts", "sensitive-host-mounts.yml"),
    "SW-K8S-052": ("writable-host-mount", "writable-host-mount.yml"),
    "SW-K8S-063": ("ssh-port", "ssh-port.yml"),
    "SW-K8S-064": ("mismatching-selector", "mismatching-selector.yml"),
    "SW-K8S-065": ("job-ttl-seconds-after-finished", "job-ttl-seconds-after-finished.yaml"),
    "SW-K8S-080": ("use-namespace", "use-namespace.yml"),
    "SW-K8S-082": ("exposed-services", "exposed-services.yml"),
    "SW-K8S-092": ("no-extensions-v1beta", "no-extensions-v1beta.yml"),
}

Unit = tuple[str, str]  # (kind, object name) — or (kind, container name) for unnamed objects

#: Files whose expected set the naming convention does not give.
EXPECTED: dict[str, set[Unit]] = {
    # run-as-non-root.yml mixes root-user objects (app1/app2: the PSS runAsNonRoot check's job)
    # with root-group ones; SW-K8S-010 covers only the group part.
    "SW-K8S-010": {("Deployment", "group-zero"), ("DeploymentConfig", "group-zero")},
    # The Job fixture names its objects good-*/bad-*.
    "SW-K8S-065": {("Job", "bad-job"), ("CronJob", "bad-cronjob")},
    # no-extensions-v1beta.yml: two NetworkPolicies named "app"; only the extensions/v1beta1 one fires.
    "SW-K8S-092": {("NetworkPolicy", "app")},
}

#: rule -> (seawall's failing set, reason) where seawall deliberately differs.
EXCEPTIONS: dict[str, tuple[set[Unit], str]] = {
    "SW-K8S-005": (
        {("Deployment", "app"), ("DeploymentConfig", "app"), ("Deployment", "dont-fire"),
         ("DeploymentConfig", "dont-fire")},
        "kube-linter only flags NET_RAW when it is *added*; the dont-fire objects keep the runtime's "
        "default set, which includes NET_RAW. seawall follows CIS 5.2.8 / checkov CKV_K8S_28 / Trivy "
        "KSV-0119: NET_RAW must be dropped (or ALL)",
    ),
}

ROOT = Path(__file__).resolve().parents[3]
CHECKS = ROOT.parent / "shared" / "corpus" / "k8s" / "kube-linter" / "tests" / "checks"


def _units(path: Path) -> list[Unit]:
    out: list[Unit] = []
    for doc in yaml.safe_load_all(path.read_text()):
        if not isinstance(doc, dict):
            continue
        name = str((doc.get("metadata") or {}).get("name") or "")
        if name:
            out.append((doc["kind"], name))
            continue
        spec = ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
        out.extend((doc["kind"], c["name"]) for c in spec.get("containers") or [])
    return out


def _expected(rid: str) -> set[Unit]:
    if rid in EXCEPTIONS:
        return EXCEPTIONS[rid][0]
    if rid in EXPECTED:
        return EXPECTED[rid]
    return {u for u in _units(CHECKS / KUBE_LINTER[rid][1]) if "dont-fire" not in u[1]}


def _got(report: Report, rid: str, by_container: bool) -> set[Unit]:
    return {
        (f.resource.kind, f.resource.container if by_container else f.resource.name)
        for f in report.findings
        if f.rule_id == rid
    }


@pytest.mark.parametrize("rid", sorted(KUBE_LINTER))
def test_agrees_with_kube_linter_fixture(rid: str, corpus: Path, scan_path: ScanPath) -> None:
    name = KUBE_LINTER[rid][1]
    report = scan_path(corpus / "kube-linter" / "tests" / "checks" / name)
    assert not report.errors, report.errors
    by_container = all(u[1] != "<unnamed>" for u in _units(CHECKS / name)) and rid == "SW-K8S-042"
    expected = _expected(rid)
    assert expected, "a fixture with nothing to find tests nothing"
    assert _got(report, rid, by_container) == expected


def test_exceptions_are_real_disagreements() -> None:
    for rid, (ours, reason) in EXCEPTIONS.items():
        convention = {u for u in _units(CHECKS / KUBE_LINTER[rid][1]) if "dont-fire" not in u[1]}
        assert reason and ours != convention


def test_rule_metadata_carries_kube_linter_ids() -> None:
    for rid, (check, _file) in KUBE_LINTER.items():
        assert check in REGISTRY.get(rid).meta.tool_ids().get("kube-linter", []), rid


@pytest.mark.parametrize("name", ["liveness-port.yml", "readiness-port.yml", "startup-port.yml"])
def test_probe_port_agrees_with_kube_linter(name: str, corpus: Path, scan_path: ScanPath) -> None:
    """SW-K8S-018 = kube-linter liveness-port/readiness-port/startup-port; objects are unnamed,
    so the convention is on container names (fire-* / dont-fire-*)."""
    path = corpus / "kube-linter" / "tests" / "checks" / name
    report = scan_path(path)
    got = {(f.resource.kind, f.resource.container) for f in report.findings if f.rule_id == "SW-K8S-018"}
    expected = {u for u in _units(CHECKS / name) if not u[1].startswith("dont-fire")}
    assert expected and got == expected
    for check in ("liveness-port", "readiness-port", "startup-port"):
        assert check in REGISTRY.get("SW-K8S-018").meta.tool_ids()["kube-linter"]
