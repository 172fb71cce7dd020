"""OSV import from a directory, a zip and a real loopback HTTP server; hostile inputs."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from seawall.errors import DatabaseError, InputError, SourceError
from seawall.vulndb.importer import rows_from_osv, update
from seawall.vulndb.store import Store, decode_list, decode_ranges


def _counts(path: Path) -> dict[str, int]:
    with Store(path) as s:
        return {src.name: src.records for src in s.status().sources}


def test_import_dir_counts_every_record(osv_subset: Path, tmp_path: Path) -> None:
    expected = {}
    for z in osv_subset.glob("*/all.zip"):
        with zipfile.ZipFile(z) as zf:
            recs = [json.loads(zf.read(n)) for n in zf.namelist()]
        expected[f"osv:{z.parent.name}"] = sum(1 for r in recs if not r.get("withdrawn"))
    res = update([str(osv_subset)], tmp_path / "db.sqlite3")
    assert _counts(res.path) == expected
    assert sum(s.withdrawn for s in res.sources) >= 1  # PYSEC-2019-144 (arrayfire) is withdrawn


def test_import_single_zip(osv_subset: Path, tmp_path: Path) -> None:
    res = update([str(osv_subset / "PyPI" / "all.zip")], tmp_path / "db.sqlite3")
    assert list(_counts(res.path)) == ["osv:PyPI"]
    with Store(res.path) as s:
        assert s.known_ecosystems() == frozenset({"PyPI"})
        assert s.affected("PyPI", "PyYAML")  # PEP 503 normalisation on lookup


def test_update_over_loopback_http(osv_subset: Path, tmp_path: Path, http_serve: Any) -> None:
    """The real download path: urllib against http.server on 127.0.0.1, osv.dev bucket layout."""
    base = http_serve(osv_subset)
    res = update([base], tmp_path / "db.sqlite3", timeout=10)
    direct = update([str(osv_subset)], tmp_path / "direct.sqlite3")
    assert _counts(res.path) == {k: v for k, v in _counts(direct.path).items()}
    assert all(s.location.startswith(base) for s in res.sources)


def test_http_ecosystems_txt_is_honoured(osv_subset: Path, tmp_path: Path, http_serve: Any) -> None:
    served = tmp_path / "srv"
    shutil.copytree(osv_subset, served)
    (served / "ecosystems.txt").write_text("PyPI\nnpm\n")
    res = update([http_serve(served)], tmp_path / "db.sqlite3", timeout=10)
    assert sorted(_counts(res.path)) == ["osv:PyPI", "osv:npm"]


def test_http_server_error_fails_and_keeps_nothing(tmp_path: Path, http_serve: Any) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="no OSV data found"):
        update([http_serve(empty)], tmp_path / "db.sqlite3", timeout=10)
    assert not (tmp_path / "db.sqlite3").exists()
    assert not list(tmp_path.glob(".db.sqlite3.*"))


def test_corrupt_zip_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "PyPI" / "all.zip"
    bad.parent.mkdir()
    bad.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(SourceError) as err:
        update([str(tmp_path)], tmp_path / "db.sqlite3")
    assert "\n" not in str(err.value) and "all.zip" in str(err.value)


def test_hostile_records_are_skipped_not_fatal(tmp_path: Path, zip_writer: Any) -> None:
    good = {"id": "TEST-1", "modified": "2024-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "x"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}
    records = [
        ("good.json", json.dumps(good).encode()),
        ("notjson.json", b"{nope"),
        ("list.json", b"[1,2,3]"),
        ("weird.json", json.dumps({"id": "W", "affected": [{"package": None}, 5, {"ranges": "x"}]}).encode()),
        ("shapes.json", json.dumps({"id": "S", "affected": 5, "severity": 3, "references": "x", "aliases": 1,
                                    "summary": 5, "modified": []}).encode()),
        ("deep.json", json.dumps({"id": "D", "affected": [{"package": {"ecosystem": "PyPI", "name": "y"},
                                                             "ranges": [{"type": "ECOSYSTEM", "events": 7}],
                                                             "versions": "1.0", "severity": {}}]}).encode()),
    ]
    z = zip_writer(tmp_path / "PyPI" / "all.zip", records)
    res = update([str(z)], tmp_path / "db.sqlite3")
    (stats,) = res.sources
    assert stats.records == 4 and stats.skipped == 2
    with Store(res.path) as s:
        assert [r.advisory for r in s.affected("PyPI", "x")] == ["TEST-1"]


def test_empty_source_keeps_current_database(osv_subset: Path, tmp_path: Path, zip_writer: Any) -> None:
    db = tmp_path / "db.sqlite3"
    update([str(osv_subset)], db)
    before = db.read_bytes()
    z = zip_writer(tmp_path / "empty" / "all.zip", [("x.json", b"{}")])
    with pytest.raises(DatabaseError, match="keeping the current database"):
        update([str(z)], db)
    assert db.read_bytes() == before


def test_unsupported_scheme_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unsupported URL scheme"):
        update(["ftp://example.org/osv"], tmp_path / "db.sqlite3")
    with pytest.raises(InputError, match="no such file"):
        update([str(tmp_path / "missing")], tmp_path / "db.sqlite3")


def test_rows_keep_aliases_upstream_and_cvss() -> None:
    rec = {
        "id": "DSA-1", "aliases": ["GHSA-x"], "upstream": ["CVE-2024-1"],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
                      "ranges": [{"type": "GIT", "events": [{"introduced": "abc"}]},
                                 {"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
                      "ecosystem_specific": {"status": "unfixed"}}],
    }
    rows = rows_from_osv(rec, "t")
    assert rows is not None
    adv, aff = rows
    assert decode_list(adv[5]) == ["GHSA-x", "CVE-2024-1"]
    assert decode_ranges(aff[0][3]) == [["E", [["i", "0"]]]]  # GIT range dropped
    assert aff[0][5] == "unfixed"


@pytest.mark.slow
def test_full_shared_osv_over_http(shared_dir: Path, tmp_path: Path, http_serve: Any) -> None:
    """Everything in ../shared/data/osv, served as-is (it already has the all.zip layout)."""
    osv = shared_dir / "data/osv"
    manifest = json.loads((osv / "manifest.json").read_text())
    res = update([http_serve(osv)], tmp_path / "db.sqlite3", timeout=60)
    got = {s.name.removeprefix("osv:"): s.records + s.withdrawn + s.skipped for s in res.sources}
    assert got == {eco: manifest[eco]["count"] for eco in got}
    assert set(got) == {k for k, v in manifest.items() if isinstance(v, dict) and "count" in v}


def test_more_hostile_records(tmp_path: Path, zip_writer: Any) -> None:
    """A range type that is a list ('internal error: TypeError: unhashable type'), arrays nested
    100k deep ('internal error: RecursionError') and 300k aliases / 50k severities (quadratic
    de-duplication: minutes) are skipped or imported, never fatal."""
    good = {"id": "TEST-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"},
                                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
    many = dict(good, id="MANY", aliases=[f"CVE-{i}" for i in range(300_000)] + ["CVE-1", "MANY"],
                severity=[{"type": "CVSS_V3", "score": f"s{i % 50_000}"} for i in range(100_000)])
    records = [
        ("good.json", json.dumps(good).encode()),
        ("listtype.json", json.dumps({"id": "L", "affected": [{"package": {"ecosystem": "PyPI", "name": "y"},
                                                                 "ranges": [{"type": ["ECOSYSTEM"], "events": []}],
                                                                 "versions": ["1.0"]}]}).encode()),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000),
        ("many.json", json.dumps(many).encode()),
    ]
    z = zip_writer(tmp_path / "PyPI" / "all.zip", records)
    res = update([str(z)], tmp_path / "db.sqlite3")
    (stats,) = res.sources
    assert stats.records == 3 and stats.skipped == 1
    rows = rows_from_osv(many, "t")
    assert rows is not None
    aliases, severity = decode_list(rows[0][5]), decode_list(rows[0][6])
    assert len(aliases) == 300_000 and aliases[:2] == ["CVE-0", "CVE-1"] and "MANY" not in aliases
    assert len(severity) == 2 * 50_000 and severity[:4] == ["CVSS_V3", "s0", "CVSS_V3", "s1"]


def test_lone_surrogates_in_a_record(tmp_path: Path, zip_writer: Any) -> None:
    """JSON may escape a lone surrogate; SQLite cannot store it: 'internal error:
    UnicodeEncodeError' ended the import. It is read as U+FFFD."""
    rec = (b'{"id": "GHSA-\\ud800x", "summary": "s\\udfff", "aliases": ["CVE-\\ud800"], "affected": [{"package":'
           b' {"ecosystem": "PyPI", "name": "x"}, "versions": ["1.0\\ud800"]}]}')
    z = zip_writer(tmp_path / "PyPI" / "all.zip", [("a.json", rec)])
    res = update([str(z)], tmp_path / "db.sqlite3")
    assert res.records == 1
    with Store(res.path) as s:
        assert [r.advisory for r in s.affected("PyPI", "x")] == ["GHSA-\ufffdx"]


def test_huge_ecosystems_txt_is_refused(tmp_path: Path, http_serve: Any) -> None:
    """ecosystems.txt is read into memory: it was bounded only by the 4 GiB zip limit."""
    (tmp_path / "ecosystems.txt").write_bytes(b"PyPI\n" * 300_000)  # 1.5 MB
    with pytest.raises(SourceError, match="larger than the limit"):
        update([http_serve(tmp_path)], tmp_path / "db.sqlite3")
