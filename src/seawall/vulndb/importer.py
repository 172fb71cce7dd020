"""Build the advisory database from OSV data (and original-format distro feeds).

Sources, detected by shape:

* ``http(s)://base`` -- laid out like osv.dev's bucket: ``<base>/<Ecosystem>/all.zip``. The
  ecosystem list comes from ``<base>/ecosystems.txt`` when the server has it, else every
  ecosystem seawall knows is tried (a 404 means "no data", anything else fails the update).
* a directory -- the same layout on disk (``<dir>/<Ecosystem>/all.zip``), or loose ``*.json``
  OSV records, or an original-format feed (see :mod:`seawall.vulndb.original`).
* a ``.zip`` -- one ecosystem's ``all.zip`` (OSV records inside), or a zip holding such zips.

Everything goes into a :class:`~seawall.vulndb.store.Builder`, which swaps the new database in
only when every source was read: a failed download or a corrupt zip leaves the old database.
Inputs are hostile: sizes are bounded, records that are not OSV objects are counted as skipped,
never crash the import.

(The module is ``importer`` rather than ``import``: ``import`` is a Python keyword, so a module
of that name could not be imported normally.)
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from seawall.errors import DatabaseError, InputError, SourceError
from seawall.versions import MAX_VERSION_LENGTH
from seawall.vulndb import jsontext
from seawall.vulndb.store import Builder, SourceInfo, encode_list, encode_ranges, normalize_name

#: The osv.dev public bucket (the default source).
DEFAULT_SOURCE = "https://osv-vulnerabilities.storage.googleapis.com"

#: Ecosystems tried when a server has no ecosystems.txt (OSV spelling).
KNOWN_ECOSYSTEMS: tuple[str, ...] = (
    "AlmaLinux", "Alpine", "Bitnami", "Chainguard", "crates.io", "Debian", "Go", "Hackage",
    "Hex", "Mageia", "Maven", "npm", "NuGet", "openSUSE", "Packagist", "Photon OS", "PyPI", "Red Hat",
    "Rocky Linux", "RubyGems", "SUSE", "Ubuntu", "Wolfi",
)

MAX_RECORD_BYTES = 16 * 1024 * 1024
MAX_ECOSYSTEMS_BYTES = 1024 * 1024
MAX_DOWNLOAD_BYTES = 4 * 1024 * 1024 * 1024
BATCH = 2000
_RANGE_TYPES = {"ECOSYSTEM": "E", "SEMVER": "S"}
_EVENT_KINDS = {"introduced": "i", "fixed": "f", "last_affected": "l", "limit": "x"}

Progress = Callable[[str], None]


@dataclass(slots=True)
class SourceStats:
    name: str
    location: str
    kind: str
    records: int = 0
    withdrawn: int = 0
    skipped: int = 0
    newest: str = ""
    problems: list[str] = field(default_factory=list)

    def info(self) -> SourceInfo:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return SourceInfo(self.name, self.location, self.kind, now, self.records, self.withdrawn, self.skipped,
                          self.newest)


@dataclass(slots=True)
class UpdateResult:
    path: Path
    sources: list[SourceStats]

    @property
    def records(self) -> int:
        return sum(s.records for s in self.sources)


# -- OSV record -> rows -------------------------------------------------------------------------
def _str(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _list(v: Any) -> list[Any]:
    """Third-party JSON: a field that should be a list but is not counts as empty."""
    return v if isinstance(v, list) else []


def _clean(v: Any) -> str:
    """A string without ASCII control characters (they separate fields in the store)."""
    if not isinstance(v, str):
        return ""
    return v if v.isprintable() else "".join(c for c in v if c >= " ")


def _cvss_from(d: Any, out: list[list[str]]) -> None:
    """Collect CVSS vectors that some converters keep in database_specific."""
    if not isinstance(d, dict):
        return
    for key in ("cvss", "cvss_v3", "cvss_v4", "cvss_vector"):
        v = d.get(key)
        if isinstance(v, dict):
            v = v.get("vector") or v.get("vectorString") or v.get("score")
        v = _clean(v)
        if v.startswith("CVSS:"):
            kind = "CVSS_V4" if v.startswith("CVSS:4") else "CVSS_V3"
            out.append([kind, v])  # duplicates dropped once, at the end of the record


def _rating(*dicts: Any) -> str:
    for d in dicts:
        if isinstance(d, dict):
            for key in ("severity", "urgency"):
                v = d.get(key)
                if isinstance(v, str) and v.strip():
                    return v.strip()
    return ""


def rows_from_osv(rec: Any, source: str) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]] | None:
    """One OSV record as (advisory row, affected rows); None if it is not a usable record.

    Raises nothing on bad shapes: unknown or malformed parts are skipped, because OSV feeds are
    third-party data.
    """
    if not isinstance(rec, dict):
        return None
    adv_id = _clean(rec.get("id"))
    if not adv_id:
        return None
    # dict.fromkeys, not "x not in list": 300k aliases in one record were quadratic (minutes)
    alias_set: dict[str, None] = {}
    for key in ("aliases", "upstream"):
        vals = rec.get(key)
        if isinstance(vals, list):
            alias_set.update(dict.fromkeys(c for c in map(_clean, vals) if c and c != adv_id))
    aliases = list(alias_set)
    severity: list[list[str]] = []
    for s in _list(rec.get("severity")):
        if isinstance(s, dict) and _clean(s.get("type")) and _clean(s.get("score")):
            severity.append([_clean(s["type"]), _clean(s["score"])])
    _cvss_from(rec.get("database_specific"), severity)
    affected: list[tuple[Any, ...]] = []
    for aff in _list(rec.get("affected")):
        if not isinstance(aff, dict):
            continue
        pkg = aff.get("package")
        if not isinstance(pkg, dict):
            continue
        eco, name = _clean(pkg.get("ecosystem")), _clean(pkg.get("name"))
        if not eco or not name:
            continue
        ranges: list[tuple[str, list[tuple[str, str]]]] = []
        for r in _list(aff.get("ranges")):
            if not isinstance(r, dict) or _str(r.get("type")) not in _RANGE_TYPES:
                continue
            events = []
            for ev in _list(r.get("events")):
                if isinstance(ev, dict):
                    for k, code in _EVENT_KINDS.items():
                        v = _clean(ev.get(k))
                        if v:
                            events.append((code, v))
            # a range with a version no comparator accepts is dropped whole (dropping one event
            # would change its meaning); the versions list, if any, still applies
            if events and all(len(v) <= MAX_VERSION_LENGTH for _c, v in events):
                ranges.append((_RANGE_TYPES[r["type"]], events))
        versions = aff.get("versions")
        vlist = [c for c in map(_clean, versions) if c and len(c) <= MAX_VERSION_LENGTH] if isinstance(
            versions, list) else []
        if not ranges and not vlist:
            continue
        for s in _list(aff.get("severity")):
            pair = [_clean(s.get("type")), _clean(s.get("score"))] if isinstance(s, dict) else ["", ""]
            if pair[1]:
                severity.append(pair)
        eco_spec, db_spec = aff.get("ecosystem_specific"), aff.get("database_specific")
        _cvss_from(db_spec, severity)
        status = _str(eco_spec.get("status")) if isinstance(eco_spec, dict) else ""
        affected.append((
            adv_id, eco, normalize_name(eco, name), encode_ranges(ranges),
            encode_list(vlist) if vlist else None, status, _rating(eco_spec, db_spec),
        ))
    # first occurrence of each (type, score): a set, as "pair not in list" per entry was quadratic
    severity = [list(pair) for pair in dict.fromkeys(tuple(pair) for pair in severity)]
    # no summary: the first paragraph of the details (OVAL/NVD text wraps lines inside paragraphs)
    summary = _str(rec.get("summary")) or " ".join(_str(rec.get("details")).strip().split("\n\n", 1)[0].split())[:400]
    url = ""
    refs = [r for r in _list(rec.get("references")) if isinstance(r, dict) and isinstance(r.get("url"), str)]
    for r in sorted(refs, key=lambda r: r.get("type") != "ADVISORY"):
        url = r["url"]
        break
    adv = (
        adv_id, source, _str(rec.get("modified")), _str(rec.get("published")), summary,
        encode_list(aliases), encode_list([x for pair in severity for x in pair]),
        _rating(rec.get("database_specific")), url,
    )
    return adv, affected


# -- reading sources ----------------------------------------------------------------------------
class _Sink:
    """Batches rows into the builder and keeps per-source counts."""

    def __init__(self, builder: Builder, stats: SourceStats) -> None:
        self.builder, self.stats = builder, stats
        self.adv: list[tuple[Any, ...]] = []
        self.aff: list[tuple[Any, ...]] = []

    def record(self, data: bytes | Any, where: str) -> None:
        if isinstance(data, (bytes, bytearray)):
            try:
                rec = jsontext.loads(data)  # lone surrogates repaired: SQLite cannot store them
            except (ValueError, RecursionError):  # RecursionError: arrays nested 100k deep
                self.stats.skipped += 1
                if len(self.stats.problems) < 20:
                    self.stats.problems.append(f"{where}: not JSON")
                return
        else:
            rec = data
        if isinstance(rec, dict) and rec.get("withdrawn"):
            self.stats.withdrawn += 1
            return
        rows = rows_from_osv(rec, self.stats.name)
        if rows is None:
            self.stats.skipped += 1
            if len(self.stats.problems) < 20:
                self.stats.problems.append(f"{where}: not an OSV record")
            return
        self.stats.records += 1
        modified = rows[0][2]
        if modified > self.stats.newest:
            self.stats.newest = modified
        self.adv.append(rows[0])
        self.aff.extend(rows[1])
        if len(self.adv) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.adv:
            self.builder.add_advisories(self.adv, self.aff)
            self.adv, self.aff = [], []


def _read_zip(fileobj: IO[bytes] | Path, label: str, sink: _Sink, depth: int = 0) -> None:
    try:
        with zipfile.ZipFile(fileobj) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                lower = info.filename.lower()
                if info.file_size > (MAX_DOWNLOAD_BYTES if lower.endswith(".zip") else MAX_RECORD_BYTES):
                    sink.stats.skipped += 1
                    sink.stats.problems.append(f"{label}:{info.filename}: too large ({info.file_size} bytes)")
                    continue
                if lower.endswith(".json"):
                    with zf.open(info) as fh:
                        sink.record(fh.read(MAX_RECORD_BYTES + 1), f"{label}:{info.filename}")
                elif lower.endswith(".zip") and depth == 0:
                    with zf.open(info) as fh, tempfile.TemporaryFile() as tmp:
                        shutil.copyfileobj(fh, tmp)
                        tmp.seek(0)
                        _read_zip(tmp, f"{label}:{info.filename}", sink, depth + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as err:
        raise SourceError(f"not a readable OSV zip ({err})", subject=label) from None


def _fetch(url: str, dest: IO[bytes], timeout: float, limit: int = MAX_DOWNLOAD_BYTES) -> bool:
    """Download ``url`` into ``dest`` (at most ``limit`` bytes); False on 404; SourceError on
    anything else."""
    req = urllib.request.Request(url, headers={"User-Agent": "seawall-vulndb"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # scheme checked by the caller
            total = 0
            while chunk := resp.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    raise SourceError("download larger than the limit", subject=url)
                dest.write(chunk)
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return False
        raise SourceError(f"HTTP {err.code} {err.reason}", subject=url) from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise SourceError(f"download failed: {reason}", subject=url) from None
    return True


def _ecosystem_list(base: str, timeout: float) -> list[str]:
    buf = io.BytesIO()  # in memory, so bounded far below a zip: a server could send gigabytes
    if _fetch(f"{base}/ecosystems.txt", buf, timeout, limit=MAX_ECOSYSTEMS_BYTES):
        names = [ln.strip() for ln in buf.getvalue().decode("utf-8", "replace").splitlines()]
        return [n for n in names if n and "/" not in n and ".." not in n]
    return list(KNOWN_ECOSYSTEMS)


def _import_url(base: str, builder: Builder, progress: Progress | None, timeout: float,
                ecosystems: Sequence[str] | None) -> list[SourceStats]:
    base = base.rstrip("/")
    out: list[SourceStats] = []
    for eco in ecosystems or _ecosystem_list(base, timeout):
        url = f"{base}/{urllib.parse.quote(eco)}/all.zip"
        with tempfile.TemporaryFile() as tmp:
            if not _fetch(url, tmp, timeout):
                continue
            tmp.seek(0)
            stats = SourceStats(f"osv:{eco}", url, "osv")
            sink = _Sink(builder, stats)
            if progress:
                progress(f"importing {url}")
            _read_zip(tmp, url, sink)
            sink.flush()
        out.append(stats)
    if not out:
        raise SourceError("no OSV data found (no <Ecosystem>/all.zip answered)", subject=base)
    return out


def _import_zip(path: Path, name: str, builder: Builder, progress: Progress | None) -> SourceStats:
    """One local OSV ``all.zip`` export, counted as source ``osv:<name>``."""
    stats = SourceStats(f"osv:{name}", str(path), "osv")
    sink = _Sink(builder, stats)
    if progress:
        progress(f"importing {path}")
    _read_zip(path, str(path), sink)
    sink.flush()
    return stats


def _import_dir(path: Path, builder: Builder, progress: Progress | None) -> list[SourceStats]:
    from seawall.vulndb import original

    out: list[SourceStats] = []
    zips = sorted(p for p in path.glob("*/all.zip") if p.is_file())
    for z in zips:
        out.append(_import_zip(z, z.parent.name, builder, progress))
    if zips:
        return out
    feed = original.detect(path)
    if feed is not None:
        return [feed(path, builder, progress)]
    jsons = sorted(p for p in path.rglob("*.json") if p.is_file())
    if not jsons:
        raise SourceError("no OSV data here (expected <Ecosystem>/all.zip or *.json records)", subject=str(path))
    stats = SourceStats(f"osv:{path.name}", str(path), "osv")
    sink = _Sink(builder, stats)
    for p in jsons:
        try:
            if p.stat().st_size > MAX_RECORD_BYTES:
                stats.skipped += 1
                continue
            sink.record(p.read_bytes(), str(p))
        except OSError as err:
            raise SourceError(f"cannot read: {err.strerror or err}", subject=str(p)) from None
    sink.flush()
    return [stats]


def import_sources(
    sources: Iterable[str],
    builder: Builder,
    *,
    progress: Progress | None = None,
    timeout: float = 60.0,
    ecosystems: Sequence[str] | None = None,
) -> list[SourceStats]:
    """Read every source into ``builder`` (which the caller commits)."""
    out: list[SourceStats] = []
    for src in sources:
        parsed = urllib.parse.urlsplit(src)
        if parsed.scheme in ("http", "https"):
            out.extend(_import_url(src, builder, progress, timeout, ecosystems))
            continue
        if parsed.scheme and len(parsed.scheme) > 1:
            raise InputError(f"unsupported URL scheme {parsed.scheme!r} (use http, https, a directory or a zip)",
                             subject=src)
        path = Path(src)
        if path.is_dir():
            out.extend(_import_dir(path, builder, progress))
        elif path.is_file():
            from seawall.vulndb import original

            feed = original.detect(path)
            if feed is not None:
                out.append(feed(path, builder, progress))
                continue
            name = path.parent.name if path.name == "all.zip" else path.stem
            out.append(_import_zip(path, name, builder, progress))
        else:
            raise InputError("no such file, directory or http(s) URL", subject=src)
    return out


def update(
    sources: Sequence[str],
    db_path: Path,
    *,
    progress: Progress | None = None,
    timeout: float = 60.0,
    ecosystems: Sequence[str] | None = None,
) -> UpdateResult:
    """Build a new database from ``sources`` and atomically replace ``db_path`` with it."""
    if not sources:
        raise DatabaseError("no source given")
    with Builder(db_path) as builder:
        stats = import_sources(sources, builder, progress=progress, timeout=timeout, ecosystems=ecosystems)
        if not any(s.records for s in stats):
            raise DatabaseError("the sources held no advisories; keeping the current database",
                                subject=", ".join(sources))
        for s in stats:
            builder.add_source(s.info())
        path = builder.commit()
    return UpdateResult(path, stats)


def iter_zip_records(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each JSON record in an OSV zip (for tools and tests)."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename.endswith(".json") and info.file_size <= MAX_RECORD_BYTES:
                yield info.filename, zf.read(info)
