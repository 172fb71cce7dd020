"""Agreement with Polaris' own fixtures (polaris/test/checks/<checkId>/success*|failure*).

Every success*.yaml must produce no finding of the mapped rule and every failure*.yaml at least
one (mutated*.yaml are `polaris fix` outputs, not expectations). Disagreements are listed in
EXCEPTIONS with the reason; the test asserts seawall's behaviour there. Polaris' ``nakedPod``
directory is a custom-check example (a label schema), not a built-in check, so it is not mapped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seawall.engine import Report
from seawall.rules.registry import REGISTRY

ScanPath = Callable[[Path], Report]

POLARIS: dict[str, str] = {
    "SW-K8S-001": "notReadOnlyRootFilesystem",
    "SW-K8S-006": "dangerousCapabilities",
    "SW-K8S-012": "cpuRequestsMissing",
    "SW-K8S-013": "cpuLimitsMissing",
    "SW-K8S-014": "memoryRequestsMissing",
    "SW-K8S-015": "memoryLimitsMissing",
    "SW-K8S-016": "livenessProbeMissing",
    "SW-K8S-017": "readinessProbeMissing",
    "SW-K8S-020": "tagNotSpecified",
    "SW-K8S-022": "pullPolicyNotAlways",
    "SW-K8S-030": "automountServiceAccountToken",
    "SW-K8S-041": "sensitiveContainerEnvVar",
    "SW-K8S-072": "linuxHardening",
    "SW-K8S-089": "tlsSettingsMissing",
    "SW-K8S-091": "sensitiveConfigmapContent",
}

#: (rule, file) -> (seawall's verdict, reason)
EXCEPTIONS: dict[tuple[str, str], tuple[bool, str]] = {
    ("SW-K8S-022", "failure.yaml"): (
        False, "image 'nginx' has no tag, so the API server defaults imagePullPolicy to Always; Polaris "
        "wants the field written out. seawall follows the effective policy, as checkov's CKV_K8S_15 does "
        "(its storm-nimbus-ImageUntagged-PASSED fixture)"),
    ("SW-K8S-022", "failure.cron-job.yaml"): (
        False, "image 'busybox' is untagged: the effective pull policy is Always (see above)"),
}

ROOT = Path(__file__).resolve().parents[3]
CHECKS = ROOT.parent / "shared" / "corpus" / "k8s" / "polaris" / "test" / "checks"


def _cases() -> list[tuple[str, str, str]]:
    out = []
    for rid, check in POLARIS.items():
        for f in sorted((CHECKS / check).iterdir()):
            if f.name.startswith(("success", "failure")):
                out.append((rid, check, f.name))
    return out


@pytest.mark.parametrize(("rid", "check", "name"), _cases(), ids=lambda v: str(v))
def test_agrees_with_polaris_fixture(rid: str, check: str, name: str, corpus: Path, scan_path: ScanPath) -> None:
    report = scan_path(corpus / "polaris" / "test" / "checks" / check / name)
    expected = EXCEPTIONS[(rid, name)][0] if (rid, name) in EXCEPTIONS else name.startswith("failure")
    got = any(f.rule_id == rid for f in report.findings)
    assert got == expected, f"{rid} on {check}/{name}"


def test_exceptions_are_real_disagreements() -> None:
    for (rid, name), (ours, reason) in EXCEPTIONS.items():
        assert (CHECKS / POLARIS[rid] / name).is_file()
        assert reason and ours != name.startswith("failure")


def test_rule_metadata_carries_polaris_ids() -> None:
    for rid, check in POLARIS.items():
        assert check in REGISTRY.get(rid).meta.tool_ids().get("polaris", []), rid
