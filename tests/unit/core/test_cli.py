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


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "table", "nist"])
@pytest.mark.parametrize("to_file", [True, False])
def test_file_names_that_are_not_utf8_are_written_escaped(tmp_path: Path, fmt: str, to_file: bool) -> None:
    """A file name with bytes that are not UTF-8 (the path text then holds lone surrogates) is
    written backslash-escaped, in every format, to a file or stdout; it never stops the report.
    In JSON the escape is a JSON escape, so the parsed path is the name Python gave the file."""
    name = os.fsdecode(b"\xff\xfe-deploy.yaml")
    (tmp_path / name).write_text(PRIV, encoding="utf-8")
    out = tmp_path / f"report.{fmt}"
    r = run("scan", str(tmp_path), "-f", fmt, *(["-o", str(out)] if to_file else []), cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    text = out.read_text(encoding="utf-8") if to_file else r.stdout
    if fmt == "table":
        assert "privileged" in text.lower()
    elif fmt in ("json", "sarif"):
        body = json.loads(text)
        paths = (
            [f["location"]["path"] for f in body["findings"]]
            if fmt == "json"
            else [
                loc["physicalLocation"]["artifactLocation"]["uri"]
                for res in body["runs"][0]["results"]
                for loc in res["locations"]
            ]
        )
        assert paths and all("-deploy.yaml" in p for p in paths)
        if fmt == "json":
            assert set(paths) == {name}
    elif fmt == "junit":
        import xml.etree.ElementTree as ET

        assert "\\udcff\\udcfe-deploy.yaml" in text and ET.fromstring(text) is not None


def test_control_characters_from_input_never_reach_a_terminal_raw(tmp_path: Path) -> None:
    """A manifest can name its objects (and its file) with escape sequences, carriage returns and
    bidi controls: written raw they would recolour, retitle or erase the report's lines on the
    terminal of whoever reads the CI log, and make the JUnit XML unparseable. Text outputs and
    diagnostics show them as escapes; JSON keeps the exact name (its encoder escapes them)."""
    evil = "evil\x1b]0;pwned\x07\x1b[8m\rfine\u202e"
    body = (
        PRIV.replace("name: web", "name: " + json.dumps(evil))
        + "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n"
        "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
        "subjects: [{kind: User, name: " + json.dumps(evil) + "}]\n"
    )
    (tmp_path / "app\x1b[2K.yaml").write_text(body, encoding="utf-8")
    (tmp_path / "broken\x1b]0;x\x07.yaml").write_text("a: [\n", encoding="utf-8")
    raw = ("\x1b", "\x07", "\r", "\u202e")
    junit = tmp_path / "r.xml"
    runs = [
        run("scan", str(tmp_path)),
        run("scan", str(tmp_path), "-f", "junit", "-o", str(junit)),
        run("netpol", "matrix", str(tmp_path), "--format", "txt"),
        run("netpol", "matrix", str(tmp_path)),
        run("rbac", "who-can", "get", "secrets", str(tmp_path)),
        run("rbac", "can", "user:" + evil, str(tmp_path)),
    ]
    for r in runs:
        assert "Traceback" not in r.stderr and "internal error" not in r.stderr
        assert not [c for c in raw if c in r.stdout or c in r.stderr], (r.args, r.stdout[-300:], r.stderr[-300:])
    assert "evil\\x1b]0;pwned" in runs[0].stdout and "broken\\x1b]0;x\\x07.yaml" in runs[0].stderr
    assert "evil\\x1b]0;pwned" in runs[4].stdout
    text = junit.read_text(encoding="utf-8")
    assert not [c for c in raw if c in text]
    import xml.etree.ElementTree as ET

    assert ET.fromstring(text).get("failures") != "0"
    report = json.loads(run("scan", str(tmp_path), "-f", "json").stdout)
    assert evil in {f["resource"]["name"] for f in report["findings"]}


@pytest.mark.parametrize("command", [["image", "/nonexistent.tar"], ["registry", "scan", "127.0.0.1:9"]])
def test_rule_globs_are_bounded_in_every_command(command: list[str]) -> None:
    """fnmatch translates a '[a-[a-...' glob in quadratic time: --rule/--skip-rule of seawall image
    and seawall registry are bounded as seawall scan's are, before any input is opened."""
    long_glob = "[a-" * 2000
    for option in ("--rule", "--skip-rule"):
        r = run(*command, option, long_glob, "-q")
        assert r.returncode == 2 and f"{option}: glob of 6,000 characters" in r.stderr
