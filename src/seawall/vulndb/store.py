"""The advisory database: one SQLite file, indexed by (ecosystem, package name).

Why SQLite: embedded, no server, a single file that can be swapped atomically, and an index
lookup per package keeps matching fast with a warm page cache. The file lives in the user cache
directory (platformdirs) unless ``--db PATH`` says otherwise.

Updates never modify the live file. :class:`Builder` writes a new file next to it (``.tmp``),
commits, fsyncs, and only then ``os.replace``-s it over the old one (and fsyncs the directory).
A failed or interrupted update removes its temporary file and leaves the previous database
exactly as it was; readers that opened the old file keep reading it.

Schema (``SCHEMA_VERSION``): ``advisory`` (one row per OSV record), ``affected`` (one row per
affected package entry, ranges stored compactly as JSON), ``source`` (what was imported, when,
counts), ``ecosystem`` (every ecosystem/release with data, so a distro release that the database
does not know is reported as not checked rather than clean), ``meta``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seawall.errors import DatabaseError

SCHEMA_VERSION = 2
DB_FILENAME = "vulndb.sqlite3"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE source (
    name TEXT PRIMARY KEY, location TEXT NOT NULL, kind TEXT NOT NULL, imported_at TEXT NOT NULL,
    records INTEGER NOT NULL, withdrawn INTEGER NOT NULL, skipped INTEGER NOT NULL, newest TEXT
);
CREATE TABLE advisory (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, modified TEXT, published TEXT, summary TEXT,
    aliases TEXT NOT NULL, severity TEXT NOT NULL, rating TEXT, url TEXT
);
CREATE TABLE affected (
    advisory TEXT NOT NULL, ecosystem TEXT NOT NULL, name TEXT NOT NULL,
    ranges TEXT NOT NULL, versions TEXT, status TEXT, rating TEXT
);
CREATE TABLE ecosystem (name TEXT PRIMARY KEY, packages INTEGER NOT NULL, advisories INTEGER NOT NULL);
"""
_INDEXES = "CREATE INDEX affected_pkg ON affected (ecosystem, name);"

_CACHE_MAX = 50_000

# Compact text encodings (parsed with str.split, several times faster than json.loads for the
# thousands of small values one scan reads). Separators are ASCII control characters, which the
# importer strips from versions and ids.
RS, US, GS = "\x1e", "\x1f", "\x1d"


def encode_ranges(ranges: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """[(type, [(kind, version), ...]), ...] -> "E\x1ei\x1f0\x1ef\x1f1.2\x1dS..." """
    return GS.join(t + "".join(f"{RS}{k}{US}{v}" for k, v in evs) for t, evs in ranges)


def decode_ranges(text: str) -> list[Any]:
    out = []
    for rng in text.split(GS):
        parts = rng.split(RS)
        # an event without its version (only a damaged database has one) is dropped
        out.append([parts[0], [e for e in (p.split(US, 1) for p in parts[1:]) if len(e) == 2]])
    return out


def _text(value: Any) -> str:
    """A text column as text, whatever a damaged or tampered database holds (a BLOB, a number,
    NULL): a CI cache can hand seawall someone else's file, and a BLOB ended the scan with
    'internal error: TypeError'."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _count(value: Any) -> int:
    return value if isinstance(value, int) else 0


def encode_list(items: Sequence[str]) -> str:
    return US.join(items)


def decode_list(text: str | None) -> list[str]:
    return text.split(US) if text else []

_PEP503 = re.compile(r"[-_.]+")


def normalize_name(ecosystem: str, name: str) -> str:
    """The key a package name is stored and looked up under (PyPI per PEP 503, case-insensitive
    registries lower-cased); everything else is case-sensitive and kept as is."""
    base = ecosystem.split(":", 1)[0]
    if base == "PyPI":
        return _PEP503.sub("-", name).lower()
    if base in ("NuGet", "Packagist", "Hackage", "crates.io"):
        return name.lower()
    return name


def default_path() -> Path:
    """``<user cache dir>/seawall/vulndb.sqlite3`` (``SEAWALL_DB`` is read by the CLI, not here)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("seawall", appauthor=False)) / DB_FILENAME


