"""Agreement with kubesec's test assets (kubesec/test/asset/score-N-*.yml).

kubesec scores rather than passes/fails, and its bats tests assert score buckets; but each asset
name says which single setting it exercises (`cap-sys-admin`, `run-as-user-10001`, `ro-root-fs`,
...). For the rules that carry a kubesec id, this table states what that setting implies for the
rule, and the test checks seawall agrees. An asset that sets the hardening only on an init or
ephemeral container (`seccomp-nonunconfined-initcontainer`) still leaves the main container
unprotected, which seawall reports: those are not listed as passing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seawall.engine import Report
from seawall.rules.registry import REGISTRY

ScanPath = Callable[[Path], Report]

#: (asset, rule, kubesec rule, does the seawall rule fire?)
CASES: list[tuple[str, str, str, bool]] = [
    ("score-0-cap-sys-admin.yml", "SW-K8S-006", "CapSysAdmin", True),
    ("score-0-cap-sys-admin-and-cap-chown.yml", "SW-K8S-006", "CapSysAdmin", True),
    ("score-0-cap-chown.yml", "SW-K8S-006", "CapSysAdmin", False),
    ("score-0-daemonset-mount-docker-socket.yml", "SW-K8S-050", "DockerSock", True),
    ("score-0-daemonset-volume-host-docker-socket.yml", "SW-K8S-050", "DockerSock", True),
    ("score-1-dep-default.yml", "SW-K8S-050", "DockerSock", False),
    ("score-1-cap-drop-all.yml", "SW-K8S-004", "CapDropAll", False),
    ("score-1-dep-default.yml", "SW-K8S-004", "CapDropAll", True),
    ("score-1-dep-ro-root-fs.yml", "SW-K8S-001", "ReadOnlyRootFilesystem", False),
    ("score-1-dep-default.yml", "SW-K8S-001", "ReadOnlyRootFilesystem", True),
    ("score-1-dep-resource-limit-cpu.yml", "SW-K8S-013", "LimitsCPU", False),
    ("score-1-dep-resource-limit-memory.yml", "SW-K8S-013", "LimitsCPU", True),
    ("score-1-dep-resource-limit-memory.yml", "SW-K8S-015", "LimitsMemory", False),
    ("score-1-dep-resource-limit-cpu.yml", "SW-K8S-015", "LimitsMemory", True),
    ("score-1-dep-podseccon-run-as-user-10001.yml", "SW-K8S-008", "RunAsUser", False),
    ("score-1-dep-seccon-run-as-user-10001.yml", "SW-K8S-008", "RunAsUser", False),
    ("score-1-dep-podseccon-run-as-user-1.yml", "SW-K8S-008", "RunAsUser", True),
    ("score-1-dep-seccon-run-as-user-1.yml", "SW-K8S-008", "RunAsUser", True),
    ("score-1-dep-podseccon-run-as-group-10001.yml", "SW-K8S-009", "RunAsGroup", False),
    ("score-1-dep-seccon-run-as-group-10001.yml", "SW-K8S-009", "RunAsGroup", False),
    ("score-1-dep-podseccon-run-as-group-1.yml", "SW-K8S-009", "RunAsGroup", True),
    ("score-1-dep-seccon-run-as-group-1.yml", "SW-K8S-009", "RunAsGroup", True),
    ("score-1-pod-hostUsers-set-to-false.yml", "SW-K8S-008", "RunAsUser", False),
    ("score-1-dep-seccomp-nonunconfined-container.yml", "SW-K8S-007", "SeccompAny", False),
    ("score-1-dep-seccomp-nonunconfined-spec-securitycontext.yml", "SW-K8S-007", "SeccompAny", False),
    ("score-0-dep-seccomp-unconfined-container.yml", "SW-K8S-007", "SeccompAny", True),
    ("score-0-dep-seccomp-unconfined-spec-securitycontext.yml", "SW-K8S-007", "SeccompAny", True),
    ("score-1-pod-automount-sa-set-to-false.yml", "SW-K8S-030", "AutomountServiceAccountToken", False),
    ("score-1-pod-default.yml", "SW-K8S-030", "AutomountServiceAccountToken", True),
    ("score-2-pod-serviceaccount.yml", "SW-K8S-031", "ServiceAccountName", False),
    ("score-5-pod-serviceaccount.yml", "SW-K8S-031", "ServiceAccountName", False),
    ("score-1-pod-default.yml", "SW-K8S-031", "ServiceAccountName", True),
]


@pytest.mark.parametrize(("asset", "rid", "kubesec_rule", "fires"), CASES, ids=lambda v: str(v))
def test_agrees_with_kubesec_asset(asset: str, rid: str, kubesec_rule: str, fires: bool, corpus: Path,
                                   scan_path: ScanPath) -> None:
    report = scan_path(corpus / "kubesec" / "test" / "asset" / asset)
    assert not report.errors, report.errors
    assert any(f.rule_id == rid for f in report.findings) is fires
    assert kubesec_rule in REGISTRY.get(rid).meta.tool_ids().get("kubesec", [])
