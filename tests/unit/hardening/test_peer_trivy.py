"""Agreement with Trivy's check examples (trivy-checks/checks/kubernetes/<check>.yaml).

Each file is ``kubernetes: {good: [...], bad: [...]}`` with manifests embedded as strings; every
``bad`` manifest must produce a finding of the mapped rule, every ``good`` one none. The strings
are written to a temporary file and scanned through the real engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from seawall.engine import scan
from seawall.policy.config import Config
from seawall.rules.registry import REGISTRY

#: seawall rule -> (trivy id, example file)
TRIVY: dict[str, tuple[str, str]] = {
    "SW-K8S-001": ("KSV-0014", "file_system_not_read_only"),
    "SW-K8S-004": ("KSV-0003", "capabilities_no_drop_all"),
    "SW-K8S-006": ("KSV-0005", "SYS_ADMIN_capability"),
    "SW-K8S-007": ("KSV-0030", "runtime_default_seccomp_profile_not_set"),
    "SW-K8S-008": ("KSV-0020", "runs_with_UID_le_10000"),
    "SW-K8S-009": ("KSV-0021", "runs_with_GID_le_10000"),
    "SW-K8S-012": ("KSV-0015", "CPU_requests_not_specified"),
    "SW-K8S-013": ("KSV-0011", "CPU_not_limited"),
    "SW-K8S-014": ("KSV-0016", "memory_requests_not_specified"),
    "SW-K8S-015": ("KSV-0018", "memory_not_limited"),
    "SW-K8S-020": ("KSV-0013", "uses_image_tag_latest"),
    "SW-K8S-030": ("KSV-0036", "protecting_pod_service_account_tokens"),
    "SW-K8S-050": ("KSV-0006", "mounts_docker_socket"),
    "SW-K8S-062": ("KSV-0037", "protect_core_components_namespace"),
    "SW-K8S-066": ("KSV-0102", "tiller_is_deployed"),
    "SW-K8S-088": ("KCV-0093", "insecure_ingress_nginx"),
    "SW-K8S-091": ("KSV-01010", "configMap_with_secrets"),
}

#: (rule, "good"|"bad", index) -> (seawall's verdict, reason)
EXCEPTIONS: dict[tuple[str, str, int], tuple[bool, str]] = {
    ("SW-K8S-030", "good", 0): (
        True, "the pod leaves automountServiceAccountToken unset, so the kubelet mounts a token: CIS "
        "5.1.6, checkov CKV_K8S_38 and Polaris (failure.uses_defaults.yaml) all fail that; Trivy's "
        "KSV-0036 only looks further when a token path is mounted explicitly"),
}

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT.parent / "shared" / "corpus" / "k8s" / "trivy-checks" / "checks" / "kubernetes"


def _cases() -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    for rid, (_tid, name) in TRIVY.items():
        data = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())["kubernetes"]
        for kind in ("good", "bad"):
            out.extend((rid, kind, i) for i in range(len(data.get(kind) or [])))
    return out


@pytest.mark.parametrize(("rid", "kind", "index"), _cases(), ids=lambda v: str(v))
def test_agrees_with_trivy_example(rid: str, kind: str, index: int, corpus: Path, tmp_path: Path) -> None:
    name = TRIVY[rid][1]
    data = yaml.safe_load((corpus / "trivy-checks" / "checks" / "kubernetes" / f"{name}.yaml").read_text())
    manifest = tmp_path / f"{name}-{kind}-{index}.yaml"
    manifest.write_text(data["kubernetes"][kind][index])
    report = scan([str(manifest)], Config(disable=("SW-SEC-*",)))  # hardening rules on their own
    assert not report.errors, report.errors
    expected = EXCEPTIONS[(rid, kind, index)][0] if (rid, kind, index) in EXCEPTIONS else kind == "bad"
    got = any(f.rule_id == rid for f in report.findings)
    assert got == expected, f"{rid} on {name} {kind}[{index}]"


def test_exceptions_are_real_disagreements() -> None:
    for (_rid, kind, _i), (ours, reason) in EXCEPTIONS.items():
        assert reason and ours != (kind == "bad")


def test_rule_metadata_carries_trivy_ids() -> None:
    for rid, (tid, _name) in TRIVY.items():
        assert tid in REGISTRY.get(rid).meta.tool_ids().get("trivy", []), rid