@dataclass(frozen=True, slots=True)
class AffectedRow:
    """One affected entry of one advisory, as the matcher needs it."""

    advisory: str
    ecosystem: str
    name: str
    ranges: list[Any]  # [[type, [[kind, version], ...]], ...]; kind: i(ntroduced) f(ixed) l(ast) x(limit)
    versions: list[str] | None
    status: str
    rating: str


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    source: str
    modified: str
    published: str
    summary: str
    aliases: tuple[str, ...]
    severity: tuple[tuple[str, str], ...]  # (type, score/vector) from OSV "severity"
    rating: str  # the source's own rating (e.g. GHSA "HIGH", Debian urgency), may be ""
    url: str


@dataclass(frozen=True, slots=True)
class SourceInfo:
    name: str
    location: str
    kind: str
    imported_at: str
    records: int
    withdrawn: int
    skipped: int
    newest: str


@dataclass(slots=True)
class Status:
    path: Path
    built_at: str
    schema_version: int
    sources: list[SourceInfo] = field(default_factory=list)
    advisories: int = 0
    affected: int = 0
    ecosystems: dict[str, int] = field(default_factory=dict)

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        built = dt.datetime.fromisoformat(self.built_at)
        return (now or dt.datetime.now(dt.UTC)) - built


class Store:
    """A read-only view of a built database. Cheap to open; safe across a concurrent swap."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise DatabaseError(
                "no vulnerability database; run 'seawall db update' first", subject=str(self.path)
            )
        try:
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._db.execute("PRAGMA query_only = ON")
            version = self._meta("schema_version")
        except sqlite3.Error as err:
            raise DatabaseError(f"not a seawall vulnerability database ({err})", subject=str(self.path)) from None
        if version != str(SCHEMA_VERSION):
            raise DatabaseError(
                f"database schema {version} is not {SCHEMA_VERSION}; run 'seawall db update'",
                subject=str(self.path),
            )
        self._known: frozenset[str] | None = None
        self._adv_cache: dict[str, Advisory] = {}
        # parsed rows per (ecosystem, name): a fleet of images repeats the same packages
        self._aff_cache: dict[tuple[str, str], list[AffectedRow]] = {}

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as err:
            raise DatabaseError(f"database read failed: {err}", subject=str(self.path)) from None

    def known_ecosystems(self) -> frozenset[str]:
        """Every ecosystem (with release, e.g. ``Debian:12``) that has data."""
        if self._known is None:
            self._known = frozenset(_text(r[0]) for r in self._query("SELECT name FROM ecosystem"))
        return self._known

    def affected(self, ecosystem: str, name: str) -> list[AffectedRow]:
        """Every affected entry for a package in an ecosystem (cached; treat as read-only)."""
        key = (ecosystem, normalize_name(ecosystem, name))
        cached = self._aff_cache.get(key)
        if cached is not None:
            return cached
        rows = self._query(
            "SELECT advisory, ecosystem, name, ranges, versions, status, rating FROM affected"
            " WHERE ecosystem = ? AND name = ?",
            key,
        )
        out = [
            AffectedRow(
                _text(r[0]), _text(r[1]), _text(r[2]), decode_ranges(_text(r[3])), decode_list(_text(r[4])) or None,
                _text(r[5]), _text(r[6]),
            )
            for r in rows
        ]
        if len(self._aff_cache) >= _CACHE_MAX:
            self._aff_cache.clear()
        self._aff_cache[key] = out
        return out

    def advisory(self, adv_id: str) -> Advisory:
        cached = self._adv_cache.get(adv_id)
        if cached is None:
            self.prefetch([adv_id])
            cached = self._adv_cache.get(adv_id)
            if cached is None:
                raise DatabaseError(f"advisory {adv_id} referenced but missing", subject=str(self.path))
        return cached

    def prefetch(self, ids: Iterable[str]) -> None:
        """Load many advisories with a few queries (the matcher calls this once per scan)."""
        todo = sorted({i for i in ids if i not in self._adv_cache})
        if len(self._adv_cache) + len(todo) > _CACHE_MAX:
            self._adv_cache.clear()
        for n in range(0, len(todo), 500):
            chunk = todo[n : n + 500]
            rows = self._query(
                "SELECT id, source, modified, published, summary, aliases, severity, rating, url"
                f" FROM advisory WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for r in rows:
                r = [_text(v) for v in r]
                sev = decode_list(r[6])
                self._adv_cache[r[0]] = Advisory(
                    r[0], r[1], r[2], r[3], r[4], tuple(decode_list(r[5])),
                    tuple((sev[i], sev[i + 1]) for i in range(0, len(sev) - 1, 2)), r[7], r[8],
                )

    def status(self) -> Status:
        st = Status(self.path, self._meta("built_at") or "", int(self._meta("schema_version") or 0))
        for r in self._query(
            "SELECT name, location, kind, imported_at, records, withdrawn, skipped, newest FROM source ORDER BY name"
        ):
            st.sources.append(SourceInfo(
                _text(r[0]), _text(r[1]), _text(r[2]), _text(r[3]), _count(r[4]), _count(r[5]), _count(r[6]),
                _text(r[7]),
            ))
        st.advisories = self._query("SELECT count(*) FROM advisory")[0][0]
        st.affected = self._query("SELECT count(*) FROM affected")[0][0]
        st.ecosystems = {
            _text(r[0]): _count(r[1]) for r in self._query("SELECT name, advisories FROM ecosystem ORDER BY name")
        }
        return st


class Builder:
    """Writes a fresh database beside ``path`` and swaps it in on :meth:`commit`.

    Use as a context manager: leaving the block with an exception (or never calling commit)
    deletes the temporary file and leaves ``path`` untouched.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise DatabaseError(
                f"cannot create directory: {err.strerror or err}", subject=str(self.path.parent)
            ) from None
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()
        try:
            self.db = sqlite3.connect(self.tmp)
            # Safe: this file is private until the atomic swap; durability is ensured by fsync.
            self.db.execute("PRAGMA journal_mode = OFF")
            self.db.execute("PRAGMA synchronous = OFF")
            self.db.execute("PRAGMA cache_size = -65536")
            self.db.executescript(_SCHEMA)
        except sqlite3.Error as err:
            self._discard()
            raise DatabaseError(f"cannot create database: {err}", subject=str(self.tmp)) from None
        self._eco_adv: dict[str, set[str]] = {}
        self._eco_pkgs: dict[str, set[str]] = {}
        self._ids: set[str] = set()
        self._done = False

    def __enter__(self) -> Builder:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._done:
            self._discard()

    def _discard(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()

    def has(self, adv_id: str) -> bool:
        return adv_id in self._ids

    def add_advisories(self, advisories: list[tuple[Any, ...]], affected: list[tuple[Any, ...]]) -> None:
        """Insert prepared rows (see :func:`seawall.vulndb.importer.rows_from_osv`)."""
        for a in advisories:
            self._ids.add(a[0])
        for row in affected:
            self._eco_adv.setdefault(row[1], set()).add(row[0])
            self._eco_pkgs.setdefault(row[1], set()).add(row[2])
        try:
            self.db.executemany("INSERT OR REPLACE INTO advisory VALUES (?,?,?,?,?,?,?,?,?)", advisories)
            self.db.executemany("INSERT INTO affected VALUES (?,?,?,?,?,?,?)", affected)
        except sqlite3.Error as err:
            raise DatabaseError(f"database write failed: {err}", subject=str(self.tmp)) from None

    def add_source(self, info: SourceInfo) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO source VALUES (?,?,?,?,?,?,?,?)",
            (info.name, info.location, info.kind, info.imported_at, info.records, info.withdrawn, info.skipped,
             info.newest),
        )

    def commit(self) -> Path:
        """Finish the file, fsync it, and atomically replace the live database."""
        try:
            self.db.executemany(
                "INSERT INTO ecosystem VALUES (?,?,?)",
                [(e, len(self._eco_pkgs.get(e, ())), len(ids)) for e, ids in self._eco_adv.items()],
            )
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            self.db.executemany(
                "INSERT INTO meta VALUES (?,?)",
                [("schema_version", str(SCHEMA_VERSION)), ("built_at", now)],
            )
            self.db.executescript(_INDEXES)
            self.db.commit()
            self.db.close()
            fd = os.open(self.tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(self.tmp, self.path)
            _fsync_dir(self.path.parent)
        except (sqlite3.Error, OSError) as err:
            self._discard()
            raise DatabaseError(f"could not finish the database update: {err}", subject=str(self.path)) from None
        self._done = True
        return self.path


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

