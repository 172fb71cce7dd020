"""The two-core read path (seawall.forkscan) must give exactly the serial scan's report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seawall import forkscan
from seawall.engine import Report, scan
from seawall.policy.config import Config

DOCKERFILE = """FROM python:3.12
ADD https://example.com/tool.tar.gz /opt/
RUN apt-get update && apt-get install -y curl
ENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
USER root
"""


def _inputs(shared_dir: Path, tmp_path: Path) -> list[str]:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    corpus = shared_dir / "corpus" / "k8s"
    # Helm charts (skipped templates, one warning per chart), invalid JSON (errors), non-k8s docs
    return [str(corpus / "kube-linter"), str(corpus / "kubesec"), str(tmp_path)]


def _view(report: Report) -> dict[str, Any]:
    stats = {k: v for k, v in report.stats.items() if k != "duration_seconds"}
    return {
        "findings": report.findings,
        "errors": report.errors,
        "warnings": report.warnings,
        "skipped": report.skipped,
        "not_checked": report.not_checked,
        "posture": report.posture,
        "stats": stats,
    }


def test_parallel_scan_equals_serial(shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = _inputs(shared_dir, tmp_path)
    monkeypatch.setattr(forkscan, "MIN_FILES", 10**9)
    serial = _view(scan(inputs, Config()))
    calls: list[int] = []
    real = forkscan.read_split
    monkeypatch.setattr(forkscan, "MIN_FILES", 10)
    monkeypatch.setattr(forkscan, "BATCH", 7)  # many frames, batch boundaries inside Helm charts
    monkeypatch.setattr(forkscan, "read_split", lambda run, items: (calls.append(len(items)), real(run, items)))
    parallel = _view(scan(inputs, Config()))
    assert calls and calls[0] > 10  # the split path ran
    assert serial["findings"] and serial["errors"] and serial["warnings"] and serial["skipped"]
    assert any(f.rule_id.startswith("SW-DF-") for f in serial["findings"])
    assert parallel == serial


def test_failed_child_falls_back_to_serial(shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = _inputs(shared_dir, tmp_path)
    monkeypatch.setattr(forkscan, "MIN_FILES", 10**9)
    serial = _view(scan(inputs, Config()))

    def broken(run: Any) -> bytes:
        raise RuntimeError("child cannot report")

    monkeypatch.setattr(forkscan, "MIN_FILES", 10)
    monkeypatch.setattr(forkscan, "_export", broken)  # inherited by the forked child
    assert _view(scan(inputs, Config())) == serial


def test_small_inputs_and_stdin_stay_serial(shared_dir: Path, tmp_path: Path) -> None:
    from seawall.engine import ScanRun
    from seawall.sources.files import InputPath

    run = ScanRun(Config())
    few = [InputPath(p, str(p)) for p in sorted((shared_dir / "corpus" / "k8s" / "kubesec").rglob("*.yaml"))[:5]]
    assert not forkscan.usable(run, few)
    many = few * 100
    assert forkscan.usable(run, many)
    assert not forkscan.usable(run, [*many, InputPath(Path("-"), "-", stdin=True)])
