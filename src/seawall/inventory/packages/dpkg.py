"""Debian packages: ``var/lib/dpkg/status`` and distroless ``var/lib/dpkg/status.d/*``.

Only packages whose files are on disk are reported: a stanza whose status is ``not-installed``
or ``config-files`` (removed, only conffiles left) describes nothing the image contains. The
``Source:`` field is kept (``Source: glibc`` or ``Source: glibc (2.36-9)``) because Debian's
security tracker keys advisories by *source* package. Licenses come from machine-readable
(DEP-5) ``usr/share/doc/<pkg>/copyright`` files only; free-form copyright files are not guessed.
``info/*.list`` gives the files each package owns, so language catalogers do not count a
``python3-yaml`` egg-info again as a PyPI package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from seawall.inventory.packages.base import (
    MAX_PATHS,
    MAX_RECORDS,
    CatalogContext,
    Found,
    Reader,
    bounded,
    parse_stanzas,
    read_text,
)
from seawall.inventory.packages.model import Package, PackageLocation, make_purl

STATUS = "var/lib/dpkg/status"
STATUS_D = "var/lib/dpkg/status.d/"
INFO = "var/lib/dpkg/info/"
DOC = "usr/share/doc/"

#: dpkg states in which the package's files are present (dpkg(1) "package states").
_PRESENT_STATES = frozenset(
    {"installed", "half-configured", "unpacked", "half-installed", "triggers-awaited", "triggers-pending"}
)

_SOURCE = re.compile(r"^(?P<name>\S+)(?:\s+\((?P<version>[^)]+)\))?")
_LICENSE_SPLIT = re.compile(r"\s+(?:or|and)\s+|\s*,\s*", re.IGNORECASE)


def parse_status(text: str) -> Iterator[dict[str, str]]:
    """Stanzas of a dpkg status file that describe installed packages."""
    for rec in parse_stanzas(text):
        if not rec.get("Package") or not rec.get("Version"):
            continue
        status = rec.get("Status", "install ok installed").split()
        state = status[2] if len(status) >= 3 else ""
        if state not in _PRESENT_STATES:
            continue
        yield rec


def parse_source(rec: dict[str, str]) -> tuple[str, str]:
    """(source name, source version); both default to the binary package's own."""
    name, version = rec["Package"], rec["Version"]
    m = _SOURCE.match(rec.get("Source", "").strip())
    if m:
        return m.group("name"), m.group("version") or version
    return name, version


_MAX_LICENSE_LINE = 1000
_EXCEPTION_SUFFIX = re.compile(r"\s+with\s+.*\s+exception\s*$", re.IGNORECASE)


def copyright_licenses(text: str) -> list[str]:
    """License short names from a DEP-5 machine-readable copyright file ([] if free-form).

    Only the first line of each ``License:`` field names licenses (continuation lines hold the
    text), so a line scan is enough — copyright files can be hundreds of KiB. The scan jumps
    from one ``License:`` to the next with ``str.find`` (a field starts a line), which is a few
    times faster than a multi-line regex over the whole text.
    """
    head = text[:400].lstrip().lower()
    if not head.startswith("format:") or ("copyright-format" not in head and "dep5" not in head):
        return []
    seen: dict[str, None] = {}
    find = text.find
    pos = 0
    while (i := find("License:", pos)) >= 0:
        pos = i + 8
        if i and text[i - 1] != "\n":
            continue  # not at the start of a line
        end = find("\n", pos)
        value = (text[pos:] if end < 0 else text[pos:end]).lstrip(" \t")
        if not value or value[0].isspace() or len(value) > _MAX_LICENSE_LINE:
            continue  # a line of thousands of words names no license (and the splits below backtrack)
        first = _EXCEPTION_SUFFIX.sub("", value.strip())
        for part in _LICENSE_SPLIT.split(first):
            part = part.strip().strip("()")
            if part and part.lower() not in ("public-domain", "other", "unknown"):
                seen.setdefault(part, None)
    return list(seen)


def parse_list(text: str) -> Iterator[str]:
    """Files a package owns (``info/<pkg>.list``), as image paths without the leading slash."""
    for line in text.splitlines():
        p = line.strip().lstrip("/")
        if p and p != ".":
            yield p


_MAX_DB = 64 * 1024 * 1024  # a full Ubuntu desktop's status file is about 10 MB
_MAX_SMALL = 4 * 1024 * 1024


class DpkgCataloger:
    name = "dpkg"
    is_os = True
    names = frozenset({"status", "copyright"})
    suffixes: tuple[str, ...] = (".list",)
    prefixes: tuple[str, ...] = (STATUS_D,)
    executables = False

    def wants(self, path: str, size: int, mode: int) -> bool:
        if path == STATUS:
            return True
        if path.startswith(STATUS_D):
            rest = path[len(STATUS_D):]
            return "/" not in rest and not rest.endswith(".md5sums")
        if path.startswith(INFO):
            return path.endswith(".list") and "/" not in path[len(INFO):]
        return path.startswith(DOC) and path.endswith("/copyright") and path.count("/") == 4

    def parse(self, path: str, reader: Reader) -> Any:
        if path == STATUS or path.startswith(STATUS_D):
            return ("status", bounded(parse_status(read_text(reader, _MAX_DB)), MAX_RECORDS, "packages"))
        if path.startswith(INFO):
            return ("list", tuple(bounded(parse_list(read_text(reader, _MAX_DB)), MAX_PATHS, "paths")))
        lic = copyright_licenses(read_text(reader, _MAX_SMALL))
        return ("copyright", path.split("/")[3], tuple(lic)) if lic else None

    def packages(self, found: list[Found], ctx: CatalogContext) -> Iterable[Package]:
        licenses: dict[str, tuple[str, ...]] = {}
        for f in found:
            kind = f.result[0]
            if kind == "list":
                ctx.owned.update(f.result[1])
            elif kind == "copyright":
                licenses[f.result[1]] = f.result[2]
        os = ctx.os
        distro_id = os.id if os else "debian"
        ecosystem = "Ubuntu" if distro_id == "ubuntu" else "Debian"
        distro = os.purl_distro if os else ""
        for f in found:
            if f.result[0] != "status":
                continue
            for rec in f.result[1]:
                yield self._package(rec, f, distro_id, ecosystem, distro, licenses)

    def _package(
        self, rec: dict[str, str], f: Found, distro_id: str, ecosystem: str, distro: str,
        licenses: dict[str, tuple[str, ...]],
    ) -> Package:
        name, version = rec["Package"], rec["Version"]
        arch = rec.get("Architecture", "")
        src_name, src_version = parse_source(rec)
        return Package(
            name=name,
            version=version,
            ecosystem=ecosystem,
            purl=make_purl("deb", name, version, namespace=distro_id, qualifiers={"arch": arch, "distro": distro}),
            cataloger=self.name,
            source_name=src_name,
            source_version=src_version,
            licenses=licenses.get(name, ()),
            locations=(PackageLocation(f.path, f.layer),),
            arch=arch,
            distro=distro,
        )
