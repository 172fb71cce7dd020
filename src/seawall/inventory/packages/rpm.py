"""RPM packages from the SQLite rpmdb (``var/lib/rpm/rpmdb.sqlite``, and
``usr/lib/sysimage/rpm/rpmdb.sqlite`` on newer Fedora/openSUSE layouts).

Why our own header parser: the rpmdb stores each package as an rpm *header blob*, whose format is
small and fixed (rpm's ``lib/header.c``: a count of index entries, the size of the data store,
16-byte big-endian index entries ``tag, type, offset, count``, then the data). The only library
that reads it is librpm, which is not on PyPI and would tie seawall to the host's rpm version.
Reading the ~10 tags we need (name, version, release, epoch, arch, license, source rpm, file
names) takes a page of bounds-checked code.

The older BerkeleyDB (``Packages``) and ndb (``Packages.db``) databases are *not* read; an image
that has one gets a "not checked" record, so a missing RPM inventory is never silent.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from seawall.errors import SourceError
from seawall.inventory.packages.base import CatalogContext, Found, Reader
from seawall.inventory.packages.model import Package, PackageLocation, make_purl

SQLITE_DBS = ("var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite")
UNREAD_DBS = {
    "var/lib/rpm/Packages": "BerkeleyDB rpmdb",
    "var/lib/rpm/Packages.db": "ndb rpmdb",
    "usr/lib/sysimage/rpm/Packages": "BerkeleyDB rpmdb",
    "usr/lib/sysimage/rpm/Packages.db": "ndb rpmdb",
}

# rpm tag numbers (rpmtag.h)
TAG_NAME, TAG_VERSION, TAG_RELEASE, TAG_EPOCH = 1000, 1001, 1002, 1003
TAG_VENDOR, TAG_LICENSE, TAG_ARCH, TAG_SOURCERPM = 1011, 1014, 1022, 1044
TAG_DIRINDEXES, TAG_BASENAMES, TAG_DIRNAMES = 1116, 1117, 1118
TAG_MODULARITYLABEL = 5096

# rpm tag types
_INT16, _INT32, _STRING, _STRING_ARRAY, _I18NSTRING = 3, 4, 6, 8, 9

_MAX_ENTRIES = 0xFFFF
_MAX_DATA = 256 * 1024 * 1024


def parse_header(blob: bytes) -> dict[int, str | list[str] | list[int]]:
    """Decode the tags we use from one header blob; raises SourceError on a malformed blob."""
    if len(blob) < 8:
        raise SourceError("rpm header too short")
    il, dl = struct.unpack_from(">II", blob, 0)
    if il > _MAX_ENTRIES or dl > _MAX_DATA:
        raise SourceError("rpm header sizes out of range")
    data_start = 8 + 16 * il
    if data_start + dl > len(blob):
        raise SourceError("rpm header truncated")
    store = bytes(blob[data_start:data_start + dl])
    wanted = {
        TAG_NAME, TAG_VERSION, TAG_RELEASE, TAG_EPOCH, TAG_VENDOR, TAG_LICENSE, TAG_ARCH,
        TAG_SOURCERPM, TAG_DIRINDEXES, TAG_BASENAMES, TAG_DIRNAMES, TAG_MODULARITYLABEL,
    }
    out: dict[int, str | list[str] | list[int]] = {}
    for i in range(il):
        tag, typ, off, count = struct.unpack_from(">iIiI", blob, 8 + 16 * i)
        if tag not in wanted:
            continue
        if off < 0 or off >= dl:
            raise SourceError(f"rpm header tag {tag} offset out of range")
        if typ == _STRING:
            end = _cstr_end(store, off)
            out[tag] = store[off:end].decode("utf-8", "replace")
        elif typ in (_STRING_ARRAY, _I18NSTRING):
            items: list[str] = []
            pos = off
            for _ in range(min(count, dl)):
                end = _cstr_end(store, pos)
                items.append(store[pos:end].decode("utf-8", "replace"))
                pos = end + 1
            out[tag] = items[0] if (typ == _I18NSTRING and items) else items
        elif typ == _INT32:
            if off + 4 * count > dl:
                raise SourceError(f"rpm header tag {tag} data out of range")
            out[tag] = list(struct.unpack_from(f">{count}i", store, off))
        elif typ == _INT16:
            if off + 2 * count > dl:
                raise SourceError(f"rpm header tag {tag} data out of range")
            out[tag] = list(struct.unpack_from(f">{count}h", store, off))
    return out


def _cstr_end(store: bytes, off: int) -> int:
    end = store.find(b"\0", off)
    if end < 0:
        raise SourceError("rpm header string not terminated")
    return end


@dataclass(frozen=True, slots=True)
class RpmHeader:
    name: str
    version: str
    release: str
    epoch: int | None
    arch: str
    license: str
    vendor: str
    source_rpm: str
    files: tuple[str, ...]

    @property
    def evr(self) -> str:
        """``[epoch:]version-release`` as rpm -q prints with %{EVR}."""
        base = f"{self.version}-{self.release}" if self.release else self.version
        return f"{self.epoch}:{base}" if self.epoch else base


def _s(v: str | list[str] | list[int] | None) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, list) and v and isinstance(v[0], str):
        return v[0]
    return ""


def to_header(tags: dict[int, str | list[str] | list[int]]) -> RpmHeader:
    epoch_v = tags.get(TAG_EPOCH)
    epoch = epoch_v[0] if isinstance(epoch_v, list) and epoch_v and isinstance(epoch_v[0], int) else None
    base = tags.get(TAG_BASENAMES)
    dirs = tags.get(TAG_DIRNAMES)
    idx = tags.get(TAG_DIRINDEXES)
    files: list[str] = []
    if isinstance(base, list) and isinstance(dirs, list) and isinstance(idx, list):
        for b, i in zip(base, idx, strict=False):
            if isinstance(i, int) and 0 <= i < len(dirs):
                files.append((str(dirs[i]) + str(b)).lstrip("/"))
    return RpmHeader(
        name=_s(tags.get(TAG_NAME)),
        version=_s(tags.get(TAG_VERSION)),
        release=_s(tags.get(TAG_RELEASE)),
        epoch=epoch,
        arch=_s(tags.get(TAG_ARCH)),
        license=_s(tags.get(TAG_LICENSE)),
        vendor=_s(tags.get(TAG_VENDOR)),
        source_rpm=_s(tags.get(TAG_SOURCERPM)),
        files=tuple(files),
    )


#: an rpm header blob is a few kB to a few hundred kB; longer values are refused by SQLite itself
_MAX_SQL_VALUE = 64 * 1024 * 1024
#: SQLite virtual-machine steps allowed for reading the Packages table (a real rpmdb with
#: thousands of packages needs well under a million), checked every 10,000 steps
_MAX_SQL_STEPS = 200_000_000


def read_sqlite_rpmdb(data: bytes, subject: str) -> Iterator[RpmHeader]:
    """Every package header in an rpmdb.sqlite given as bytes (opened in memory, read-only).

    The database comes from the image, and a SQLite file can hold code that runs when it is
    read: ``Packages`` could be a view over an endless recursive query, or a table whose
    ``blob`` column is generated (computed at each read). Only a real table whose ``blob``
    column is stored is read; values over 64 MiB, more bytes in total than the file holds, and
    queries running over a step budget are refused, each as a SourceError."""
    if len(data) >= 100 and data[:16] == b"SQLite format 3\x00" and data[18:20] == b"\x02\x02":
        # rpm keeps its database in WAL mode; an in-memory copy can only be opened in rollback
        # mode (header bytes 18/19 = 1). rpm checkpoints the WAL when it closes the database, so
        # the main file holds every committed package of a finished image build.
        data = data[:18] + b"\x01\x01" + data[20:]
    import sqlite3  # here, not at import: most images have no rpm database

    conn = sqlite3.connect(":memory:")
    steps = [0]

    def budget() -> int:
        steps[0] += 10_000
        return 1 if steps[0] > _MAX_SQL_STEPS else 0  # non-zero interrupts the query

    try:
        try:
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_SQL_VALUE)
            conn.set_progress_handler(budget, 10_000)
            conn.deserialize(data)
            conn.execute("PRAGMA trusted_schema = OFF")
            kind = conn.execute("SELECT type FROM sqlite_master WHERE name = 'Packages' COLLATE NOCASE").fetchall()
            if kind != [("table",)]:
                raise SourceError("not an rpm database: Packages is not a table", subject=subject)
            columns = {str(row[1]).lower(): row[6] for row in conn.execute("PRAGMA table_xinfo(Packages)")}
            if columns.get("blob") != 0:  # missing, or hidden/generated (1, 2, 3)
                raise SourceError("not an rpm database: Packages has no stored blob column", subject=subject)
            cursor = conn.execute("SELECT blob FROM Packages")
            total = 0
            while True:
                rows = cursor.fetchmany(256)
                if not rows:
                    break
                for (blob,) in rows:
                    if not isinstance(blob, bytes):
                        continue
                    total += len(blob)
                    if total > len(data):  # stored blobs cannot add up to more than the file
                        raise SourceError("not an rpm database: Packages holds more than the file", subject=subject)
                    yield to_header(parse_header(blob))
        except sqlite3.Error as err:
            why = "query over its step budget" if steps[0] > _MAX_SQL_STEPS else str(err)
            raise SourceError(f"not a readable rpm sqlite database ({why})", subject=subject) from None
    finally:
        conn.close()


def split_source_rpm(src: str) -> tuple[str, str]:
    """``glibc-2.34-60.el9.src.rpm`` -> (``glibc``, ``2.34-60.el9``)."""
    for suffix in (".src.rpm", ".nosrc.rpm"):
        if src.endswith(suffix):
            src = src[: -len(suffix)]
            break
    else:
        return "", ""
    parts = src.rsplit("-", 2)
    if len(parts) != 3:
        return "", ""
    return parts[0], f"{parts[1]}-{parts[2]}"


#: OSV ecosystem names for RPM distributions.
_ECOSYSTEMS = {
    "rhel": "Red Hat", "almalinux": "AlmaLinux", "rocky": "Rocky Linux", "centos": "CentOS",
    "fedora": "Fedora", "ol": "Oracle Linux", "amzn": "Amazon Linux", "opensuse-leap": "openSUSE",
    "sles": "SUSE", "mariner": "Mariner", "azurelinux": "Azure Linux",
}
_PURL_NAMESPACE = {"rhel": "redhat", "ol": "oracle", "amzn": "amazon"}


_MAX_DB = 512 * 1024 * 1024


class RpmCataloger:
    name = "rpm"
    is_os = True
    names = frozenset({"rpmdb.sqlite", "Packages", "Packages.db"})
    suffixes: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    executables = False

    def wants(self, path: str, size: int, mode: int) -> bool:
        return path in SQLITE_DBS or path in UNREAD_DBS

    def parse(self, path: str, reader: Reader) -> Any:
        if path in UNREAD_DBS:
            return ("unread", UNREAD_DBS[path]) if reader.read(16) else None
        data = reader.read(_MAX_DB + 1)
        if len(data) > _MAX_DB:
            return ("unread", f"rpmdb larger than {_MAX_DB} bytes")
        try:
            return ("headers", [h for h in read_sqlite_rpmdb(data, path) if h.name and h.name != "gpg-pubkey"])
        except SourceError as err:
            return ("unread", str(err))

    def packages(self, found: list[Found], ctx: CatalogContext) -> Iterable[Package]:
        os = ctx.os
        os_id = os.id if os else ""
        ecosystem = _ECOSYSTEMS.get(os_id, "RPM")
        namespace = _PURL_NAMESPACE.get(os_id, os_id or "rpm")
        distro = os.purl_distro if os else ""
        for f in found:
            if f.result[0] == "unread":
                ctx.skip(f.path, f"{f.result[1]} is not read: RPM packages in this image are not listed", f.layer)
                continue
            for h in f.result[1]:
                ctx.owned.update(h.files)
                src_name, src_version = split_source_rpm(h.source_rpm)
                yield Package(
                    name=h.name,
                    version=h.evr,
                    ecosystem=ecosystem,
                    purl=make_purl(
                        "rpm", h.name, f"{h.version}-{h.release}" if h.release else h.version,
                        namespace=namespace,
                        qualifiers={
                            "arch": h.arch, "epoch": str(h.epoch) if h.epoch else "", "distro": distro,
                        },
                    ),
                    cataloger=self.name,
                    source_name=src_name,
                    source_version=(f"{h.epoch}:{src_version}" if h.epoch and src_version else src_version),
                    licenses=(h.license,) if h.license else (),
                    locations=(PackageLocation(f.path, f.layer),),
                    arch=h.arch,
                    distro=distro,
                )
