"""The large-report JSON writer encodes findings by hand; it must match the generic encoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seawall.engine import Report, scan
from seawall.model.finding import Finding, Location, Resource, Severity
from seawall.policy.config import Config
from seawall.reporters import json_report
from seawall.reporters.json_report import _finding_json, finding_dict


def _generic(f: Finding) -> str:
    return json.dumps(finding_dict(f, with_static=False), ensure_ascii=False)[:-1]


def test_hand_encoding_matches_json_dumps_on_odd_fields() -> None:
    odd = 'quote " backslash \\ tab \t nl \n ctl \x01 é 中 \u2028 emoji 🦭 lone \udc80'
    findings = [
        Finding("SW-X-1", "t", Severity.HIGH, "workload", odd, Resource("Pod", "ns", "p", "c"), Location("a.yaml", 3)),
        Finding(
            "SW-X-2",
            "t",
            Severity.CRITICAL,
            "image",
            "m",
            Resource(image="reg/img:1", layer="sha256:" + "a" * 64),
            Location("x/y.tar", 0, "/spec/containers/0", "templates/d.yaml"),
            evidence=odd,
            suppressed="baseline",
            extra=(("also_matched", ["SW-SEC-1"]), ("score", 1.5), ("nested", {"k": [1, None, True]})),
        ),
        Finding("SW-X-3", "t", Severity.INFO, "secret", "", Resource(), Location()),
    ]
    for f in findings:
        assert _finding_json(f) == _generic(f)


def test_hand_encoding_matches_on_real_scan(shared_dir: Path) -> None:
    report = scan([str(shared_dir / "corpus" / "k8s" / "kube-linter")], Config())
    assert len(report.findings) > 100
    for f in report.findings:
        assert _finding_json(f) == _generic(f)


def test_two_core_encoding_writes_the_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    odd = 'quote " é 中 \u2028 lone \udc80 \x01'
    findings = [
        Finding(f"SW-X-{i % 7}", "t", Severity(i % 5), "workload", f"{odd} {i}", Resource("Pod", "ns", f"p{i}"),
                Location("a.yaml", i, f"/spec/{i}"), extra=(("n", i),) if i % 3 else ())
        for i in range(6001)
    ]
    report = Report(findings=findings)
    monkeypatch.setattr(json_report, "FORK_MIN", 10**9)
    serial = json_report.render(report, findings)
    monkeypatch.setattr(json_report, "FORK_MIN", 100)
    assert json_report.render(report, findings) == serial
    assert len(json.loads(serial)["findings"]) == 6001
