"""The two-core read path (seawall.forkscan) must give exactly the serial scan's report.

forkscan refuses to fork while other threads run (a forked child could inherit a lock held by
one of them), and a full test session keeps registry and token servers running in threads. So
the tests that really fork run in a fresh interpreter (:func:`_in_fresh_process`).
"""

from __future__ import annotations

import os
import subprocess
import sys
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


def _in_fresh_process(test_name: str) -> None:
    """Run one test of this module alone in a new interpreter (no other threads)."""
    env = dict(os.environ, SEAWALL_FORKSCAN_CHILD_TEST="1")
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{__file__}::{test_name}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "1 passed" in r.stdout and "skipped" not in r.stdout, r.stdout[-2000:]


_IN_CHILD = os.environ.get("SEAWALL_FORKSCAN_CHILD_TEST") == "1"


def test_fork_paths_in_a_fresh_process() -> None:
    if _IN_CHILD:
        pytest.skip("already in the fresh process")
    _in_fresh_process("test_parallel_scan_equals_serial")
    _in_fresh_process("test_failed_child_falls_back_to_serial")


@pytest.mark.skipif(not _IN_CHILD, reason="forks: run by test_fork_paths_in_a_fresh_process")
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


@pytest.mark.skipif(not _IN_CHILD, reason="forks: run by test_fork_paths_in_a_fresh_process")
def test_failed_child_falls_back_to_serial(shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = _inputs(shared_dir, tmp_path)
    monkeypatch.setattr(forkscan, "MIN_FILES", 10**9)
    serial = _view(scan(inputs, Config()))

    def broken(run: Any) -> bytes:
        raise RuntimeError("child cannot report")

    monkeypatch.setattr(forkscan, "MIN_FILES", 10)
    monkeypatch.setattr(forkscan, "_export", broken)  # inherited by the forked child
    assert _view(scan(inputs, Config())) == serial


def test_small_inputs_and_stdin_stay_serial(shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from seawall.engine import ScanRun
    from seawall.sources.files import InputPath

    monkeypatch.setattr(forkscan.threading, "active_count", lambda: 1)  # the session's server threads
    run = ScanRun(Config())
    few = [InputPath(p, str(p)) for p in sorted((shared_dir / "corpus" / "k8s" / "kubesec").rglob("*.yaml"))[:5]]
    assert not forkscan.usable(run, few)
    many = few * 100
    assert forkscan.usable(run, many)
    assert not forkscan.usable(run, [*many, InputPath(Path("-"), "-", stdin=True)])


def test_other_threads_keep_the_scan_serial(shared_dir: Path) -> None:
    import threading

    from seawall.engine import ScanRun
    from seawall.sources.files import InputPath

    items = [InputPath(p, str(p)) for p in sorted((shared_dir / "corpus" / "k8s" / "kubesec").rglob("*.yaml"))] * 50
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not forkscan.usable(ScanRun(Config()), items)
    finally:
        stop.set()
        t.join()
