"""``seawall scan`` of a real image with old packages (the image issue's app image: Debian
bookworm + PyYAML 5.3, urllib3 1.24.1, lodash 4.17.15): vulnerability findings through the
engine, Debian packages matched via their source package, VEX from the config section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seawall.engine import scan
from seawall.policy.config import Config


@pytest.fixture(scope="module")
def app_archive() -> Path:
    from support.images import app_images

    return app_images()["docker"]


@pytest.mark.slow
def test_scan_finds_known_advisories(app_archive: Path, subset_db: Path) -> None:
    report = scan([str(app_archive)], Config(sections={"vulnerabilities": {"db": str(subset_db)}}))
    assert not report.errors
    vulns = [f for f in report.findings if f.rule_id == "SW-VULN-001"]
    by_pkg: dict[str, set[str]] = {}
    for f in vulns:
        by_pkg.setdefault(f.extras()["package"], set()).update(f.references.vulnerabilities)
    assert {"CVE-2020-14343", "PYSEC-2021-142"} <= by_pkg["PyYAML"]
    assert "CVE-2019-11324" in by_pkg["urllib3"]
    assert any(i.startswith(("CVE-", "x_NSWG")) for i in by_pkg["lodash"])
    libc = [f for f in vulns if f.extras()["package"] == "libc6"]
    assert libc and all("via source package glibc" in f.message for f in libc)
    assert all(f.resource.image for f in vulns)
    # everything in the image was checked (Debian 12, PyPI and npm all have data)
    assert not [n for n in report.not_checked if n.get("analyzer") == "vulnerabilities"]


@pytest.mark.slow
def test_vex_in_config_and_missing_db(app_archive: Path, subset_db: Path, tmp_path: Path) -> None:
    vex = tmp_path / "app.vex.json"
    vex.write_text(json.dumps({
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1",
        "author": "test", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
        "statements": [{"vulnerability": {"name": "CVE-2020-14343"}, "products": [{"@id": "pkg:pypi/pyyaml"}],
                        "status": "not_affected", "justification": "vulnerable_code_not_present"}],
    }))
    cfg = Config(sections={"vulnerabilities": {"db": str(subset_db), "vex": [str(vex)]}})
    report = scan([str(app_archive)], cfg)
    f = next(f for f in report.findings if "CVE-2020-14343" in f.references.vulnerabilities)
    assert f.suppressed.startswith("VEX not_affected (vulnerable_code_not_present)")
    assert f not in report.active()
    # no database: nothing is reported clean, everything is "not checked"
    report = scan([str(app_archive)], Config(sections={"vulnerabilities": {"db": str(tmp_path / "none.db")}}))
    assert not [f for f in report.findings if f.rule_id == "SW-VULN-001"]
    nc = [n for n in report.not_checked if n.get("analyzer") == "vulnerabilities"]
    assert nc and nc[0]["kind"] == "no-database"
    assert any(f.rule_id == "SW-VULN-002" for f in report.findings)
    assert report.incomplete and any("seawall db update" in str(e) for e in report.errors)
