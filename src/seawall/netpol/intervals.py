"""Sets of integers as sorted, disjoint, non-touching closed intervals.

Both halves of a connection are interval sets on one integer line: ports (1-65535 per protocol)
and addresses (IPv4 and IPv6 on one line, see ipblocks). They share the merge and subtraction
here so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable

Intervals = tuple[tuple[int, int], ...]


def merge(ranges: Iterable[tuple[int, int]]) -> Intervals:
    """Sorted and merged (overlapping or touching ranges joined); ranges must have lo <= hi."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def subtract(a: Intervals, b: Intervals) -> Intervals:
    """``a`` minus ``b`` (both canonical)."""
    out: list[tuple[int, int]] = []
    for lo, hi in a:
        cur = lo
        for blo, bhi in b:
            if bhi < cur or blo > hi:
                continue
            if blo > cur:
                out.append((cur, blo - 1))
            cur = max(cur, bhi + 1)
            if cur > hi:
                break
        if cur <= hi:
            out.append((cur, hi))
    return tuple(out)
