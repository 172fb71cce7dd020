"""PyPI version ordering: PEP 440 via ``packaging.version`` (exact, and the reference oracle).

Why not *only* ``packaging``: since packaging 22 it rejects legacy, non-PEP 440 versions, yet
PyPI still serves releases named like ``0.1-bulbasaur`` or ``2013-01-21T20:33:09+0100`` and OSV
advisories name them. pip and packaging < 22 ordered those with ``LegacyVersion``: before every
PEP 440 version, then by a setuptools-style key. We reproduce that key (re-implemented here, the
class no longer exists upstream) so such versions are still compared the way PyPI tooling did,
instead of as plain strings. Empty strings and strings with whitespace are errors.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from packaging.version import InvalidVersion, Version

from seawall.errors import VersionError

_LEGACY_PART = re.compile(r"(\d+ | [a-z]+ | \.| -)", re.VERBOSE)
_LEGACY_REPLACE = {"pre": "c", "preview": "c", "-": "final-", "rc": "c", "dev": "@"}


def _legacy_parts(s: str) -> list[str]:
    out: list[str] = []
    for part in _LEGACY_PART.split(s):
        part = _LEGACY_REPLACE.get(part, part)
        if not part or part == ".":
            continue
        if part[:1] in "0123456789":
            out.append(part.zfill(8))
        else:
            out.append("*" + part)
    out.append("*final")
    return out


def _legacy_key(s: str) -> tuple[str, ...]:
    parts: list[str] = []
    for part in _legacy_parts(s.lower()):
        if part.startswith("*"):
            if part < "*final":
                while parts and parts[-1] == "*final-":
                    parts.pop()
            while parts and parts[-1] == "00000000":
                parts.pop()
        parts.append(part)
    return tuple(parts)


@lru_cache(maxsize=65536)
def key(version: str) -> tuple[int, Any]:
    """A sort key: (0, legacy key) for legacy versions, (1, Version) for PEP 440 ones."""
    v = version.strip()
    if not v or any(c.isspace() for c in v):
        raise VersionError(f"invalid PyPI version {version!r}: empty or contains whitespace")
    try:
        return (1, Version(v))
    except InvalidVersion:
        return (0, _legacy_key(v))


def is_pep440(version: str) -> bool:
    try:
        Version(version)
    except InvalidVersion:
        return False
    return True


def compare(a: str, b: str) -> int:
    ka, kb = key(a), key(b)
    if ka[0] != kb[0]:
        return -1 if ka[0] < kb[0] else 1
    x, y = ka[1], kb[1]
    return (x > y) - (x < y)  # type: ignore[no-any-return]
