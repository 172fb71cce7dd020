"""No output format, log line or error ever contains a planted secret (redaction happens at
detection, so this holds for every reporter, the CLI's stderr and scan errors)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from seawall.engine import scan
from seawall.reporters import render
from seawall.secrets.redact import redact
from support.secret_corpus import Corpus, generate

FORMATS = ("table", "json", "sarif", "junit")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return generate(tmp_path_factory.mktemp("planted"), seed=11, files=40)


def _needles(corpus: Corpus) -> list[str]:
    needles = [p.needle for p in corpus.planted if len(p.needle) >= 8]
    assert len(needles) >= 0.9 * len(corpus.planted)
    # not vacuous: every needle really is in the scanned files (k8s data values are base64 there)
    text = "\n".join(f.read_text() for f in corpus.root.rglob("*") if f.is_file())
    assert sum(n in text for n in needles) >= len(needles) - 2
    return needles


def _assert_clean(text: str, needles: list[str], where: str) -> None:
    leaked = [n[:4] + "..." for n in needles if n in text]
    assert not leaked, f"{where} contains {len(leaked)} planted secrets (prefixes {leaked[:5]})"


def test_every_reporter_output_is_redacted(corpus: Corpus) -> None:
    report = scan([str(corpus.root)])
    secret_findings = [f for f in report.findings if f.rule_id.startswith("SW-SEC-")]
    assert len(secret_findings) >= len(corpus.planted) * 0.95
    needles = _needles(corpus)
    for fmt in FORMATS:
        _assert_clean(render(report, fmt, verbose=1), needles, f"--format {fmt}")
    _assert_clean("\n".join(str(e) for e in report.errors), needles, "scan errors")
    _assert_clean("\n".join(report.warnings), needles, "warnings")
    for f in secret_findings:
        _assert_clean(repr(f), needles, f"repr of {f.rule_id}")


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_stdout_and_stderr_are_redacted(corpus: Corpus, fmt: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3] / "src"))
    proc = subprocess.run(
        [sys.executable, "-m", "seawall", "scan", str(corpus.root), "--format", fmt, "-v"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "SW-SEC-" in proc.stdout
    needles = _needles(corpus)
    _assert_clean(proc.stdout, needles, f"CLI stdout ({fmt})")
    _assert_clean(proc.stderr, needles, f"CLI stderr ({fmt})")


def test_redacted_form_shows_little() -> None:
    value = "ghp_" + "Zq8" * 12
    red = str(redact(value))
    assert value not in red and value[4:20] not in red
    assert red.startswith("ghp_") and "sha256:" in red
    assert redact("short").prefix == ""  # nothing at all of very short secrets
    assert redact(value).digest == redact(value).digest != redact(value + "x").digest


def test_error_messages_are_scrubbed(tmp_path: Path) -> None:
    # a YAML error quotes the offending tag; the scrubber redacts secrets other components quote
    import binascii

    from seawall.secrets.rules._validators import base62_encode

    body = "Zq81LmN2bV7cX4pK9sT3rW6yQ0aB5d"
    token = "ghp_" + body + base62_encode(binascii.crc32(body.encode()))
    (tmp_path / "bad.yaml").write_text(f"x: !{token} y\n")
    report = scan([str(tmp_path)])
    assert report.errors and any("tag" in e.message for e in report.errors)
    text = "\n".join(str(e) for e in report.errors) + "\n".join(render(report, f) for f in FORMATS)
    assert token not in text
    assert any(f.rule_id == "SW-SEC-050" for f in report.findings)
