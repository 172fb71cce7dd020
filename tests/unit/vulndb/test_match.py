"""Matching real advisories: language packages, Debian by source package, Alpine by origin,
withdrawn records, "no fix yet", alias merging, and everything that must be "not checked"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from seawall.model.finding import Severity
from seawall.vulndb.importer import update
from seawall.vulndb.match import Distro, Matcher, SimplePackage, distro_ecosystems
from seawall.vulndb.store import Store

BOOKWORM = Distro("debian", "12")


def _ids(store: Store, pkgs: list[SimplePackage], distro: Distro | None = None) -> dict[str, set[str]]:
    res = Matcher(store).match(pkgs, distro)
    out: dict[str, set[str]] = {}
    for m in res.matches:
        out.setdefault(m.package.name, set()).update(m.ids)
    return out


def test_pyyaml_and_urllib3_known_advisories(store: Store) -> None:
    res = Matcher(store).match([SimplePackage("PyYAML", "5.3", "PyPI"), SimplePackage("urllib3", "1.24.1", "PyPI")])
    by_id = {i: m for m in res.matches for i in m.ids}
    m = by_id["CVE-2020-14343"]
    assert {"PYSEC-2021-142", "GHSA-8q59-q68h-6hv4"} <= set(m.ids)  # aliases merged in one match
    assert m.id == "CVE-2020-14343" and m.fixed == ("5.4",)
    assert by_id["CVE-2019-11324"].package.name == "urllib3"
    assert by_id["CVE-2019-11324"].fixed == ("1.24.2",)
    # one match per vulnerability, never one per alias
    assert len({m.advisories for m in res.matches}) == len(res.matches)
    assert res.checked == 2 and not res.not_checked


def test_fixed_versions_are_not_reported(store: Store) -> None:
    ids = _ids(store, [SimplePackage("PyYAML", "5.4", "PyPI"), SimplePackage("urllib3", "1.24.2", "PyPI")])
    assert "CVE-2020-14343" not in ids.get("PyYAML", set())
    assert "CVE-2019-11324" not in ids.get("urllib3", set())


def test_debian_binary_matched_through_source_package(store: Store) -> None:
    """libssl3 is built from openssl: bookworm's 3.0.8-1 predates the CVE-2023-2650 fix 3.0.9-1."""
    libssl = SimplePackage("libssl3", "3.0.8-1", "Debian", source_name="openssl", source_version="3.0.8-1")
    res = Matcher(store).match([libssl], BOOKWORM)
    hit = next(m for m in res.matches if "CVE-2023-2650" in m.ids)
    assert hit.package.name == "libssl3"  # reported on the binary package
    assert hit.matched_name == "openssl" and hit.ecosystem == "Debian:12"
    assert hit.fixed == ("3.0.9-1",)
    # without the source name there is nothing called libssl3 in the Debian data
    assert not Matcher(store).match([SimplePackage("libssl3", "3.0.8-1", "Debian")], BOOKWORM).matches
    # the fixed version is clean for that CVE
    fixed = SimplePackage("libssl3", "3.0.9-1", "Debian", source_name="openssl", source_version="3.0.9-1")
    assert "CVE-2023-2650" not in {i for m in Matcher(store).match([fixed], BOOKWORM).matches for i in m.ids}


def test_debian_unfixed_is_affected_no_fix_yet(store: Store) -> None:
    pkg = SimplePackage("libssl3", "3.0.9-1", "Debian", source_name="openssl", source_version="3.0.9-1")
    res = Matcher(store).match([pkg], BOOKWORM)
    unfixed = [m for m in res.matches if "CVE-2010-0928" in m.ids]
    assert unfixed and unfixed[0].no_fix and unfixed[0].fixed == ()


def test_only_the_images_release_is_used(store: Store) -> None:
    """The same openssl version on Debian 11 vs 12 uses each release's own advisories."""
    pkg = SimplePackage("libssl3", "3.0.8-1", "Debian", source_name="openssl", source_version="3.0.8-1")
    d12 = Matcher(store).match([pkg], BOOKWORM)
    d11 = Matcher(store).match([pkg], Distro("debian", "11"))
    assert {m.ecosystem for m in d12.matches} == {"Debian:12"}
    assert {m.ecosystem for m in d11.matches} <= {"Debian:11"}


