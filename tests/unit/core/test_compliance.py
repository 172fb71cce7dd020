"""NIST SP 800-190 report: statuses follow findings; manual controls are never 'pass'."""

from __future__ import annotations

import json
from pathlib import Path

from seawall.engine import scan
from seawall.model.nist800190 import COUNTERMEASURES
from seawall.policy.config import Config
from seawall.reporters import render
from seawall.reporters.compliance import evaluate, framework


def test_framework_lists_every_countermeasure() -> None:
    assert set(framework()["controls"]) == set(COUNTERMEASURES)


def test_statuses(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM nginx:latest\n")
    report = scan([str(tmp_path)], Config())
    from seawall.rules.registry import REGISTRY

    result = evaluate(report.findings, REGISTRY.metas())
    assert result["4.2.2"]["status"] == "fail"  # latest tag
    assert result["4.6"]["status"] == "manual" and result["4.6"]["manual"]
    no_rules = [cm for cm, r in result.items() if not r["rules"]]
    assert all(result[cm]["status"] == "manual" for cm in no_rules)
    body = json.loads(render(report, "json"))
    assert body["summary"]["nist_800_190"]["4.2.2"]["status"] == "fail"
    assert "NIST SP 800-190 countermeasures" in render(report, "nist")
