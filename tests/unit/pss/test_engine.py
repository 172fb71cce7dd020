"""The SW-PSS rules through the real engine: ids, references.pss, lines, metadata and posture."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pss_testlib import load_docs, view_of

from seawall import plugins
from seawall.engine import scan
from seawall.model.nist800190 import is_valid_countermeasure, is_valid_risk
from seawall.policy.config import Config
from seawall.rules.registry import REGISTRY, TOOLS
from seawall.rules.workload.pss import PSS_RULE_IDS, RULES, allowed, failing_checks

PSS_ONLY = Config(enable=("SW-PSS-*",))

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
    spec:
      hostPID: true
      securityContext:
        runAsUser: 0
      initContainers:
        - name: init
          image: busybox
          securityContext:
            capabilities:
              add: [SYS_ADMIN]
      containers:
        - name: app
          image: nginx
          ports:
            - containerPort: 80
              hostPort: 80
          securityContext:
            privileged: true
            allowPrivilegeEscalation: true
      volumes:
        - name: docker
          hostPath:
            path: /var/run/docker.sock
---
apiVersion: v1
kind: Pod
metadata:
  name: good
  namespace: shop
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: app
      image: nginx
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: [ALL]
"""


def _scan(tmp_path: Path, text: str, config: Config = PSS_ONLY) -> list[tuple[str, str, int, str, str]]:
    f = tmp_path / "m.yaml"
    f.write_text(text, encoding="utf-8")
    report = scan([str(f)], config)
    assert report.errors == []
    return sorted(
        (x.rule_id, x.references.pss, x.location.line, x.resource.name, x.resource.container)
        for x in report.findings
        if x.rule_id.startswith("SW-PSS-")
    )


def test_findings_carry_rule_id_pss_id_and_exact_lines(tmp_path: Path) -> None:
    got = _scan(tmp_path, MANIFEST)
    assert got == sorted(
        [
            ("SW-PSS-001", "hostNamespaces", 12, "web", ""),
            ("SW-PSS-002", "privileged", 28, "web", "app"),
            ("SW-PSS-003", "capabilities_baseline", 20, "web", "init"),
            ("SW-PSS-004", "hostPathVolumes", 32, "web", ""),
            ("SW-PSS-005", "hostPorts", 26, "web", "app"),
            ("SW-PSS-006", "appArmorProfile", 10, "web", "app"),
            ("SW-PSS-013", "restrictedVolumes", 32, "web", ""),
            ("SW-PSS-014", "allowPrivilegeEscalation", 18, "web", "init"),
            ("SW-PSS-014", "allowPrivilegeEscalation", 29, "web", "app"),
            # pod and containers leave runAsNonRoot unset: point at each container's securityContext
            ("SW-PSS-015", "runAsNonRoot", 18, "web", "init"),
            ("SW-PSS-015", "runAsNonRoot", 27, "web", "app"),
            ("SW-PSS-016", "runAsUser", 14, "web", ""),
            ("SW-PSS-017", "seccompProfile_restricted", 18, "web", "init"),
            ("SW-PSS-017", "seccompProfile_restricted", 27, "web", "app"),
            # no drop list: point at the capabilities map that lacks it
            ("SW-PSS-018", "capabilities_restricted", 19, "web", "init"),
            ("SW-PSS-018", "capabilities_restricted", 20, "web", "init"),
            ("SW-PSS-018", "capabilities_restricted", 27, "web", "app"),
        ]
    )


def test_engine_and_evaluate_pss_agree_on_a_kyverno_fixture(shared_dir: Path) -> None:
    """Scan PSA-level fixtures through the engine: every bad object is flagged, no good one is."""
    base = shared_dir / "corpus/k8s/kyverno-policies/pod-security/subrule/restricted/restricted-latest/.chainsaw-test"
    for name in ("pod-bad.yaml", "podcontroller-bad.yaml", "pod-good.yaml", "podcontroller-good.yaml"):
        report = scan([str(base / name)], PSS_ONLY)
        assert report.errors == []
        flagged = {f.resource.name for f in report.findings if f.rule_id.startswith("SW-PSS-")}
        docs = load_docs(base / name)
        names = {d["metadata"]["name"] for d in docs}
        expected = {d["metadata"]["name"] for d in docs if failing_checks(view_of(d))}
        assert flagged == expected
        if "bad" in name:
            assert flagged == names
            assert not any(allowed(view_of(d), "restricted") for d in docs)
        else:
            assert flagged == set()
        for f in report.findings:
            assert f.rule_id == PSS_RULE_IDS[f.references.pss]
            assert f.location.line > 0


def test_rule_metadata_is_complete() -> None:
    plugins.load()
    assert len(RULES) == 19
    for spec in RULES:
        meta = REGISTRY.get(spec.id).meta
        assert meta.target == "pod"
        assert meta.pss == spec.check
        assert meta.pss_level in {"baseline", "restricted"}
        assert meta.category == "workload"
        assert "posture:restricted" in meta.tags
        assert meta.nist_risk and all(is_valid_risk(r) for r in meta.nist_risk), spec.id
        assert meta.nist_countermeasure and all(is_valid_countermeasure(c) for c in meta.nist_countermeasure)
        assert "3.4.3" in meta.nist_risk and "4.4.3" in meta.nist_countermeasure
        assert set(meta.tool_ids()) <= set(TOOLS)
        snippet = yaml.safe_load(meta.remediation)
        assert isinstance(snippet, dict) and "spec" in snippet, spec.id
    root = {s.check for s in RULES if "posture:root" in REGISTRY.get(s.id).meta.tags}
    assert root == {"runAsNonRoot", "runAsUser"}
    priv = {s.check for s in RULES if "posture:privileged" in REGISTRY.get(s.id).meta.tags}
    assert priv == {"privileged"}
    for check in ("hostPathVolumes", "restrictedVolumes"):
        meta = REGISTRY.get(PSS_RULE_IDS[check]).meta
        assert "3.5.5" in meta.nist_risk and "4.5.5" in meta.nist_countermeasure
    meta = REGISTRY.get(PSS_RULE_IDS["runAsNonRoot"]).meta
    assert "3.1.2" in meta.nist_risk and "4.1.2" in meta.nist_countermeasure


def test_posture_summary_uses_pss_tags(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(MANIFEST, encoding="utf-8")
    report = scan([str(f)], PSS_ONLY)
    shop = report.posture["namespaces"]["shop"]
    assert shop["workloads"] == 2
    assert shop["fails_restricted"]["count"] == 1
    assert shop["privileged"]["count"] == 1
    assert shop["may_run_as_root"]["count"] == 1


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  securityContext: null\n  containers: null\n",
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec:\n  jobTemplate:\n    spec:\n      template:\n"
        "        spec:\n          containers:\n            - name: c\n              securityContext: null\n",
    ],
)
def test_nulls_do_not_break_the_scan(tmp_path: Path, text: str) -> None:
    got = _scan(tmp_path, text)
    assert all(rid.startswith("SW-PSS-") for rid, *_ in got)
