"""Ruby gems: ``specifications/<name>-<version>.gemspec`` under any gem home.

Installed gemspecs are Ruby source written by RubyGems itself (``Gem::Specification.new do |s|
s.name = "rake".freeze ...``), in a fixed, machine-generated shape, so a few anchored patterns
read them without executing Ruby. The file name (``name-version.gemspec``) is the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from seawall.inventory.packages.base import CatalogContext, Found, Reader, manifest_packages, read_text
from seawall.inventory.packages.model import Package, make_purl

_PATH = re.compile(r"(?:^|/)specifications/[^/]+\.gemspec$")
_STR = r"""(?:"([^"\n]*)"|'([^'\n]*)'|%q\{([^}\n]*)\})"""
# blanks are [ \t], never \s: a line-anchored ``^\s*`` runs across newlines, so a gemspec of a
# million empty lines cost a full scan from each of them (quadratic: hours for 1 MB)
_NAME = re.compile(r"^[ \t]*\w+\.name[ \t]*=[ \t]*" + _STR, re.M)
_VERSION = re.compile(r"^[ \t]*\w+\.version[ \t]*=[ \t]*(?:Gem::Version\.new\([ \t]*)?" + _STR, re.M)
_LICENSES = re.compile(r"^[ \t]*\w+\.licenses?[ \t]*=[ \t]*(.*)$", re.M)
_QUOTED = re.compile(r""""([^"\n]*)"|'([^'\n]*)'""")
_MAX = 1024 * 1024


def _first(m: re.Match[str] | None) -> str:
    return next((g for g in m.groups() if g is not None), "") if m else ""


def parse_gemspec(text: str, filename: str) -> tuple[str, str, tuple[str, ...]] | None:
    name, version = _first(_NAME.search(text)), _first(_VERSION.search(text))
    if not name or not version:
        stem = filename.rsplit("/", 1)[-1][: -len(".gemspec")]
        fname, _, fver = stem.rpartition("-")
        name, version = name or fname, version or fver
    if not name or not version:
        return None
    licenses: list[str] = []
    for m in _LICENSES.finditer(text):
        licenses.extend(a or b for a, b in _QUOTED.findall(m.group(1)) if a or b)
    return name, version, tuple(dict.fromkeys(licenses))


class RubyCataloger:
    name = "gem"
    is_os = False
    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = (".gemspec",)
    prefixes: tuple[str, ...] = ()
    executables = False

    def wants(self, path: str, size: int, mode: int) -> bool:
        return path.endswith(".gemspec") and bool(_PATH.search(path))

    def parse(self, path: str, reader: Reader) -> Any:
        return parse_gemspec(read_text(reader, _MAX), path)

    def packages(self, found: list[Found], ctx: CatalogContext) -> Iterable[Package]:
        return manifest_packages(found, self.name, "RubyGems", lambda name, version: make_purl("gem", name, version))
