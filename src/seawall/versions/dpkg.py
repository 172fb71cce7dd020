"""Debian (and Ubuntu) version ordering, as ``dpkg --compare-versions`` does it.

``[epoch:]upstream[-revision]``: the epoch compares numerically; upstream and revision use
dpkg's "verrevcmp": alternating non-digit and digit runs, where in non-digit runs ``~`` sorts
before everything (even the end of the string), letters before non-letters, and digit runs
compare numerically. A missing revision equals ``0``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from seawall.errors import VersionError

_UPSTREAM_OK = re.compile(r"^[0-9][A-Za-z0-9.+~:-]*$")
_REVISION_OK = re.compile(r"^[A-Za-z0-9.+~]*$")


@lru_cache(maxsize=65536)
def parse(version: str) -> tuple[int, str, str]:
    """Split into (epoch, upstream, revision); raise VersionError if dpkg would reject it."""
    v = version.strip()
    if not v or any(c.isspace() for c in v):
        raise VersionError(f"invalid Debian version {version!r}: empty or contains whitespace")
    epoch = 0
    if ":" in v:
        head, rest = v.split(":", 1)
        if not head.isdigit():
            raise VersionError(f"invalid Debian version {version!r}: epoch {head!r} is not a number")
        epoch, v = int(head), rest
    upstream, revision = (v.rsplit("-", 1) if "-" in v else (v, ""))
    if not upstream or not upstream[0].isdigit():
        raise VersionError(f"invalid Debian version {version!r}: version must start with a digit")
    if not _UPSTREAM_OK.match(upstream) or not _REVISION_OK.match(revision) or ("-" in v and not revision):
        raise VersionError(f"invalid Debian version {version!r}: bad character")
    return epoch, upstream, revision


def _order(c: str) -> int:
    if c.isdigit():
        return 0
    if c.isalpha():
        return ord(c)
    if c == "~":
        return -1
    return ord(c) + 256


def verrevcmp(a: str, b: str) -> int:
    """dpkg's comparison of one upstream or revision part (returns -1/0/1)."""
    i = j = 0
    la, lb = len(a), len(b)
    while i < la or j < lb:
        first_diff = 0
        while (i < la and not a[i].isdigit()) or (j < lb and not b[j].isdigit()):
            ac = _order(a[i]) if i < la else 0
            bc = _order(b[j]) if j < lb else 0
            if ac != bc:
                return -1 if ac < bc else 1
            i += 1
            j += 1
        while i < la and a[i] == "0":
            i += 1
        while j < lb and b[j] == "0":
            j += 1
        while i < la and a[i].isdigit() and j < lb and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < la and a[i].isdigit():
            return 1
        if j < lb and b[j].isdigit():
            return -1
        if first_diff:
            return -1 if first_diff < 0 else 1
    return 0


_PAD: tuple[tuple[int, ...], int] = ((0,), 0)


_RUNS = re.compile(r"(\D*)(\d*)")
_WEIGHT: dict[str, int] = {chr(c): _order(chr(c)) for c in range(128)}


def _part_key(s: str) -> tuple[tuple[tuple[int, ...], int], ...]:
    """A tuple that sorts exactly like :func:`verrevcmp` (checked against it in the tests).

    Pairs of (weights of a non-digit run + a 0 terminator, value of the following digit run);
    trailing pairs equal to what dpkg compares a missing part as are dropped, then one such pad
    closes the key, so "1.0" == "1.0-0" and "1.0~rc1" < "1.0" fall out of tuple order.
    """
    weight = _WEIGHT.get
    pairs = [
        ((*[weight(c, 0) or _order(c) for c in text], 0), int(num or "0"))
        for text, num in _RUNS.findall(s)
        if text or num
    ]
    while pairs and pairs[-1] == _PAD:
        pairs.pop()
    pairs.append(_PAD)
    return tuple(pairs)


@lru_cache(maxsize=65536)
def key(version: str) -> tuple[int, tuple[tuple[tuple[int, ...], int], ...], tuple[tuple[tuple[int, ...], int], ...]]:
    """Sort key of a full version (epoch, upstream, revision)."""
    epoch, upstream, revision = parse(version)
    return (epoch, _part_key(upstream), _part_key(revision))


def compare(a: str, b: str) -> int:
    ka, kb = key(a), key(b)
    return (ka > kb) - (ka < kb)
