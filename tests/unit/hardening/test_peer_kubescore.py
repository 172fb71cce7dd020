"""Agreement with kube-score's test manifests (kube-score/score/testdata/).

Expected verdicts come from kube-score's own Go tests (score_test.go, security tests): e.g.
``pod-image-pullpolicy-undefined.yaml`` is GradeCritical for "Container Image Pull Policy" while
``...-undefined-latest-tag.yaml`` is AllOK; where a test name alone states the scenario
(``pod-security-context-low-user-id``, ``service-type-nodeport``) that is the expectation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seawall.engine import Report
from seawall.rules.registry import REGISTRY

ScanPath = Callable[[Path], Report]

#: (file, rule, kube-score check, seawall fires?)
CASES: list[tuple[str, str, str, bool]] = [
    *[("pod-test-resources-none.yaml", r, "container-resources", True)
      for r in ("SW-K8S-012", "SW-K8S-013", "SW-K8S-014", "SW-K8S-015")],
    ("pod-test-resources-only-limits.yaml", "SW-K8S-013", "container-resources", False),
    ("pod-test-resources-only-limits.yaml", "SW-K8S-015", "container-resources", False),
    ("pod-test-resources-only-limits.yaml", "SW-K8S-012", "container-resources", True),  # Warning: no requests
    ("pod-test-resources-only-limits.yaml", "SW-K8S-014", "container-resources", True),
    *[("pod-test-resources-limits-and-requests.yaml", r, "container-resources", False)
      for r in ("SW-K8S-012", "SW-K8S-013", "SW-K8S-014", "SW-K8S-015")],
    ("pod-image-tag-latest.yaml", "SW-K8S-020", "container-image-tag", True),
    ("pod-image-tag-fixed.yaml", "SW-K8S-020", "container-image-tag", False),
    ("pod-image-pullpolicy-undefined.yaml", "SW-K8S-022", "container-image-pull-policy", True),
    ("pod-image-pullpolicy-undefined-latest-tag.yaml", "SW-K8S-022", "container-image-pull-policy", False),
    ("pod-image-pullpolicy-undefined-no-tag.yaml", "SW-K8S-022", "container-image-pull-policy", False),
    ("pod-image-pullpolicy-never.yaml", "SW-K8S-022", "container-image-pull-policy", True),
    ("pod-image-pullpolicy-always.yaml", "SW-K8S-022", "container-image-pull-policy", False),
    ("pod-security-context-all-good.yaml", "SW-K8S-001", "container-security-context-readonlyrootfilesystem", False),
    ("pod-security-context-writeablerootfilesystem.yaml", "SW-K8S-001",
     "container-security-context-readonlyrootfilesystem", True),
    ("pod-security-context-nosecuritycontext.yaml", "SW-K8S-001",
     "container-security-context-readonlyrootfilesystem", True),
    ("pod-security-context-all-good.yaml", "SW-K8S-008", "container-security-context-user-group-id", False),
    ("pod-security-context-high-ids.yaml", "SW-K8S-008", "container-security-context-user-group-id", False),
    ("pod-security-context-high-ids.yaml", "SW-K8S-009", "container-security-context-user-group-id", False),
    ("pod-security-context-low-user-id.yaml", "SW-K8S-008", "container-security-context-user-group-id", True),
    ("pod-security-context-low-group-id.yaml", "SW-K8S-009", "container-security-context-user-group-id", True),
    ("pod-seccomp-container-securecontext-ok.yaml", "SW-K8S-007", "container-seccomp-profile", False),
    ("pod-seccomp-securecontext-ok.yaml", "SW-K8S-007", "container-seccomp-profile", False),
    ("pod-seccomp-container-securecontext-warning.yaml", "SW-K8S-007", "container-seccomp-profile", True),
    ("pod-seccomp-securecontext-warning.yaml", "SW-K8S-007", "container-seccomp-profile", True),
    ("pod-seccomp-no-annotation.yaml", "SW-K8S-007", "container-seccomp-profile", True),
    ("service-type-nodeport.yaml", "SW-K8S-082", "service-type", True),
    ("service-type-clusterip.yaml", "SW-K8S-082", "service-type", False),
    ("service-type-default.yaml", "SW-K8S-082", "service-type", False),
    ("pod-env-duplicated.yaml", "SW-K8S-042", "environment-variable-key-duplication", True),
    ("pod-env-ok.yaml", "SW-K8S-042", "environment-variable-key-duplication", False),
    *[(f, "SW-K8S-092", "stable-version", True) for f in (
        "deployment-extensions-v1beta1.yaml", "deployment-appsv1beta1.yaml", "deployment-appsv1beta2.yaml",
        "daemonset-extensionsv1beta1.yaml", "daemonset-appsv1beta2.yaml", "statefulset-appsv1beta1.yaml",
        "statefulset-appsv1beta2.yaml", "cronjob-batchv1beta1.yaml")],
    *[(f, "SW-K8S-092", "stable-version", False) for f in (
        "daemonset-appsv1.yaml", "cronjob-batchv1.yaml", "job-batchv1.yaml")],
    ("statefulset-different-labels.yaml", "SW-K8S-064",
     "statefulset-pod-selector-labels-match-template-metadata-labels", True),
]


@pytest.mark.parametrize(("name", "rid", "check", "fires"), CASES, ids=lambda v: str(v))
def test_agrees_with_kube_score(name: str, rid: str, check: str, fires: bool, corpus: Path,
                                scan_path: ScanPath) -> None:
    report = scan_path(corpus / "kube-score" / "score" / "testdata" / name)
    assert not report.errors, report.errors
    assert any(f.rule_id == rid for f in report.findings) is fires


def test_rule_metadata_carries_kube_score_ids() -> None:
    for _name, rid, check, _fires in CASES:
        ids = REGISTRY.get(rid).meta.tool_ids().get("kube-score", [])
        assert check in ids, (rid, check)
