"""Version lines of image tags: which tags are newer releases of the line a tag belongs to.

Why not strict SemVer (:mod:`seawall.versions.semver`) or PEP 440 (``packaging``): image tags
carry *variants* — ``1.25.3-alpine``, ``3.12.1-slim-bookworm`` — that name a different image
family, not a pre-release, and tags have any precision (``1``, ``1.25``, ``1.25.3``). A tag's
line is (``v`` prefix, number of numeric components, variant): ``1.25.3-alpine`` is only ever
compared with ``N.N.N-alpine`` tags, so an upgrade suggestion never silently switches the
distribution under a workload, and a floating ``1.25`` tag is compared with other two-part tags.
Pre-releases (``-rc1``, ``-beta.2``, ``-alpha``...) are never suggested as upgrades.

Levels, for a tag with numbers ``n``: *patch* — same numbers but the last, higher last
(``1.25.3`` → ``1.25.5``; needs at least three parts); *minor* — same first number
(``1.25.3`` → ``1.27.0``); *major* — a higher first number (``1.25.3`` → ``2.0.1``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_TAG = re.compile(r"^(?P<v>[vV]?)(?P<nums>\d{1,9}(?:\.\d{1,9}){0,3})(?P<suffix>[-_+][0-9A-Za-z._+-]*)?$")
_PRE = re.compile(
    r"^[-_.+]?(?:rc|alpha|beta|a|b|pre|preview|dev|snapshot|nightly|canary|next|m)(?:[-_.]?\d+)*(?:$|[-_.+])",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, order=False)
class TagVersion:
    tag: str
    prefix: str
    numbers: tuple[int, ...]
    variant: str  # "" or the suffix naming an image family ("-alpine", "-slim-bookworm")
    prerelease: bool

    @property
    def line(self) -> tuple[str, int, str]:
        return (self.prefix.lower(), len(self.numbers), self.variant.lower())


def parse_tag(tag: str) -> TagVersion | None:
    """The version a tag names, or None for tags that are not versions (``latest``, ``main``)."""
    m = _TAG.match(tag)
    if m is None:
        return None
    suffix = m.group("suffix") or ""
    pre = bool(suffix) and _PRE.match(suffix) is not None
    nums = tuple(int(x) for x in m.group("nums").split("."))
    return TagVersion(tag, m.group("v"), nums, "" if pre else suffix, pre)


@dataclass(frozen=True, slots=True)
class Upgrade:
    level: str  # "patch", "minor" or "major"
    tag: str


def _best(cands: list[TagVersion]) -> TagVersion | None:
    # among equal numbers (e.g. "1.2.3" and "v1.2.3" never mix: prefix is in the line) keep the first
    return max(cands, key=lambda t: t.numbers, default=None)


def upgrades(current: str, tags: Iterable[str]) -> list[Upgrade]:
    """Newest patch, minor and major releases above ``current`` in its line (each at most once)."""
    cur = parse_tag(current)
    if cur is None:
        return []
    same_line = [
        t for t in (parse_tag(x) for x in tags) if t is not None and not t.prerelease and t.line == cur.line
    ]
    newer = [t for t in same_line if t.numbers > cur.numbers]
    n = len(cur.numbers)
    out: list[Upgrade] = []
    if n >= 3:
        patch = _best([t for t in newer if t.numbers[:-1] == cur.numbers[:-1]])
        if patch is not None:
            out.append(Upgrade("patch", patch.tag))
    if n >= 2:
        minor = _best(
            [t for t in newer if t.numbers[0] == cur.numbers[0] and (n < 3 or t.numbers[:-1] != cur.numbers[:-1])]
        )
        if minor is not None:
            out.append(Upgrade("minor", minor.tag))
    major = _best([t for t in newer if t.numbers[0] > cur.numbers[0]])
    if major is not None:
        out.append(Upgrade("major", major.tag))
    return out


def newest_in_line(current: str, tags: Iterable[str]) -> str:
    """The newest release tag of ``current``'s line above it ('' if none, or not a version)."""
    ups = upgrades(current, tags)
    best = _best([t for t in (parse_tag(u.tag) for u in ups) if t is not None])
    return best.tag if best is not None else ""
