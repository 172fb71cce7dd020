"""``seawall scan DIR`` over an arbitrary tree: every text file is scanned, binaries and
oversized files are skipped, key stores are reported by name, lines come from offsets."""

from __future__ import annotations

import binascii
from pathlib import Path

from seawall.engine import scan
from seawall.policy.config import Config, parse_config
from seawall.secrets.rules._validators import base62_encode

BODY = "Lm2KpL9xNc4YbJ7sFd6GeAHq3ZtR8v"
GHP = "ghp_" + BODY + base62_encode(binascii.crc32(BODY.encode()))


def sec(report: object) -> list[tuple[str, str, int]]:
    return sorted(
        (f.rule_id, Path(f.location.path).name, f.location.line)
        for f in report.findings  # type: ignore[attr-defined]
        if f.rule_id.startswith("SW-SEC-")
    )


def test_tree_scan(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "deploy.sh").write_text(f"#!/bin/sh\n\ncurl -H 'x: y' \\\n  --token {GHP}\n")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01" + GHP.encode())
    (tmp_path / "logo.png").write_bytes(GHP.encode())
    (tmp_path / "client.p12").write_bytes(b"\x30\x82")
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9\nGITHUB=" + GHP.encode() + b"\n")
    report = scan([str(tmp_path)])
    assert sec(report) == [
        ("SW-SEC-050", "deploy.sh", 4),
        ("SW-SEC-050", "latin1.txt", 2),
        ("SW-SEC-157", "client.p12", 0),
    ]
    assert not report.errors


def test_size_limit_and_config(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * 5000 + f"\nT={GHP}\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text(f"T={GHP}\n")
    cfg = parse_config({"secrets": {"max_file_size": 1000, "ignore_paths": ["docs/**"]}}, "cfg", tmp_path)
    report = scan([str(tmp_path)], cfg)
    assert sec(report) == []
    assert any("big.txt" in s for s, _ in report.skipped)
    assert sec(scan([str(tmp_path)], Config())) == [("SW-SEC-050", "big.txt", 2), ("SW-SEC-050", "guide.md", 1)]


def test_rules_disable_and_select(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(f"T={GHP}\nDB_PASSWORD=Xk9mP2vLq77Tz\n")
    only = Config(enable=("SW-SEC-160",))
    assert sec(scan([str(tmp_path)], only)) == [("SW-SEC-160", "a.env", 2)]
    off = Config(disable=("SW-SEC-160",))
    assert sec(scan([str(tmp_path)], off)) == [("SW-SEC-050", "a.env", 1)]


def test_stdin_and_pipes_get_the_text_scan_files_get(tmp_path: Path, monkeypatch: object) -> None:
    """``helm template ... | seawall scan -`` (or ``<(helm template ...)``): the text scan runs on
    the bytes the engine read, as for a file, so a secret in a comment is found and a secret in a
    field is pinned to its own line; stdin and pipes used to get only the object-level checks."""
    import io
    import os
    import sys
    import threading

    text = (
        f"# deploy token: {GHP}\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\ndata:\n"
        f"  config.ini: |\n    [auth]\n    token = {GHP}\n"
    )
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(text, encoding="utf-8")
    expected = [("SW-SEC-050", 1), ("SW-SEC-050", 8)]

    def found(report: object) -> list[tuple[str, int]]:
        return [(rid, line) for rid, _name, line in sec(report)]

    assert found(scan([str(manifest)])) == expected

    stdin = io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)  # type: ignore[attr-defined]
    assert found(scan(["-"])) == expected

    pipe = tmp_path / "63"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_text(text, encoding="utf-8"), daemon=True)
    writer.start()
    assert found(scan([str(pipe)])) == expected
    writer.join(timeout=10)
