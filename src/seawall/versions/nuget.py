"""NuGet ordering (``NuGet.Versioning.NuGetVersion``): up to four numeric parts (missing = 0,
leading zeros allowed), then SemVer 2 pre-release precedence with case-insensitive labels;
build metadata after ``+`` is ignored."""

from __future__ import annotations

import re
from functools import lru_cache

from seawall.errors import VersionError

_RE = re.compile(
    r"^\s*[vV]?(?P<nums>\d+(?:\.\d+){0,3})(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+[0-9A-Za-z.-]*)?\s*$"
)

Key = tuple[tuple[int, int, int, int], int, tuple[tuple[int, int, str], ...]]


@lru_cache(maxsize=65536)
def parse(version: str) -> Key:
    m = _RE.match(version)
    if m is None:
        raise VersionError(f"invalid NuGet version {version!r}")
    nums = [int(p) for p in m.group("nums").split(".")] + [0, 0, 0]
    pre = m.group("pre")
    labels = tuple((0, int(x), "") if x.isdigit() else (1, 0, x.lower()) for x in pre.split(".")) if pre else ()
    return ((nums[0], nums[1], nums[2], nums[3]), 0 if pre else 1, labels)


def compare(a: str, b: str) -> int:
    x, y = parse(a), parse(b)
    return (x > y) - (x < y)
