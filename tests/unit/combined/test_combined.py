"""The cross-analysis joins PSS, RBAC and netpol results on one workload."""

from __future__ import annotations

from pathlib import Path

from seawall.engine import scan
from seawall.policy.config import Config

BASE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: api
      containers:
      - name: app
        image: registry.example.com/api:1.0
        securityContext: {privileged: true}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: prod}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: api-admin}
subjects: [{kind: ServiceAccount, name: api, namespace: prod}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
"""

DENY = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: prod}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


def _risk(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    (tmp_path / "m.yaml").write_text(text)
    report = scan([str(tmp_path / "m.yaml")], Config())
    return [(f.severity.label, f.message) for f in report.findings if f.rule_id == "SW-RISK-001"]


def test_three_factors_is_critical(tmp_path: Path) -> None:
    got = _risk(tmp_path, BASE)
    assert len(got) == 1 and got[0][0] == "critical"
    assert "reachable from everywhere" in got[0][1] and "root" in got[0][1] and "token" in got[0][1]


def test_default_deny_breaks_one_link(tmp_path: Path) -> None:
    got = _risk(tmp_path, BASE + DENY)
    assert len(got) == 1 and got[0][0] == "high" and "reachable" not in got[0][1]


def test_single_factor_is_not_reported(tmp_path: Path) -> None:
    text = BASE.replace("securityContext: {privileged: true}", "securityContext: {runAsNonRoot: true}")
    text = text.replace("name: cluster-admin", "name: view-nothing")
    assert _risk(tmp_path, text + DENY) == []
