"""Ignores (reason, expiry, resource globs), annotations, severity overrides, baselines, CEL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from seawall.engine import scan
from seawall.errors import PolicyError
from seawall.policy.apply import parse_ignore_annotation
from seawall.policy.config import Config, load_config, parse_config

VAP = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: "object.spec.replicas <= 5"
    message: "replicas must be no greater than 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: max-replicas, validationActions: [Warn]}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: prod
  annotations:
    seawall.io/ignore: "ORG-*: owned by platform team"
spec:
  replicas: 10
  template: {spec: {containers: [{name: a, image: x}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: small, namespace: prod}
spec:
  replicas: 2
  template: {spec: {containers: [{name: a, image: x}]}}
"""

RULE = {
    "id": "ORG-001",
    "title": "team label",
    "severity": "low",
    "kinds": ["Deployment"],
    "expression": "has(object.metadata.labels) && 'team' in object.metadata.labels",
    "message": "no team label",
}


def _scan(tmp_path: Path, cfg: Config) -> list[tuple[str, str, str]]:
    (tmp_path / "m.yaml").write_text(VAP)
    report = scan([str(tmp_path / "m.yaml")], cfg)
    return [
        (f.rule_id, f.resource.name, f.suppressed) for f in report.findings if f.rule_id in ("SW-POL-001", "ORG-001")
    ]


def test_vap_in_input_is_evaluated_with_binding_severity(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(VAP)
    report = scan([str(tmp_path / "m.yaml")], Config())
    vap = [f for f in report.findings if f.rule_id == "SW-POL-001"]
    assert [(f.resource.name, f.severity.label) for f in vap] == [("api", "medium")]
    assert "replicas must be no greater than 5" in vap[0].message
    assert vap[0].location.line == 17  # the Deployment's first line


def test_custom_cel_rule_and_annotation_ignore(tmp_path: Path) -> None:
    cfg = parse_config({"custom_rules": [RULE]}, "cfg", tmp_path)
    got = _scan(tmp_path, cfg)
    assert ("ORG-001", "small", "") in got
    assert ("ORG-001", "api", "annotation: owned by platform team") in got


def test_invalid_cel_is_policy_error(tmp_path: Path) -> None:
    bad = dict(RULE, expression="object.metadata.(")
    cfg = parse_config({"custom_rules": [bad]}, "cfg", tmp_path)
    (tmp_path / "m.yaml").write_text(VAP)
    report = scan([str(tmp_path / "m.yaml")], cfg)
    assert any("invalid CEL" in str(e) for e in report.errors)


def test_rules_dir(tmp_path: Path) -> None:
    d = tmp_path / "rules"
    d.mkdir()
    import yaml

    (d / "org.yaml").write_text(yaml.safe_dump({"rules": [RULE]}))
    cfg = parse_config({"rules_dirs": ["rules"]}, "cfg", tmp_path)
    assert ("ORG-001", "small", "") in _scan(tmp_path, cfg)


def test_config_ignores_need_reason_and_expire(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="reason"):
        parse_config({"ignore": [{"rule": "SW-POL-001"}]}, "cfg", tmp_path)
    cfg = parse_config(
        {
            "ignore": [
                {"rule": "SW-POL-*", "resource": "Deployment/prod/*", "reason": "accepted", "expires": "2020-01-01"}
            ]
        },
        "cfg",
        tmp_path,
    )
    cfg.today = dt.date(2026, 1, 1)
    assert ("SW-POL-001", "api", "") in _scan(tmp_path, cfg)  # expired: reported again
    cfg.today = dt.date(2019, 1, 1)
    assert ("SW-POL-001", "api", "ignored: accepted") in _scan(tmp_path, cfg)


def test_severity_override_and_rule_selection(tmp_path: Path) -> None:
    cfg = parse_config({"severity": {"SW-POL-001": "critical"}, "rules": {"enable": ["SW-POL-*"]}}, "cfg", tmp_path)
    (tmp_path / "m.yaml").write_text(VAP)
    report = scan([str(tmp_path / "m.yaml")], cfg)
    assert {f.rule_id for f in report.findings} == {"SW-POL-001"}
    assert all(f.severity.label == "critical" for f in report.findings)


def test_baseline_hides_known_findings(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(VAP)
    first = scan([str(tmp_path / "m.yaml")], Config())
    cfg = Config(baseline=frozenset(f.fingerprint for f in first.findings))
    second = scan([str(tmp_path / "m.yaml")], cfg)
    assert second.findings and not second.active()


def test_annotation_without_reason_is_not_honoured() -> None:
    assert parse_ignore_annotation("SW-K8S-001") == (set(), "")
    assert parse_ignore_annotation("A,B: why")[0] == {"A", "B"}


def test_unknown_config_key_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="unknown top-level"):
        parse_config({"rulez": 1}, "cfg", tmp_path)
    p = tmp_path / ".seawall.yaml"
    p.write_text("a: [1\n")
    with pytest.raises(PolicyError, match="invalid YAML: line"):
        load_config(None, tmp_path)


def test_one_secret_one_finding(tmp_path: Path) -> None:
    """SW-K8S-041 (credential-named env value) and the secrets engine flag the same field: one
    finding remains, naming the other rule."""
    (tmp_path / "d.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  containers:\n  - name: c\n"
        "    image: x\n    env:\n    - name: DATABASE_PASSWORD\n      value: Sup3rS3cretPassw0rd!\n"
    )
    report = scan([str(tmp_path / "d.yaml")], Config())
    at_value = [f for f in report.findings if f.location.pointer.endswith("/env/0/value")]
    assert len(at_value) == 1
    others = dict(at_value[0].extra).get("also_matched", [])
    assert at_value[0].rule_id in ("SW-K8S-041", "SW-SEC-160") and others
