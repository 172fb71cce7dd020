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
