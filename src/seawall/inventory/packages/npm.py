"""npm packages: ``node_modules/<name>/package.json`` and ``node_modules/@scope/<name>/package.json``
at any depth (nested ``node_modules`` trees included).

Only the manifest at a package's root counts: ``package.json`` files deeper inside a package
(test fixtures, examples) are not installed packages. A manifest without a string ``name`` and
``version`` is not a package either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from seawall.inventory.packages.base import CatalogContext, Found, Reader, manifest_packages
from seawall.inventory.packages.model import Package, make_purl

_MANIFEST = re.compile(r"(?:^|/)node_modules/(?:@[^/]+/)?[^/@.][^/]*/package\.json$")
_MAX_MANIFEST = 2 * 1024 * 1024


def licenses_of(doc: dict[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    lic = doc.get("license")
    if isinstance(lic, str) and lic.strip():
        out.append(lic.strip())
    elif isinstance(lic, dict) and isinstance(lic.get("type"), str):
        out.append(lic["type"].strip())
    many = doc.get("licenses")
    if isinstance(many, list):
        for item in many:
            if isinstance(item, str) and item.strip():
                out.append(item.strip())
            elif isinstance(item, dict) and isinstance(item.get("type"), str):
                out.append(item["type"].strip())
    return tuple(dict.fromkeys(x for x in out if x))


def package_from_manifest(data: bytes) -> tuple[str, str, tuple[str, ...]] | None:
    try:
        doc = json.loads(data.decode("utf-8-sig", "replace"))
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        return None
    if not isinstance(doc, dict):
        return None
    name, version = doc.get("name"), doc.get("version")
    if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
        return None
    return name, version, licenses_of(doc)


class NpmCataloger:
    name = "npm"
    is_os = False
    names = frozenset({"package.json"})
    suffixes: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    executables = False

    def wants(self, path: str, size: int, mode: int) -> bool:
        return path.endswith("/package.json") and "node_modules/" in path and bool(_MANIFEST.search(path))

    def parse(self, path: str, reader: Reader) -> Any:
        return package_from_manifest(reader.read(_MAX_MANIFEST))

    def packages(self, found: list[Found], ctx: CatalogContext) -> Iterable[Package]:
        def purl(name: str, version: str) -> str:
            namespace, _, short = name.rpartition("/")
            return make_purl("npm", short, version, namespace=namespace or None)

        return manifest_packages(found, self.name, "npm", purl)
