"""The netpol analyzer end to end through ``seawall.engine.scan`` on small manifests."""

from __future__ import annotations

from pathlib import Path

from seawall.engine import scan
from seawall.model.finding import Finding
from seawall.policy.config import Config, parse_config

BASE = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db, seawall.io/sensitivity: high}}
    spec: {containers: [{name: c, image: postgres}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
"""


def findings(tmp_path: Path, text: str, config: Config | None = None) -> dict[str, list[Finding]]:
    f = tmp_path / "m.yaml"
    f.write_text(text, encoding="utf-8")
    report = scan([str(f)], config or Config())
    assert not report.errors, report.errors
    out: dict[str, list[Finding]] = {}
    for x in report.findings:
        if x.rule_id.startswith("SW-NET-"):
            out.setdefault(x.rule_id, []).append(x)
    return out


def test_namespace_without_policies(tmp_path: Path) -> None:
    got = findings(tmp_path, BASE)
    assert [f.resource.name for f in got["SW-NET-001"]] == ["shop"]
    assert {f.resource.name for f in got["SW-NET-004"]} == {"db", "web"}
    assert [f.resource.name for f in got["SW-NET-009"]] == ["db"]  # unprotected sensitive workload
    assert "SW-NET-002" not in got  # no duplicate of SW-NET-001


def test_allow_all_rule_egress_to_internet_and_sensitive_exposure(tmp_path: Path) -> None:
    text = (
        BASE
        + """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{namespaceSelector: {}}]
    ports: [{port: 5432}]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: typo, namespace: shop}
spec:
  podSelector: {matchLabels: {app: wbe}}
  ingress: [{from: [{podSelector: {matchExpressions: [{key: a, operator: In}]}}]}]
"""
    )
    got = findings(tmp_path, text)
    assert "SW-NET-001" not in got and "SW-NET-004" not in got
    assert {f.resource.name for f in got["SW-NET-002"]} == {"shop"}
    assert {f.resource.name for f in got["SW-NET-003"]} == {"shop"}
    assert [f.resource.name for f in got["SW-NET-005"]] == ["web"]  # ingress only
    assert [f.location.pointer for f in got["SW-NET-006"]] == ["/spec/ingress/0"]
    (egress,) = got["SW-NET-007"]
    assert egress.location.pointer == "/spec/egress/0/to/0/ipBlock/cidr" and egress.location.line > 0
    assert [f.resource.name for f in got["SW-NET-008"]] == ["typo"]
    assert [f.resource.name for f in got["SW-NET-010"]] == ["typo"]
    (sensitive,) = got["SW-NET-009"]
    assert (
        sensitive.resource.name == "db" and "every namespace" in sensitive.message and "TCP 5432" in sensitive.message
    )


def test_sensitivity_label_is_configurable_and_narrow_ingress_passes(tmp_path: Path) -> None:
    text = (
        BASE.replace("seawall.io/sensitivity: high", "data-classification: restricted")
        + """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]
"""
    )
    cfg = parse_config({"sensitivity": {"label": "data-classification"}}, "cfg", tmp_path)
    assert "SW-NET-009" not in findings(tmp_path, text, cfg)
    exposed = text.replace("{podSelector: {matchLabels: {app: web}}}", "{namespaceSelector: {}}")
    got = findings(tmp_path, exposed, cfg)
    assert [f.resource.name for f in got["SW-NET-009"]] == ["db"]
    assert "SW-NET-009" not in findings(tmp_path, exposed)  # default label not set on db any more
