"""CLI end to end: exit codes, formats, stdin, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PRIV = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n        securityContext:\n"
    "          privileged: true\n"
)


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "seawall", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_usage_error_exit_2() -> None:
    r = run("scan")
    assert r.returncode == 2


def test_missing_file_exit_2_one_line(tmp_path: Path) -> None:
    r = run("scan", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "nope.yaml" in r.stderr and "Traceback" not in r.stderr


def test_incomplete_scan_exit_3(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("a: [1\n")
    r = run("scan", str(tmp_path), "-q")
    assert r.returncode == 3
    assert "bad.yaml" in r.stderr and "Traceback" not in r.stderr


def test_stdin_and_json_format() -> None:
    r = run(
        "scan",
        "-",
        "-f",
        "json",
        "--fail-on",
        "critical",
        stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    )
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert body["schema_version"] and body["tool"]["name"] == "seawall"
    assert set(body["summary"]) >= {"findings", "by_severity", "posture", "incomplete"}


def test_output_file_and_bad_config(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(PRIV)
    out = tmp_path / "r.json"
    r = run("scan", str(tmp_path / "d.yaml"), "-f", "json", "-o", str(out), "--fail-on", "critical")
    assert out.is_file() and r.stdout == ""
    cfg = tmp_path / "c.yaml"
    cfg.write_text("ignore:\n  - rule: SW-X\n")
    r = run("scan", str(tmp_path / "d.yaml"), "-c", str(cfg))
    assert r.returncode == 2 and "reason" in r.stderr


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "junit"])
def test_every_format_renders(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "d.yaml").write_text(PRIV)
    r = run("scan", str(tmp_path), "-f", fmt)
    assert r.returncode in (0, 1), r.stderr
    assert r.stdout


def test_rules_explain_unknown_is_one_line() -> None:
    r = run("rules", "explain", "NOPE-1")
    assert r.returncode == 2 and "NOPE-1" in r.stderr


@pytest.mark.parametrize("columns", ["200", "60", "", "x"])
def test_help_is_as_wide_as_argparse_makes_it(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lean help formatter (no shutil import) wraps help exactly as argparse's own would."""
    import argparse

    from seawall.cli.helpformat import formatter

    monkeypatch.setenv("COLUMNS", columns)

    def parser(**kw: Any) -> argparse.ArgumentParser:
        p = argparse.ArgumentParser(prog="seawall", description="word " * 80, **kw)
        p.add_argument("--flag", help="a long help text " * 12)
        return p

    assert parser(formatter_class=formatter).format_help() == parser().format_help()
