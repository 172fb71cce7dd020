"""Original-format feeds from ../shared/data: Ubuntu USN OVAL (no OSV bundle exists here),
Alpine secdb (adds edge), Debian tracker lists and Debian OVAL (cross-checked with OSV)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from seawall.errors import SourceError
from seawall.vulndb import original
from seawall.vulndb.importer import update
from seawall.vulndb.match import Distro, Match, Matcher, SimplePackage
from seawall.vulndb.store import Store


def _by_id(db: Path, pkg: SimplePackage, distro: Distro) -> dict[str, Match]:
    with Store(db) as s:
        return {i: m for m in Matcher(s).match([pkg], distro).matches for i in m.ids}


def test_detect(shared_dir: Path) -> None:
    data = shared_dir / "data"
    assert original.detect(data / "ubuntu-oval") is original.import_oval
    assert original.detect(data / "debian-oval" / "oval-definitions-bookworm.xml.bz2") is original.import_oval
    assert original.detect(data / "alpine-secdb") is original.import_secdb
    assert original.detect(data / "debian-security-tracker") is original.import_tracker
    assert original.detect(data / "osv") is None


def test_ubuntu_usn_oval(shared_dir: Path, tmp_path: Path) -> None:
    res = update([str(shared_dir / "data/ubuntu-oval")], tmp_path / "u.sqlite3")
    with Store(res.path) as s:
        assert {"Ubuntu:22.04", "Ubuntu:24.04"} <= s.known_ecosystems()
    libssl = SimplePackage("libssl3", "3.0.2-0ubuntu1", "Ubuntu", source_name="openssl",
                           source_version="3.0.2-0ubuntu1")
    hits = _by_id(res.path, libssl, Distro("ubuntu", "22.04"))
    m = hits["USN-5402-1"]
    assert "CVE-2022-1292" in m.ids
    assert m.fixed == ("3.0.2-0ubuntu1.1",)
    assert m.score == 9.8 and m.severity.label == "critical"
    patched = SimplePackage("libssl3", "3.0.2-0ubuntu1.1", "Ubuntu", source_name="openssl",
                            source_version="3.0.2-0ubuntu1.1")
    assert "USN-5402-1" not in _by_id(res.path, patched, Distro("ubuntu", "22.04"))
    # a jammy fix never applies to an image of another release
    assert not _by_id(res.path, libssl, Distro("ubuntu", "20.04"))


def test_alpine_secdb_adds_edge(shared_dir: Path, tmp_path: Path) -> None:
    res = update([str(shared_dir / "data/alpine-secdb")], tmp_path / "a.sqlite3")
    with Store(res.path) as s:
        assert "Alpine:edge" in s.known_ecosystems() and "Alpine:v3.20" in s.known_ecosystems()
    pkg = SimplePackage("libcrypto3", "3.1.4-r0", "Alpine", source_name="openssl")
    edge = _by_id(res.path, pkg, Distro("alpine", "3.21.0_alpha20240807"))
    assert edge and all(m.ecosystem == "Alpine:edge" for m in edge.values())
    v319 = _by_id(res.path, pkg, Distro("alpine", "3.19.1"))
    assert v319["CVE-2023-5678"].fixed == ("3.1.4-r1",)


def test_secdb_agrees_with_osv_conversion(shared_dir: Path, store: Store, tmp_path: Path) -> None:
    res = update([str(shared_dir / "data/alpine-secdb")], tmp_path / "a.sqlite3")
    pkg = SimplePackage("busybox", "1.36.1-r0", "Alpine", source_name="busybox")
    distro = Distro("alpine", "3.18.4")
    from_secdb = {i: m.fixed for i, m in _by_id(res.path, pkg, distro).items()}
    from_osv = {i: m.fixed for m in Matcher(store).match([pkg], distro).matches for i in m.ids}
    assert from_secdb and from_secdb == from_osv


def test_debian_tracker_lists(shared_dir: Path, tmp_path: Path) -> None:
    """SOURCES.md spot check: openssl 1.1.1n-0+deb11u3 on Debian 11 hits DSA-5343-1."""
    res = update([str(shared_dir / "data/debian-security-tracker")], tmp_path / "t.sqlite3")
    pkg = SimplePackage("libssl1.1", "1.1.1n-0+deb11u3", "Debian", source_name="openssl",
                        source_version="1.1.1n-0+deb11u3")
    hits = _by_id(res.path, pkg, Distro("debian", "11"))
    assert hits["DSA-5343-1"].fixed == ("1.1.1n-0+deb11u4",)
    assert "CVE-2023-0286" in hits["DSA-5343-1"].ids


@pytest.mark.slow
def test_debian_oval_matches_osv_conversion(shared_dir: Path, store: Store, tmp_path: Path) -> None:
    res = update([str(shared_dir / "data/debian-oval/oval-definitions-bookworm.xml.bz2")], tmp_path / "o.sqlite3")
    pkg = SimplePackage("libssl3", "3.0.8-1", "Debian", source_name="openssl", source_version="3.0.8-1")
    distro = Distro("debian", "12")
    oval = {i for i, _m in _by_id(res.path, pkg, distro).items() if i.startswith("DEBIAN-")}
    osv = {i for m in Matcher(store).match([pkg], distro).matches for i in m.ids if i.startswith("DEBIAN-")}
    assert oval and oval == osv


def test_malformed_feeds_are_one_line_errors(shared_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "com.ubuntu.test.usn.oval.xml"
    bad.write_text("<oval_definitions><definitions><definition>")
    with pytest.raises(SourceError) as err:
        update([str(bad)], tmp_path / "x.sqlite3")
    assert "\n" not in str(err.value) and bad.name in str(err.value)
    secdb = tmp_path / "secdb"
    shutil.copytree(shared_dir / "data/alpine-secdb/v3.20", secdb / "v3.20")
    (secdb / "v3.20" / "main.json").write_text("{broken")
    with pytest.raises(SourceError, match="not secdb JSON"):
        update([str(secdb)], tmp_path / "y.sqlite3")
    assert not (tmp_path / "x.sqlite3").exists() and not (tmp_path / "y.sqlite3").exists()


def test_bz2_oval_bomb_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The size check was on the compressed file: 2.5 KB of bz2 grew to 3.2 GB of XML text in
    one element (3.3 GB of memory). Decompressed bytes now count against the limit too."""
    import bz2

    d = tmp_path / "oval"
    d.mkdir()
    text = b'<oval_definitions><definitions><definition id="x"><title>' + b"a" * (4 << 20) + b"</title>"
    (d / "oval-definitions-bookworm.xml.bz2").write_bytes(bz2.compress(text))
    monkeypatch.setattr(original, "MAX_FEED_BYTES", 1 << 20)
    with pytest.raises(SourceError, match="once decompressed"):
        update([str(d)], tmp_path / "db.sqlite3")


def test_hostile_secdb_files(tmp_path: Path) -> None:
    """A secdb file nested 100k deep was 'internal error: RecursionError'; lone surrogate
    escapes could not be stored (SQLite); wrong shapes are skipped."""
    d = tmp_path / "secdb" / "v3.20"
    d.mkdir(parents=True)
    (d / "main.json").write_bytes(
        b'{"distroversion": "v3.20", "packages": [{"pkg": {"name": "x\\ud800", "secfixes": {"1.0-r0":'
        b' ["CVE-2024-1 GHSA-x", 5, null], "0": ["CVE-2"]}}}, {"pkg": {"name": "y", "secfixes": {"1": {"a": 1},'
        b' "2": "CVE-3"}}}, 5, {"pkg": 5}]}'
    )
    res = update([str(tmp_path / "secdb")], tmp_path / "db.sqlite3")
    assert res.records == 1
    with Store(res.path) as s:
        assert [r.advisory for r in s.affected("Alpine:v3.20", "x\ufffd")] == ["ALPINE-CVE-2024-1"]
    (d / "community.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SourceError, match="nested too deeply"):
        update([str(tmp_path / "secdb")], tmp_path / "db2.sqlite3")
