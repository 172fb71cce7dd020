"""SBOM input (CycloneDX and SPDX written by seawall's own SBOM writers, purl forms), the
``sbom scan`` handler end to end, and the ``seawall db`` commands through the real CLI."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from seawall.cli import sbom_scan as sbom_scan_cli
from seawall.cli.main import main
from seawall.errors import InputError
from seawall.inventory.osrelease import OSRelease
from seawall.inventory.packages.model import ImageInventory, Package, PackageLocation, make_purl
from seawall.reporters import cyclonedx, spdx
from seawall.vulndb.sbom_input import package_from_purl, read_sbom


def sbom_scan(argv: list[str]) -> int:
    """The handler behind ``seawall sbom scan`` (wired into the sbom command group by its owner)."""
    parser = argparse.ArgumentParser(prog="seawall sbom scan")
    parser.set_defaults(verbose=0)  # the top-level parser provides it in the real CLI
    sbom_scan_cli.add_arguments(parser)
    return int(parser.parse_args(argv).func(parser.parse_args(argv)))


def _inventory() -> ImageInventory:
    os_ = OSRelease(id="debian", version_id="12", pretty_name="Debian GNU/Linux 12 (bookworm)")
    pkgs = (
        Package("libssl3", "3.0.8-1", "Debian",
                make_purl("deb", "libssl3", "3.0.8-1", namespace="debian", qualifiers={"distro": "debian-12"}),
                "dpkg", source_name="openssl", source_version="3.0.8-1",
                locations=(PackageLocation("var/lib/dpkg/status", "sha256:aa"),), distro="debian-12"),
        Package("PyYAML", "5.3", "PyPI", make_purl("pypi", "pyyaml", "5.3"), "python",
                locations=(PackageLocation("usr/lib/python3/dist-packages/PyYAML-5.3.dist-info/METADATA"),)),
        Package("urllib3", "1.24.1", "PyPI", make_purl("pypi", "urllib3", "1.24.1"), "python"),
    )
    return ImageInventory("registry.example/app:1.0", "sha256:" + "1" * 64, "sha256:" + "2" * 64, os_, pkgs)


@pytest.mark.parametrize("writer", [cyclonedx, spdx])
def test_reads_seawall_sboms(writer: Any, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_text(writer.render([_inventory()]))
    sbom = read_sbom(path)
    got = {(p.ecosystem, p.name, p.version, p.source_name) for p in sbom.packages}
    assert ("Debian", "libssl3", "3.0.8-1", "openssl") in got
    assert ("PyPI", "pyyaml", "5.3", "") in got
    assert sbom.distro is not None and (sbom.distro.id, sbom.distro.version_id) == ("debian", "12")


def test_purl_mapping() -> None:
    assert package_from_purl("pkg:golang/golang.org/x/net@v0.1.0")[0].name == "golang.org/x/net"  # type: ignore[union-attr]
    purl = "pkg:apk/alpine/libcrypto3@3.1.4-r0?arch=x86_64&upstream=openssl&distro=alpine-3.19.1"
    pkg, distro = package_from_purl(purl)
    assert pkg is not None and pkg.ecosystem == "Alpine" and pkg.source_name == "openssl"
    assert distro is not None and distro.version_id == "3.19.1"
    assert package_from_purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")[0].name == (  # type: ignore[union-attr]
        "org.apache.logging.log4j:log4j-core")
    assert package_from_purl("pkg:generic/thing@1.0") == (None, None)
    assert package_from_purl("not a purl") == (None, None)


def test_not_an_sbom(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(InputError, match="CycloneDX"):
        read_sbom(p)


def test_sbom_scan_cli_end_to_end(subset_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bom = tmp_path / "bom.cdx.json"
    doc = json.loads(cyclonedx.render([_inventory()]))
    doc["components"].append({"type": "library", "name": "mystery", "version": "1.0"})  # no purl
    bom.write_text(json.dumps(doc))
    rc = main(["sbom-scan", str(bom), "--db", str(subset_db), "-f", "json", "-q"])  # the real CLI
    out = json.loads(capsys.readouterr().out)
    ids = {i for f in out["findings"] for i in f["references"].get("vulnerabilities", [])}
    assert {"CVE-2020-14343", "PYSEC-2021-142", "CVE-2019-11324", "CVE-2023-2650"} <= ids
    assert rc == 1  # findings at or above the default --fail-on high (CVE-2023-43804 is 8.1)
    libssl = next(f for f in out["findings"] if "CVE-2023-2650" in f["references"].get("vulnerabilities", []))
    assert "openssl" in libssl["message"] and "3.0.9-1" in libssl["remediation"]
    assert libssl["references"]["nist_800_190"] == {"risk": ["3.1.1"], "countermeasure": ["4.1.1"]}
    yaml = next(f for f in out["findings"] if "CVE-2020-14343" in f["references"].get("vulnerabilities", []))
    assert set(yaml["references"]["nist_800_190"]["risk"]) == {"3.1.1", "3.4.4"}
    nc = out["summary"]["not_checked"]
    assert any(e["kind"] == "no-purl" and "mystery" in e["subject"] for e in nc)


def test_sbom_scan_vex_and_unknown_release(subset_db: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    inv = _inventory()
    inv = ImageInventory(inv.reference, inv.digest, inv.config_digest, OSRelease("debian", "13"), inv.packages)
    bom = tmp_path / "trixie.json"
    bom.write_text(cyclonedx.render([inv]))
    rc = sbom_scan([str(bom), "--db", str(subset_db), "-f", "json", "-q"])
    out = json.loads(capsys.readouterr().out)
    assert any(e["kind"] == "unknown-release" for e in out["summary"]["not_checked"])
    assert any(f["rule_id"] == "SW-VULN-002" for f in out["findings"])
    assert not any("CVE-2023-2650" in f["references"].get("vulnerabilities", []) for f in out["findings"])
    assert rc == 1


def test_sbom_group_scan_subcommand(subset_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """``seawall sbom scan FILE`` (an alias of sbom-scan; the database comes from $SEAWALL_DB)."""
    bom = tmp_path / "bom.json"
    bom.write_text(cyclonedx.render([_inventory()]))
    monkeypatch.setenv("SEAWALL_DB", str(subset_db))
    rc = main(["sbom", "scan", str(bom), "-o", str(tmp_path / "report.txt"), "-q"])
    assert rc == 1
    assert "CVE-2020-14343" in (tmp_path / "report.txt").read_text()
    assert main(["sbom", "scan"]) == 2  # no FILE: a usage error
    capsys.readouterr()


def test_sbom_scan_without_database_is_incomplete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bom = tmp_path / "bom.json"
    bom.write_text(cyclonedx.render([_inventory()]))
    rc = sbom_scan([str(bom), "--db", str(tmp_path / "missing.sqlite3"), "-f", "json"])
    captured = capsys.readouterr()
    assert rc == 3  # "could not look" is never "clean"
    out = json.loads(captured.out)
    assert not out["findings"] or all(f["rule_id"] == "SW-VULN-002" for f in out["findings"])
    assert "seawall db update" in captured.err


def test_db_update_and_status_cli(osv_subset: Path, tmp_path: Path, http_serve: Any,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.sqlite3"
    assert main(["db", "update", "--source", http_serve(osv_subset), "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert "imported" in err and "osv:PyPI" in err
    assert main(["db", "status", "--db", str(db), "-f", "json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert {s["name"] for s in st["sources"]} >= {"osv:PyPI", "osv:Debian"}
    assert st["advisories"] == sum(s["records"] for s in st["sources"])
    assert main(["db", "status", "--db", str(db)]) == 0
    assert "Debian:12" in capsys.readouterr().out
    assert main(["db", "status", "--db", str(tmp_path / "none.sqlite3")]) == 3
    assert "seawall db update" in capsys.readouterr().err


@pytest.mark.parametrize(
    "doc",
    [
        {"bomFormat": "CycloneDX", "components": 5},
        {"bomFormat": "CycloneDX", "components": [5, None, {"components": "x", "purl": 7, "properties": 3}]},
        {"spdxVersion": "SPDX-2.3", "packages": {"a": 1}},
        {"spdxVersion": "SPDX-2.3", "packages": [{"externalRefs": 9}, "x"]},
    ],
)
def test_hostile_sbom_shapes_do_not_crash(doc: dict[str, Any], tmp_path: Path) -> None:
    p = tmp_path / "h.json"
    p.write_text(json.dumps(doc))
    sbom = read_sbom(p)
    assert sbom.packages == []


def test_sbom_nested_too_deep_or_endless(tmp_path: Path) -> None:
    """A 100k-deep array was 'internal error: RecursionError'; /dev/zero (size 0 to stat) was read
    until memory ran out."""
    deep = tmp_path / "deep.json"
    deep.write_text('{"bomFormat": "CycloneDX", "components": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InputError, match="nested too deeply"):
        read_sbom(deep)
    import seawall.vulndb.sbom_input as sbom_input

    limit = sbom_input.MAX_SBOM_BYTES
    sbom_input.MAX_SBOM_BYTES = 1 << 20
    try:
        with pytest.raises(InputError, match="larger than the limit"):
            read_sbom(Path("/dev/zero"))
    finally:
        sbom_input.MAX_SBOM_BYTES = limit


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "junit"])
def test_sbom_with_lone_surrogates_reports_in_every_format(fmt: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A lone surrogate escaped in an SBOM string stopped JSON and SARIF output with 'internal
    error: UnicodeEncodeError' (the finding fingerprint hashes UTF-8)."""
    doc = tmp_path / "s.json"
    doc.write_bytes(b'{"bomFormat": "CycloneDX", "metadata": {"component": {"name": "img\\ud800"}}, "components": ['
                    b'{"type": "library", "name": "nopurl\\ud800", "version": "1"},'
                    b'{"type": "library", "name": "x", "purl": "pkg:pypi/x@1.0\\udfff"}]}')
    sbom = read_sbom(doc)
    assert sbom.name == "img\ufffd" and sbom.packages[0].version == "1.0\ufffd"
    code = main(["sbom", "scan", str(doc), "--db", str(tmp_path / "none.db"), "-f", fmt])
    err = capsys.readouterr().err
    assert code == 3 and "internal error" not in err


def test_db_update_problem_lines_stay_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               zip_writer: Any) -> None:
    """A zip entry named with a newline split its problem report over two lines."""
    good = b'{"id": "A", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}, "versions": ["1"]}]}'
    z = zip_writer(tmp_path / "PyPI" / "all.zip", [("bad\nname\r.json", b"{nope"), ("ok.json", good)])
    assert main(["db", "update", "--source", str(z), "--db", str(tmp_path / "db.sqlite3")]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert any(line.endswith("bad\\nname\\r.json: not JSON") for line in lines), lines


@pytest.mark.parametrize("value", ["inf", "1e309", "nan", "0", "-1"])
def test_db_update_timeout_must_be_usable(value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--timeout inf was 'internal error: OverflowError' from the socket layer."""
    code = main(["db", "update", "--source", str(tmp_path), f"--timeout={value}", "--db", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2 and "argument --timeout" in err and "internal error" not in err
