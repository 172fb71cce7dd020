"""``seawall netpol matrix --each DIR...`` end to end: one process analyses every np-guard
plain-NetworkPolicy case as a cluster of its own, and each section equals np-guard's golden and the
one-input output of the same directory."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support.paths import SHARED

CORPUS = SHARED / "corpus" / "netpol" / "np-guard"


def _cases() -> list[tuple[str, str]]:
    """(input dir, txt golden) of every plain-NetworkPolicy case run without np-guard options."""
    with (CORPUS / "tests_index.tsv").open(encoding="utf-8") as fh:
        cats = {r["input_dir(recursive)"]: r["category"] for r in csv.DictReader(fh, delimiter="\t")}
    out: dict[str, str] = {}
    for c in json.loads((CORPUS / "connlist_cases.json").read_text(encoding="utf-8")):
        if cats.get(c["input_dir"]) != "k8s-netpol" or c["format"] != "txt":
            continue
        if c["focus_workloads"] or c["exposure_analysis"] or c["focus_direction"] or c["focus_conn"]:
            continue
        out.setdefault(c["input_dir"], c["expected_output"])
    return sorted(out.items())


def _seawall(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "seawall", "netpol", "matrix", *args], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stdout


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^==> (.+) <==\n", text, flags=re.M)
    assert parts[0] == ""
    return {parts[i]: parts[i + 1].rstrip("\n") for i in range(1, len(parts), 2)}


def _norm(s: str) -> str:  # np-guard's own comparison: drop every newline
    return s.replace("\n", "").replace("\r", "")


def test_each_connlist_matches_every_golden(shared_dir: Path) -> None:
    cases = _cases()
    assert len(cases) >= 38
    dirs = [str(CORPUS / d) for d, _ in cases]
    sections = _sections(_seawall("--each", *dirs, "--format", "connlist"))
    assert list(sections) == dirs  # in the order given, one per input
    for (d, golden), path in zip(cases, dirs, strict=True):
        expected = (CORPUS / golden).read_text(encoding="utf-8")
        assert _norm(sections[path]) == _norm(expected), d


def test_each_section_is_the_one_input_output(shared_dir: Path) -> None:
    from seawall.netpol import analyze, load_objects
    from seawall.netpol.connlist import connlist

    dirs = [str(CORPUS / d) for d, _ in _cases()[:6]]
    text = _sections(_seawall("--each", *dirs, "--format", "connlist"))
    as_json = json.loads(_seawall("--each", *dirs, "--format", "json"))
    as_csv = _seawall("--each", *dirs, "--format", "csv").splitlines()
    assert as_csv[0] == "input,src,dst,conn"
    for d in dirs:
        result = connlist(analyze(load_objects([d])[0]))
        assert text[d] == result.render("connlist")
        assert as_json[d] == json.loads(result.render("json"))
        rows = result.render("csv").splitlines()[1:]
        assert [line for line in as_csv if line.startswith(d + ",")] == [f"{d},{r}" for r in rows]


@pytest.mark.parametrize("fmt", ["dot", "html"])
def test_each_refuses_formats_without_a_composition(shared_dir: Path, fmt: str) -> None:
    d = str(CORPUS / _cases()[0][0])
    proc = subprocess.run(
        [sys.executable, "-m", "seawall.netpol", "matrix", "--each", d, d, "--format", fmt],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    msg = f"seawall: error: --each cannot combine {fmt} outputs in one document; run once per PATH"
    assert proc.stderr.strip() == msg


def test_each_bad_path_gives_one_line_and_no_partial_output(shared_dir: Path, tmp_path: Path) -> None:
    d = str(CORPUS / _cases()[0][0])
    proc = subprocess.run(
        [sys.executable, "-m", "seawall.netpol", "matrix", "--each", d, str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "missing" in proc.stderr and "Traceback" not in proc.stderr
