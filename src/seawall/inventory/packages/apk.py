"""Alpine packages: ``lib/apk/db/installed``.

The database is a sequence of blank-line separated records of one-letter fields (apk-tools'
"installed database" format): ``P:`` name, ``V:`` version, ``A:`` arch, ``L:`` license, ``o:``
origin (the source package, which Alpine's secdb keys advisories by), ``F:`` a directory and the
``R:`` files in it that the package owns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from seawall.inventory.packages.base import (
    MAX_PATHS,
    MAX_RECORDS,
    CatalogContext,
    Found,
    Reader,
    TooManyRecords,
    bounded,
    read_text,
)
from seawall.inventory.packages.model import Package, PackageLocation, make_purl

INSTALLED = "lib/apk/db/installed"
#: a real installed database is a few MB (each package's file list included)
_MAX_DB = 64 * 1024 * 1024


def parse_installed(text: str) -> Iterator[tuple[dict[str, str], list[str]]]:
    """(fields, owned files) per installed package."""
    rec: dict[str, str] = {}
    owned: list[str] = []
    folder = ""
    paths = 0  # R: lines of the whole database (bounded: each costs a path string)
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if rec.get("P") and rec.get("V"):
                yield rec, owned
            rec, owned, folder = {}, [], ""
            continue
        if len(line) < 2 or line[1] != ":":
            continue
        key, value = line[0], line[2:]
        if key == "F":
            folder = value.strip("/")
        elif key == "R":
            paths += 1
            if paths > MAX_PATHS:
                raise TooManyRecords(f"more than {MAX_PATHS} paths")
            owned.append(f"{folder}/{value}" if folder else value)
        elif key not in rec:
            rec[key] = value


class ApkCataloger:
    name = "apk"
    is_os = True
    names = frozenset({"installed"})
    suffixes: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    executables = False

    def wants(self, path: str, size: int, mode: int) -> bool:
        return path == INSTALLED

    def parse(self, path: str, reader: Reader) -> Any:
        return bounded(parse_installed(read_text(reader, _MAX_DB)), MAX_RECORDS, "packages")

    def packages(self, found: list[Found], ctx: CatalogContext) -> Iterable[Package]:
        os = ctx.os
        distro = os.purl_distro if os else ""
        for f in found:
            for rec, owned in f.result:
                ctx.owned.update(owned)
                name, version, arch = rec["P"], rec["V"], rec.get("A", "")
                origin = rec.get("o", "") or name
                lic = rec.get("L", "").strip()
                yield Package(
                    name=name,
                    version=version,
                    ecosystem="Alpine",
                    purl=make_purl(
                        "apk", name, version, namespace="alpine", qualifiers={"arch": arch, "distro": distro}
                    ),
                    cataloger=self.name,
                    source_name=origin,
                    source_version=version,
                    licenses=(lic,) if lic else (),
                    locations=(PackageLocation(f.path, f.layer),),
                    arch=arch,
                    distro=distro,
                )
