"""RubyGems ordering: ``Gem::Version#<=>``.

The version is split into numeric and alphabetic segments (``-`` means ``.pre.``); any letter
makes it a prerelease. Trailing zeros of the numeric part and of the part after the first
letter segment are dropped ("canonical segments"); then segments compare pairwise, a missing
one counting as 0, strings before numbers, strings lexically. Validity follows Gem::Version's
pattern, relaxed (like older RubyGems) to allow letters straight after the first number
(``1beta``), which advisories still name.
"""

from __future__ import annotations

import re
from functools import lru_cache

from seawall.errors import VersionError

_VALID = re.compile(r"^[0-9]+[0-9A-Za-z]*(?:\.[0-9A-Za-z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")
_SEG = re.compile(r"[0-9]+|[a-z]+", re.IGNORECASE)

Segment = int | str


@lru_cache(maxsize=65536)
def canonical_segments(version: str) -> tuple[Segment, ...]:
    v = version.strip()
    if not v:
        v = "0"
    if not _VALID.match(v):
        raise VersionError(f"invalid RubyGems version {version!r}")
    v = v.replace("-", ".pre.")
    segs: list[Segment] = [int(s) if s.isdigit() else s for s in _SEG.findall(v)]
    first_str = next((i for i, s in enumerate(segs) if isinstance(s, str)), len(segs))
    out: list[Segment] = []
    for part in (segs[:first_str], segs[first_str:]):
        while part and part[-1] == 0:
            part.pop()
        out.extend(part)
    return tuple(out)


def compare(a: str, b: str) -> int:
    x, y = canonical_segments(a), canonical_segments(b)
    if x == y:
        return 0
    for i in range(max(len(x), len(y))):
        left = x[i] if i < len(x) else 0
        right = y[i] if i < len(y) else 0
        if left == right:
            continue
        if isinstance(left, str) and isinstance(right, int):
            return -1
        if isinstance(left, int) and isinstance(right, str):
            return 1
        return (left > right) - (left < right)  # type: ignore[operator]
    return 0
