"""CVSS base scores (FIRST reference values), severity choice, and the SW-VULN findings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from seawall.analyzers.vulnerabilities import VULN_NOT_CHECKED, VULN_PACKAGE, scan_images, stale_warning
from seawall.model.finding import Severity
from seawall.model.nist800190 import COUNTERMEASURES, RISKS
from seawall.rules.registry import REGISTRY
from seawall.vulndb.cvss import base_score, rating_severity
from seawall.vulndb.match import Distro, SimplePackage
from seawall.vulndb.store import Store


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),  # CVE-2014-0160 (Heartbleed), NVD
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3),
        ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5),
    ],
)
def test_base_scores(vector: str, score: float) -> None:
    s = base_score(vector)
    assert s is not None and s.base == score


@pytest.mark.parametrize("bad", ["", "CVSS:3.1/AV:N", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "junk"])
def test_bad_vectors_are_none(bad: str) -> None:
    assert base_score(bad) is None


def test_source_ratings() -> None:
    assert rating_severity("HIGH") is Severity.HIGH
    assert rating_severity("moderate") is Severity.MEDIUM
    assert rating_severity("unimportant") is Severity.INFO
    assert rating_severity("not yet assigned") is None


def test_rules_are_declared_with_valid_nist_ids() -> None:
    for rid in (VULN_PACKAGE, VULN_NOT_CHECKED):
        meta = REGISTRY.get(rid).meta
        assert meta.category == "vulnerability" and meta.remediation
        assert set(meta.nist_risk) <= set(RISKS) and set(meta.nist_countermeasure) <= set(COUNTERMEASURES)


class _Img:
    def __init__(self, ref: str, os: Any, packages: list[Any]) -> None:
        self.reference, self.os, self.packages = ref, os, packages


def test_scan_images_findings_and_not_checked(store: Store) -> None:
    imgs = [
        _Img("app:1", Distro("debian", "12"), [
            SimplePackage("libssl3", "3.0.8-1", "Debian", "pkg:deb/debian/libssl3@3.0.8-1", "openssl", "3.0.8-1"),
            SimplePackage("PyYAML", "5.3", "PyPI", "pkg:pypi/pyyaml@5.3"),
            SimplePackage("left-pad", "1.0.0", "NuGet"),
        ]),
        _Img("old:1", Distro("debian", "13"), [SimplePackage("bash", "5.2", "Debian")]),
    ]
    findings, not_checked = scan_images(imgs, store)
    vuln = [f for f in findings if f.rule_id == VULN_PACKAGE]
    assert all(f.resource.image == "app:1" for f in vuln)
    f = next(f for f in vuln if "CVE-2020-14343" in f.references.vulnerabilities)
    assert set(f.references.vulnerabilities) >= {"CVE-2020-14343", "PYSEC-2021-142", "GHSA-8q59-q68h-6hv4"}
    assert "5.4" in f.remediation and "pip install" in f.remediation
    assert f.extras()["fix_state"] == "fixed"
    # fingerprints distinguish vulnerabilities on the same package
    assert len({x.fingerprint for x in vuln}) == len(vuln)
    nc = [x for x in findings if x.rule_id == VULN_NOT_CHECKED]
    assert {x.resource.image for x in nc} == {"app:1", "old:1"}
    assert {e["kind"] for e in not_checked} == {"no-data", "unknown-release"}


def test_no_database_means_not_checked_never_clean() -> None:
    findings, not_checked = scan_images([_Img("x", None, [SimplePackage("a", "1", "PyPI")])], None, "no db")
    assert [f.rule_id for f in findings] == [VULN_NOT_CHECKED]
    assert not_checked[0]["kind"] == "no-database" and not_checked[0]["reason"] == "no db"


def test_stale_database_warning(subset_db: Path) -> None:
    with Store(subset_db) as s:
        assert stale_warning(s, 7) is None
        built = dt.datetime.fromisoformat(s.status().built_at)
        assert built.tzinfo is not None
        warning = stale_warning(s, 0)
    assert warning is not None and "seawall db update" in warning


def test_check_inventories_for_single_image_commands(subset_db: Path, tmp_path: Path) -> None:
    """What ``seawall image REF --db PATH --vex FILE`` calls: overrides beat the config section."""
    import json

    from seawall.analyzers.vulnerabilities import check_inventories
    from seawall.engine import ScanRun
    from seawall.policy.config import Config

    vex = tmp_path / "v.json"
    vex.write_text(json.dumps({
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "t", "timestamp": "2024-01-01T00:00:00Z",
        "version": 1, "statements": [{"vulnerability": {"name": "CVE-2019-11324"},
                                      "products": [{"@id": "pkg:pypi/urllib3@1.24.1"}], "status": "fixed"}],
    }))
    run = ScanRun(Config(sections={"vulnerabilities": {"db": str(tmp_path / "wrong.db")}}))
    img = _Img("app:1", None, [SimplePackage("urllib3", "1.24.1", "PyPI", "pkg:pypi/urllib3@1.24.1")])
    findings = check_inventories(run, [img], db=subset_db, vex=[vex])
    suppressed = [f for f in findings if f.suppressed]
    assert [f.extras()["vulnerability"] for f in suppressed] == ["CVE-2019-11324"]
    assert len(findings) > len(suppressed) and not run.report.errors
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    check_inventories(run, [img], db=subset_db, vex=[bad])
    assert run.report.errors and "OpenVEX" in str(run.report.errors[0])


@pytest.mark.parametrize(
    "section",
    [{"db": 5}, {"max_age_days": "week"}, {"max_age_days": -1}, {"vex": [1]}, {"dbpath": "x"}],
)
def test_invalid_config_section_is_a_policy_error(section: dict[str, Any]) -> None:
    from seawall.analyzers.vulnerabilities import check_inventories
    from seawall.engine import ScanRun
    from seawall.errors import PolicyError
    from seawall.policy.config import Config

    run = ScanRun(Config(sections={"vulnerabilities": section}))
    with pytest.raises(PolicyError, match="vulnerabilities"):
        check_inventories(run, [_Img("x", None, [SimplePackage("a", "1", "PyPI")])])
