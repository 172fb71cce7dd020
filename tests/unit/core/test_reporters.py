"""Reporters: SARIF validates against the official 2.1.0 schema; JUnit is well-formed XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

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


def _many(tmp_path: Path, n: int) -> object:
    """A real report whose findings are repeated ``n`` times over (distinct resources): the size of
    a large corpus scan (~180k findings) is what the text formats must survive."""
    import dataclasses

    report = _report(tmp_path)
    seed = list(report.findings)  # type: ignore[attr-defined]
    grown = []
    for i in range(n // len(seed) + 1):
        for f in seed:
            res = dataclasses.replace(f.resource, name=f"{f.resource.name}-{i}")
            grown.append(dataclasses.replace(f, resource=res))
    report.findings[:] = grown[:n]  # type: ignore[attr-defined]
    return report


def _peak_writing(report: object, fmt: str, out: Path) -> int:
    import tracemalloc

    from seawall.reporters import write

    with out.open("w", encoding="utf-8") as fh:
        tracemalloc.start()
        try:
            write(report, fmt, fh)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["sarif", "junit", "table"])
def test_large_reports_stream_with_flat_memory(tmp_path: Path, shared_dir: Path, fmt: str) -> None:
    """SARIF, JUnit and the table are written finding by finding: 40,000 findings (about 40 MB of
    SARIF) take a few MB, not the hundreds a whole document in memory took (the corpus/k8s scan:
    1.35 GB of SARIF, and 276 s of rich table). The output is complete and valid."""
    n = 40_000
    report = _many(tmp_path, n)
    out = tmp_path / f"out.{fmt}"
    peak = _peak_writing(report, fmt, out)
    assert peak < 16 << 20, f"{fmt}: {peak / 1e6:.0f} MB"
    text = out.read_text(encoding="utf-8")
    if fmt == "sarif":
        doc = json.loads(text)
        schema = json.loads((shared_dir / "schemas" / "sarif-schema-2.1.0.json").read_text())
        jsonschema.validate(doc, schema)
        assert len(doc["runs"][0]["results"]) == n
    elif fmt == "junit":
        root = ET.fromstring(text)
        assert sum(1 for _ in root.iter("failure")) == n and root.get("failures") == str(n)
    else:
        assert sum(1 for line in text.splitlines() if "-39" in line and "SW-" in line) >= 1
        assert "Findings: " in text and len([ln for ln in text.splitlines() if " SW-" in ln]) == n


@pytest.mark.parametrize("fmt", ["sarif", "junit", "table", "json"])
def test_streamed_formats_say_what_render_says(tmp_path: Path, fmt: str) -> None:
    """``write`` (streamed) and ``render`` (a string) give the same text."""
    import io

    from seawall.reporters import write

    report = _report(tmp_path)
    buf = io.StringIO()
    write(report, fmt, buf)
    assert buf.getvalue() == render(report, fmt)


def test_junit_attributes_round_trip_markup_and_line_breaks(tmp_path: Path) -> None:
    import dataclasses

    report = _report(tmp_path)
    f = report.findings[0]  # type: ignore[attr-defined]
    tricky = 'a & b < c > d "quoted" \'single\'\n\tnext line'
    report.findings[:] = [dataclasses.replace(f, message=tricky)]  # type: ignore[attr-defined]
    root = ET.fromstring(render(report, "junit"))
    failure = next(root.iter("failure"))
    assert failure.get("message") == tricky
