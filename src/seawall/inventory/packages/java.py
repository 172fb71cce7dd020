"""Java archives (jar, war, ear, Jenkins hpi/jpi), including archives nested inside them.

Identity comes from ``META-INF/maven/<group>/<artifact>/pom.properties`` — written by Maven into
every artifact it builds, and the only reliable source of the group id the Maven ecosystem keys
advisories by. A shaded jar holds several; each is a package. Without one, ``MANIFEST.MF``
(``Implementation-*``, ``Bundle-*``) and then the file name (``name-1.2.3.jar``) give the name.
Nested archives (``WEB-INF/lib/*.jar``, Spring Boot ``BOOT-INF/lib/*.jar``) are opened from
memory with hard bounds on size, entry count, compression ratio and depth (zip bombs).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from seawall.inventory.packages.base import CatalogContext, Found, Reader
from seawall.inventory.packages.model import Package, PackageLocation, make_purl

if TYPE_CHECKING:  # imported when an archive is actually read: most images hold no jar
    import zipfile

ARCHIVE_SUFFIXES = (".jar", ".war", ".ear", ".jpi", ".hpi")
_MAX_ARCHIVE = 256 * 1024 * 1024
_MAX_NESTED = 64 * 1024 * 1024
_MAX_ENTRIES = 100_000
_MAX_DEPTH = 4
_MAX_RATIO = 200  # uncompressed / compressed, above which an entry is treated as a bomb
_MAX_SMALL = 1024 * 1024
#: bytes inflated for one archive found in the image, nested archives included: small members
#: may have any compression ratio, so without it 100,000 one-MiB members of zeros (a few
#: hundred kB of jar) would each be inflated and tried as a nested archive
_MAX_INFLATED = 1024 * 1024 * 1024
_FILENAME = re.compile(r"^(?P<name>.+?)-(?P<version>\d[\w.\-+]*)$")


@dataclass(frozen=True, slots=True)
class JavaArtifact:
    group: str
    artifact: str
    version: str
    licenses: tuple[str, ...]
    path: str  # "outer.war!/WEB-INF/lib/inner.jar" for nested archives


class ArchiveError(Exception):
    pass


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, budget: list[int]) -> bytes:
    if info.file_size > limit:
        raise ArchiveError(f"{info.filename} larger than {limit} bytes")
    if info.compress_size and info.file_size / max(info.compress_size, 1) > _MAX_RATIO and info.file_size > _MAX_SMALL:
        raise ArchiveError(f"{info.filename} compression ratio too high")
    if info.file_size > budget[0]:
        raise _OverBudget(f"nested archives inflate to more than {_MAX_INFLATED} bytes")
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    budget[0] -= len(data)
    if len(data) > limit:
        raise ArchiveError(f"{info.filename} larger than {limit} bytes")
    return data


class _OverBudget(ArchiveError):
    """The inflation budget of the top-level archive is spent: stop, do not try the next one."""


def _central_entries(data: bytes) -> int:
    """An upper bound on the entries of a zip's central directory, found without parsing it.

    ``zipfile.ZipFile`` builds a ZipInfo (~500 bytes) per central-directory record before any
    count can be checked: 1.5 million records (a 4 MB gzipped layer) cost 800 MB. Every record
    starts with the ``PK\\1\\2`` signature, so counting it in the directory's byte range (from
    the end-of-central-directory record, zip64 or not) over-counts at worst."""
    loc = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if loc < 0 or loc + 22 > len(data):
        return 0  # not a zip: ZipFile says so
    size = int.from_bytes(data[loc + 12 : loc + 16], "little")
    extra = 0
    if size == 0xFFFFFFFF and data[loc - 20 : loc - 16] == b"PK\x06\x07":  # zip64 locator
        z64 = data.rfind(b"PK\x06\x06", 0, loc - 20)
        if z64 >= 0 and z64 + 56 <= len(data):
            size = int.from_bytes(data[z64 + 40 : z64 + 48], "little")
            extra = loc - z64
    start = max(0, loc - extra - size)
    return data.count(b"PK\x01\x02", start, loc)


def parse_manifest(text: str) -> dict[str, str]:
    """MANIFEST.MF main section (72-byte lines continued with a leading space)."""
    out: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        if not line.strip():
            break  # end of the main section
        if line.startswith(" ") and last:
            out[last] += line[1:]
            continue
        key, sep, value = line.partition(":")
        if sep:
            last = key.strip()
            out[last] = value.strip()
    return out


def parse_properties(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _from_name(filename: str) -> tuple[str, str]:
    stem = filename.rsplit("/", 1)[-1]
    for suffix in ARCHIVE_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if len(stem) > 255:  # NAME_MAX; a zip entry name may be 64 kB, and the pattern is quadratic
        return stem[:255], ""
    m = _FILENAME.match(stem)
    return (m.group("name"), m.group("version")) if m else (stem, "")


def scan_archive(data: bytes, display: str, depth: int = 0, budget: list[int] | None = None) -> Iterator[JavaArtifact]:
    """Artifacts in one archive given as bytes, then in its nested archives (``budget``: bytes
    left to inflate, shared by the nesting; a new budget of ``_MAX_INFLATED`` when None)."""
    import zipfile

    if budget is None:
        budget = [_MAX_INFLATED]
    if _central_entries(data) > _MAX_ENTRIES:
        raise ArchiveError(f"more than {_MAX_ENTRIES} entries")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise ArchiveError(f"not a readable zip archive ({err})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > _MAX_ENTRIES:
            raise ArchiveError(f"more than {_MAX_ENTRIES} entries")
        manifest: dict[str, str] = {}
        poms: list[dict[str, str]] = []
        nested: list[zipfile.ZipInfo] = []
        for info in infos:
            name = info.filename
            if name.upper() == "META-INF/MANIFEST.MF":
                manifest = parse_manifest(_read_member(zf, info, _MAX_SMALL, budget).decode("utf-8", "replace"))
            elif name.startswith("META-INF/maven/") and name.endswith("/pom.properties"):
                poms.append(parse_properties(_read_member(zf, info, _MAX_SMALL, budget).decode("utf-8", "replace")))
            elif name.lower().endswith(ARCHIVE_SUFFIXES) and not info.is_dir():
                nested.append(info)
        lic = manifest.get("Bundle-License", "")
        licenses = (lic,) if lic and len(lic) < 200 and "http" not in lic else ()
        found = False
        for props in poms:
            g, a, v = props.get("groupId", ""), props.get("artifactId", ""), props.get("version", "")
            if a and v:
                found = True
                yield JavaArtifact(g, a, v, licenses, display)
        if not found:
            name, version = _from_name(display.rsplit("!/", 1)[-1])
            title = manifest.get("Implementation-Title") or manifest.get("Bundle-SymbolicName", "").split(";")[0]
            version = manifest.get("Implementation-Version") or manifest.get("Bundle-Version") or version
            group = manifest.get("Implementation-Vendor-Id", "")
            artifact = name if name else title
            if artifact and version:
                yield JavaArtifact(group, artifact, version, licenses, display)
        if depth >= _MAX_DEPTH:
            return
        for info in nested:
            child = f"{display}!/{info.filename}"
            try:
                inner = _read_member(zf, info, _MAX_NESTED, budget)
                yield from scan_archive(inner, child, depth + 1, budget)
            except _OverBudget:
                raise
            except ArchiveError:
                continue  # one unreadable nested jar must not hide the rest


class JavaCataloger:
    name = "java"
    is_os = False
    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ARCHIVE_SUFFIXES + tuple(s.upper() for s in ARCHIVE_SUFFIXES)
    prefixes: tuple[str, ...] = ()
    executables = False

    def wants(self, path: str, size: int, mode: int) -> bool:
        return path.lower().endswith(ARCHIVE_SUFFIXES)

    def parse(self, path: str, reader: Reader) -> Any:
        import zipfile

        data = reader.read(_MAX_ARCHIVE + 1)
        if len(data) > _MAX_ARCHIVE:
            return ("unread", f"archive larger than {_MAX_ARCHIVE} bytes")
        try:
            return ("ok", list(scan_archive(data, path)))
        except (ArchiveError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as err:
            return ("unread", str(err))

    def packages(self, found: list[Found], ctx: CatalogContext) -> Iterable[Package]:
        for f in found:
            if f.result[0] == "unread":
                ctx.skip(f.path, f"Java archive not read: {f.result[1]}", f.layer)
                continue
            seen: set[tuple[str, str, str, str]] = set()
            for art in f.result[1]:
                key = (art.group, art.artifact, art.version, art.path)
                if key in seen:
                    continue
                seen.add(key)
                name = f"{art.group}:{art.artifact}" if art.group else art.artifact
                yield Package(
                    name=name,
                    version=art.version,
                    ecosystem="Maven",
                    purl=make_purl("maven", art.artifact, art.version, namespace=art.group or None),
                    cataloger=self.name,
                    licenses=art.licenses,
                    locations=(PackageLocation(art.path, f.layer),),
                    metadata=(("group", art.group), ("artifact", art.artifact)),
                )