def test_alpine_matched_by_origin(store: Store) -> None:
    pkg = SimplePackage("libcrypto3", "3.1.4-r0", "Alpine", source_name="openssl")
    res = Matcher(store).match([pkg], Distro("alpine", "3.19.1"))
    by_id = {i: m for m in res.matches for i in m.ids}
    assert by_id["CVE-2023-5678"].fixed == ("3.1.4-r1",)
    assert by_id["CVE-2023-5678"].ecosystem == "Alpine:v3.19"
    assert "ALPINE-CVE-2023-5678" in by_id["CVE-2023-5678"].ids


def test_almalinux_rpm_by_binary_name_with_epoch(store: Store) -> None:
    pkg = SimplePackage("openssl-libs", "1:3.0.7-6.el9_2", "AlmaLinux", source_name="openssl",
                        source_version="3.0.7-6.el9_2")
    res = Matcher(store).match([pkg], Distro("almalinux", "9.2"))
    hit = next(m for m in res.matches if "ALSA-2023:3722" in m.ids)
    assert hit.fixed == ("1:3.0.7-16.el9_2",) and hit.ecosystem == "AlmaLinux:9"
    newer = SimplePackage("openssl-libs", "1:3.0.7-16.el9_2", "AlmaLinux", source_name="openssl")
    assert "ALSA-2023:3722" not in {i for m in Matcher(store).match([newer], Distro("almalinux", "9.2")).matches
                                    for i in m.ids}


def test_distro_packages_never_use_upstream_ranges(store: Store) -> None:
    """Debian's python3-yaml 5.3 is not matched against PyPI's pyyaml ranges (backports)."""
    pkg = SimplePackage("python3-yaml", "5.3.1-1", "Debian", source_name="pyyaml", source_version="5.3.1-1")
    ids = {i for m in Matcher(store).match([pkg], BOOKWORM).matches for i in m.ids}
    assert not any(i.startswith("PYSEC") for i in ids)


def test_not_checked_cases_are_reported(store: Store) -> None:
    pkgs = [
        SimplePackage("libc6", "2.36-9", "Debian", source_name="glibc"),
        SimplePackage("junit", "4.12", "Maven"),
        SimplePackage("requests", "not a version", "PyPI"),
        SimplePackage("bash", "5.2.15-2", "Debian"),
    ]
    res = Matcher(store).match(pkgs, Distro("debian", "13"))  # trixie: not in the database
    kinds = {n.kind: n for n in res.not_checked}
    assert set(kinds) == {"unknown-release", "no-data", "bad-version"}
    assert kinds["unknown-release"].count == 2 and "debian 13" in kinds["unknown-release"].subject
    assert "Maven" in kinds["no-data"].subject
    assert "requests" in kinds["bad-version"].subject
    assert res.checked == 0 and not res.matches
    # no distro at all: OS packages cannot be matched either
    res = Matcher(store).match(pkgs[:1], None)
    assert [n.kind for n in res.not_checked] == ["unknown-release"]


def test_withdrawn_advisories_are_ignored(osv_subset: Path, tmp_path: Path, zip_writer: Any) -> None:
    """PYSEC-2019-144 (arrayfire < 3.6.0) is withdrawn upstream: never reported. The same record
    without its ``withdrawn`` field does match, so the test would notice a broken filter."""
    import zipfile

    with zipfile.ZipFile(osv_subset / "PyPI" / "all.zip") as zf:
        rec = json.loads(zf.read("PYSEC-2019-144.json"))
    assert rec["withdrawn"]
    pkg = SimplePackage("arrayfire", "3.5.0", "PyPI")
    with Store(update([str(osv_subset / "PyPI" / "all.zip")], tmp_path / "a.sqlite3").path) as s:
        assert "PYSEC-2019-144" not in {i for m in Matcher(s).match([pkg]).matches for i in m.ids}
    del rec["withdrawn"]
    z = zip_writer(tmp_path / "b" / "PyPI" / "all.zip", [("PYSEC-2019-144.json", json.dumps(rec).encode())])
    with Store(update([str(z)], tmp_path / "b.sqlite3").path) as s:
        assert "PYSEC-2019-144" in {i for m in Matcher(s).match([pkg]).matches for i in m.ids}


