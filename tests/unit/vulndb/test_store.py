"""The database file: atomic replacement, failed updates leave the old one working."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from seawall.errors import DatabaseError, SourceError
from seawall.vulndb import importer
from seawall.vulndb.importer import update
from seawall.vulndb.match import Matcher, SimplePackage
from seawall.vulndb.store import SCHEMA_VERSION, Builder, Store


def _pyyaml_ids(db: Path) -> set[str]:
    with Store(db) as s:
        res = Matcher(s).match([SimplePackage("PyYAML", "5.3", "PyPI")])
    return {i for m in res.matches for i in m.ids}


def test_failure_midway_leaves_old_database_intact(osv_subset: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "vulndb.sqlite3"
    update([str(osv_subset / "PyPI" / "all.zip")], db)
    before = db.read_bytes()
    assert "CVE-2020-14343" in _pyyaml_ids(db)

    # A reader that has the old database open keeps working during and after the failed update.
    reader = Store(db)
    calls = {"n": 0}
    real = importer._Sink.flush

    def failing_flush(self: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # after some batches were written to the new file
            raise SourceError("simulated network failure half-way", subject="test")
        real(self)

    monkeypatch.setattr(importer, "BATCH", 50)
    monkeypatch.setattr(importer._Sink, "flush", failing_flush)
    with pytest.raises(SourceError, match="half-way"):
        update([str(osv_subset)], db)
    assert calls["n"] == 3
    assert db.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name != db.name], "temporary file left behind"
    assert "CVE-2020-14343" in _pyyaml_ids(db)
    assert reader.affected("PyPI", "pyyaml")
    reader.close()


def test_successful_update_replaces_file_atomically(osv_subset: Path, tmp_path: Path) -> None:
    db = tmp_path / "vulndb.sqlite3"
    update([str(osv_subset / "npm" / "all.zip")], db)
    old_inode = db.stat().st_ino
    reader = Store(db)
    update([str(osv_subset / "PyPI" / "all.zip")], db)
    assert db.stat().st_ino != old_inode  # a new file was renamed over the old one
    assert reader.known_ecosystems() == frozenset({"npm"})  # the open reader still sees its file
    reader.close()
    with Store(db) as s:
        assert s.known_ecosystems() == frozenset({"PyPI"})


def test_builder_without_commit_leaves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    with Builder(db) as b:
        b.add_advisories([("A", "s", "", "", "", "[]", "[]", "", "")], [])
    assert not db.exists() and not list(tmp_path.iterdir())


def test_missing_and_corrupt_database_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="seawall db update"):
        Store(tmp_path / "none.sqlite3")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(DatabaseError) as err:
        Store(junk)
    assert "\n" not in str(err.value)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE meta (key TEXT, value TEXT)").connection.commit()
    with pytest.raises(DatabaseError, match="schema"):
        Store(other)


def test_status_reports_sources_dates_counts(subset_db: Path) -> None:
    with Store(subset_db) as s:
        st = s.status()
    assert st.schema_version == SCHEMA_VERSION and st.built_at
    assert {x.name for x in st.sources} == {f"osv:{e}" for e in ("PyPI", "Debian", "Alpine", "npm", "Go", "AlmaLinux")}
    assert st.advisories == sum(x.records for x in st.sources)
    assert "Debian:12" in st.ecosystems and "Alpine:v3.20" in st.ecosystems
    assert st.age().total_seconds() < 3600


def test_tampered_database_rows_do_not_crash(subset_db: Path, tmp_path: Path) -> None:
    """A BLOB, a number or an event without its version in a database handed over by a CI cache
    ended the scan with 'internal error: TypeError' (or ValueError while unpacking an event)."""
    import shutil

    db = tmp_path / "evil.sqlite3"
    shutil.copy(subset_db, db)
    con = sqlite3.connect(db)
    con.execute("UPDATE affected SET ranges = ? WHERE name = 'pyyaml'", ("E\x1ei\x1e\x1ef\x1f5.4",))
    con.execute("INSERT INTO affected VALUES ('BLOB-1', 'PyPI', 'pyyaml', X'ff00', 5, NULL, 7)")
    con.execute("UPDATE advisory SET aliases = 5, summary = X'ff', severity = 'CVSS_V3\x1f'")
    con.execute("UPDATE source SET records = 'abc', newest = 5")
    con.commit()
    con.close()
    with Store(db) as s:
        result = Matcher(s).match([SimplePackage("PyYAML", "5.3", "PyPI")])
        assert result.matches  # the damaged rows are read as text, the range still decides
        st = s.status()
        assert all(isinstance(src.records, int) and isinstance(src.newest, str) for src in st.sources)
