"""SemVer 2.0 ordering for npm, crates.io, Go (``v`` prefix, pseudo-versions) and OSV ``SEMVER``.

Why hand-written: the PyPI ``semver`` package is strict SemVer only (no ``v``, no loose forms
npm accepts), and node-semver's precedence rules are short. Precedence: major.minor.patch
numerically, a release beats its pre-releases, pre-release identifiers compare numerically
when both are digits, digits sort before text, text compares in ASCII order, a shorter list of
otherwise equal identifiers is lower. Build metadata (``+...``, including Go's
``+incompatible``) is ignored. Go pseudo-versions (``v0.0.0-20191109021931-daa7c04131f5``)
are ordinary pre-releases and need nothing special.

Leniency, as OSV tooling applies it: a leading ``v``/``=`` and surrounding spaces are dropped
(node-semver "loose"), missing minor/patch count as 0, and numeric components after the third
are treated as build metadata (``1.1.3.4.5``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from seawall.errors import VersionError

_RE = re.compile(
    r"^\s*[v=]?\s*(?P<major>\d+)(?:\.(?P<minor>\d+)(?:\.(?P<patch>\d+)(?P<extra>(?:\.\d+)*))?)?"
    r"(?:-?(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]*)*))?(?:\+(?P<build>[0-9A-Za-z.-]*))?\s*$"
)

Key = tuple[int, int, int, tuple[tuple[int, int, str], ...] | None]


@lru_cache(maxsize=65536)
def parse(version: str) -> Key:
    """(major, minor, patch, prerelease identifiers or None for a release)."""
    m = _RE.match(version)
    if m is None:
        raise VersionError(f"invalid semantic version {version!r}")
    pre_text = m.group("pre")
    if pre_text is not None and m.group("patch") is None:
        raise VersionError(f"invalid semantic version {version!r}: pre-release needs major.minor.patch")
    pre: tuple[tuple[int, int, str], ...] | None = None
    if pre_text is not None:
        ids = []
        for ident in pre_text.split("."):
            if ident.isdigit():
                ids.append((0, int(ident), ""))
            else:
                ids.append((1, 0, ident))
        pre = tuple(ids)
    return (int(m.group("major")), int(m.group("minor") or 0), int(m.group("patch") or 0), pre)


def compare(a: str, b: str) -> int:
    ka, kb = parse(a), parse(b)
    if ka[:3] != kb[:3]:
        return -1 if ka[:3] < kb[:3] else 1
    pa, pb = ka[3], kb[3]
    if pa is None or pb is None:
        if pa is pb:
            return 0
        return 1 if pa is None else -1
    return (pa > pb) - (pa < pb)