def _one(tmp_path: Path, zip_writer: Any, events: list[dict[str, str]], versions: list[str] | None = None,
         rtype: str = "ECOSYSTEM", eco: str = "PyPI") -> Store:
    aff: dict[str, Any] = {"package": {"ecosystem": eco, "name": "pkg"}, "ranges": [{"type": rtype, "events": events}]}
    if versions is not None:
        aff["versions"] = versions
    rec = {"id": "T-1", "modified": "2024-01-01T00:00:00Z", "affected": [aff],
           "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}
    n = len(list(tmp_path.glob("*.sqlite3")))
    z = zip_writer(tmp_path / f"s{n}" / eco / "all.zip", [("T-1.json", json.dumps(rec).encode())])
    return Store(update([str(z)], tmp_path / f"{n}.sqlite3").path)


def _hit(s: Store, version: str, eco: str = "PyPI") -> bool:
    return bool(Matcher(s).match([SimplePackage("pkg", version, eco)]).matches)


def test_osv_range_semantics(tmp_path: Path, zip_writer: Any) -> None:
    s = _one(tmp_path, zip_writer, [{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"},
                                    {"last_affected": "2.3"}])
    assert [_hit(s, v) for v in ("0.9", "1.0", "1.4.9", "1.5", "1.9", "2.0", "2.3", "2.3.1")] == [
        False, True, True, False, False, True, True, False]
    m = Matcher(s).match([SimplePackage("pkg", "1.2", "PyPI")]).matches[0]
    assert m.fixed == ("1.5",) and m.severity is Severity.CRITICAL and m.score == 9.8
    s = _one(tmp_path, zip_writer, [{"introduced": "0"}, {"limit": "3.0"}])
    assert [_hit(s, v) for v in ("0.1", "2.9", "3.0", "4.0")] == [True, True, False, False]
    s = _one(tmp_path, zip_writer, [{"introduced": "0"}])
    m = Matcher(s).match([SimplePackage("pkg", "9.9", "PyPI")]).matches[0]
    assert m.no_fix and m.fixed == ()
    s = _one(tmp_path, zip_writer, [{"introduced": "0"}, {"last_affected": "2.0"}])
    m = Matcher(s).match([SimplePackage("pkg", "1.0", "PyPI")]).matches[0]
    assert not m.no_fix and m.fixed == ()  # fixed after 2.0, version not named


def test_semver_range_type_and_go(tmp_path: Path, zip_writer: Any) -> None:
    s = _one(tmp_path, zip_writer, [{"introduced": "0"}, {"fixed": "0.17.0"}], rtype="SEMVER", eco="Go")
    assert _hit(s, "v0.0.0-20220722155237-a158d28d115b", "Go")
    assert not _hit(s, "v0.17.0", "Go")


def test_undecidable_range_falls_back_to_versions_list(tmp_path: Path, zip_writer: Any) -> None:
    """Some PYSEC records carry a commit hash as ``fixed``: use the versions list, do not guess."""
    s = _one(tmp_path, zip_writer, [{"introduced": "0"}, {"fixed": "a1b2c3d4e5f6a1b2c3d4 e5"}], versions=["1.0"])
    assert _hit(s, "1.0")
    assert not _hit(s, "2.0")


def test_distro_ecosystem_names() -> None:
    assert distro_ecosystems(Distro("debian", "12")) == ("Debian:12",)
    assert distro_ecosystems(Distro("alpine", "3.20.3")) == ("Alpine:v3.20",)
    assert distro_ecosystems(Distro("ubuntu", "22.04")) == ("Ubuntu:22.04", "Ubuntu:22.04:LTS")
    assert distro_ecosystems(Distro("almalinux", "9.4")) == ("AlmaLinux:9",)
    assert distro_ecosystems(Distro("debian", "")) == ()
    assert distro_ecosystems(None) == ()
