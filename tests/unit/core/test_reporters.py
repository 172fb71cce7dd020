"""Reporters: SARIF validates against the official 2.1.0 schema; JUnit is well-formed XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from seawall.engine import scan
from seawall.policy.config import Config
from seawall.reporters import render

DOC = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: p}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
  validations: [{expression: "false", message: "no pods here"}]
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: n}
spec:
  containers: [{name: c, image: x}]
"""


def _report(tmp_path: Path) -> object:
    (tmp_path / "m.yaml").write_text(DOC)
    (tmp_path / "bad.yaml").write_text("x: [\n")
    return scan([str(tmp_path)], Config())


def test_sarif_validates_and_has_lines(tmp_path: Path, shared_dir: Path) -> None:
    report = _report(tmp_path)
    doc = json.loads(render(report, "sarif"))
    schema = json.loads((shared_dir / "schemas" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    results = doc["runs"][0]["results"]
    assert results and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)
    assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_junit_is_xml_with_failures_and_errors(tmp_path: Path) -> None:
    report = _report(tmp_path)
    root = ET.fromstring(render(report, "junit"))
    assert root.tag == "testsuites"
    assert int(root.get("failures", "0")) >= 1 and int(root.get("errors", "0")) == 1


def test_json_shape(tmp_path: Path) -> None:
    report = _report(tmp_path)
    body = json.loads(render(report, "json"))
    f = body["findings"][0]
    assert set(f) >= {
        "rule_id",
        "title",
        "severity",
        "category",
        "message",
        "resource",
        "location",
        "remediation",
        "references",
        "fingerprint",
    }
    assert set(f["resource"]) >= {"kind", "namespace", "name", "container"}
    assert set(f["references"]["nist_800_190"]) == {"risk", "countermeasure"}
    assert body["summary"]["incomplete"] is True


def test_streamed_json_equals_pretty_json(tmp_path: Path, monkeypatch: object) -> None:
    from seawall.reporters import json_report

    report = _report(tmp_path)
    pretty = json.loads(render(report, "json"))
    monkeypatch.setattr(json_report, "PRETTY_LIMIT", 0)  # type: ignore[attr-defined]
    compact = json.loads(render(report, "json"))
    assert compact == pretty
