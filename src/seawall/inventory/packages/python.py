"""Python distributions: ``*.dist-info/METADATA`` (wheels, modern pip) and ``*.egg-info/PKG-INFO``
(setuptools), ``*.egg/EGG-INFO/PKG-INFO`` (unzipped eggs), plus single-file ``*.egg-info`` left by
distutils installs. Zipped ``.egg`` files are not opened.

These are the same files ``importlib.metadata`` and ``pip list`` read, so the names and versions
reported here are exactly what pip reports for that path. License: ``License-Expression`` (PEP
639) first, then a short ``License`` field, then ``License ::`` classifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from seawall.inventory.packages.base import CatalogContext, Found, Reader, manifest_packages, read_text
from seawall.inventory.packages.licenses import from_classifier
from seawall.inventory.packages.model import Package, make_purl

_MAX_METADATA = 4 * 1024 * 1024


def normalize_name(name: str) -> str:
    """PEP 503 normalisation, also the purl spec's rule for pypi names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_metadata(text: str) -> dict[str, list[str]]:
    """The header fields of a METADATA / PKG-INFO file (the body, the long description, is ignored)."""
    head, _, _ = text.partition("\n\n")
    from email.parser import HeaderParser  # only images with Python packages pay for email.*

    msg = HeaderParser().parsestr(head + "\n")
    out: dict[str, list[str]] = {}
    for key, value in msg.items():
        out.setdefault(key.lower(), []).append(str(value).strip())
    return out


def licenses_of(fields: dict[str, list[str]]) -> tuple[str, ...]:
    expr = [v for v in fields.get("license-expression", []) if v]
    if expr:
        return (expr[0],)
    lic = [v for v in fields.get("license", []) if v and v.upper() != "UNKNOWN"]
    if lic and "\n" not in lic[0] and len(lic[0]) <= 100:
        return (lic[0],)
    found: dict[str, None] = {}
    for c in fields.get("classifier", []):
        ident = from_classifier(c)
        if ident:
            found.setdefault(ident, None)
    return tuple(found)


class PythonCataloger:
    name = "python"
    is_os = False
    names = frozenset({"METADATA", "PKG-INFO"})
    suffixes: tuple[str, ...] = (".egg-info",)
    prefixes: tuple[str, ...] = ()
    executables = False

    def wants(self, path: str, size: int, mode: int) -> bool:
        return (
            path.endswith(".dist-info/METADATA")
            or path.endswith(".egg-info/PKG-INFO")
            or path.endswith(".egg/EGG-INFO/PKG-INFO")  # unzipped eggs (easy_install)
            or (path.endswith(".egg-info") and "/" in path)
        )

    def parse(self, path: str, reader: Reader) -> Any:
        fields = parse_metadata(read_text(reader, _MAX_METADATA))
        name = (fields.get("name") or [""])[0]
        version = (fields.get("version") or [""])[0]
        if not name or not version:
            return None
        return (name, version, licenses_of(fields))

    def packages(self, found: list[Found], ctx: CatalogContext) -> Iterable[Package]:
        return manifest_packages(
            found, self.name, "PyPI", lambda name, version: make_purl("pypi", normalize_name(name), version)
        )
