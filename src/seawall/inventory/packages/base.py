"""The small interface every cataloger implements, and the file access it is given.

A cataloger never walks the image itself: ``catalog.py`` streams every layer once, offers each
regular file to every cataloger's :meth:`Cataloger.wants`, and lets the one that wants it
:meth:`~Cataloger.parse` it right there, keeping only the small parsed result — so memory holds
results, never file contents (a 100 MB jar is read, parsed and dropped). After the last layer,
results of files that a later layer deleted or replaced are discarded, and
:meth:`~Cataloger.packages` turns the survivors into packages. The same code runs over an
unpacked directory tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from seawall.inventory.osrelease import OSRelease
from seawall.inventory.packages.model import NotChecked, Package, PackageLocation

T = TypeVar("T")


class Reader(Protocol):
    """Sequential, bounded access to one file's content while the layer streams past."""

    def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Found:
    """What a cataloger's :meth:`Cataloger.parse` returned for one file that survived squashing."""

    path: str
    layer: str  # layer digest ("" for a directory tree)
    result: Any


@dataclass(slots=True)
class CatalogContext:
    """What catalogers share: the detected OS and the records they could not read."""

    os: OSRelease | None = None
    not_checked: list[NotChecked] = field(default_factory=list)
    owned: set[str] = field(default_factory=set)  # paths owned by OS packages (dpkg/apk/rpm)
    max_file_bytes: int = 256 * 1024 * 1024

    def skip(self, subject: str, reason: str, layer: str = "") -> None:
        self.not_checked.append(NotChecked(subject, reason, layer))


class Cataloger(Protocol):
    """One package format. ``parse`` runs while layers stream (it must not depend on the OS,
    which may be found later); ``packages`` runs once on the results of files that survived
    whiteouts and overwrites, with the OS known."""

    name: str
    #: True for OS package managers: their file lists decide which language packages are owned.
    is_os: bool
    #: Cheap hints checked before :meth:`wants` (the stream offers every file of every layer):
    #: the file's base name is in ``names`` or ends with one of ``suffixes``, or its path starts
    #: with one of ``prefixes``, or (``executables``) it is an executable of at least 1 KiB.
    names: frozenset[str]
    suffixes: tuple[str, ...]
    prefixes: tuple[str, ...]
    executables: bool

    def wants(self, path: str, size: int, mode: int) -> bool:
        """Whether to parse this regular file. Called for every file of every layer: keep it cheap."""
        ...

    def parse(self, path: str, reader: Reader) -> Any:
        """Parse one file into a small, self-contained result (None: nothing here)."""
        ...

    def packages(self, found: list[Found], ctx: CatalogContext) -> Iterable[Package]: ...


#: Records one database file may describe (packages of a dpkg status or apk database, paths of
#: a file list). All of Debian is about 65,000 binary packages; a 57 MB status file of a million
#: three-line stanzas (2.6 MB gzipped) cost 7.7 GB and 85 seconds before this bound.
MAX_RECORDS = 100_000
MAX_PATHS = 1_000_000


class TooManyRecords(ValueError):
    """A file lists more records than :data:`MAX_RECORDS` (or paths than :data:`MAX_PATHS`):
    the cataloger reports it as not checked."""


def bounded(items: Iterable[T], limit: int, what: str) -> list[T]:
    """``list(items)``, or TooManyRecords as soon as there are more than ``limit``."""
    out: list[T] = []
    for item in items:
        if len(out) >= limit:
            raise TooManyRecords(f"more than {limit} {what}")
        out.append(item)
    return out


def read_text(reader: Reader, limit: int) -> str:
    return reader.read(limit).decode("utf-8", "replace")


def parse_stanzas(text: str) -> Iterator[dict[str, str]]:
    """RFC 822-style stanzas (dpkg status): ``Key: value`` lines, continuation lines start with
    a space, blank lines separate records. Keys are kept as written; later duplicates win."""
    rec: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        if not line.strip():
            if rec:
                yield rec
            rec, last = {}, ""
            continue
        if line[0] in " \t":
            if last:
                rec[last] += "\n" + line[1:]
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        last = key.strip()
        rec[last] = value.strip()
    if rec:
        yield rec


def manifest_packages(
    found: list[Found], cataloger: str, ecosystem: str, purl: Callable[[str, str], str]
) -> Iterator[Package]:
    """One package per language manifest (PKG-INFO, gemspec, package.json) whose parse result is
    ``(name, version, licenses)``: those catalogers differ only in ecosystem and purl spelling."""
    for f in found:
        name, version, licenses = f.result
        yield Package(
            name=name,
            version=version,
            ecosystem=ecosystem,
            purl=purl(name, version),
            cataloger=cataloger,
            licenses=licenses,
            locations=(PackageLocation(f.path, f.layer),),
        )
