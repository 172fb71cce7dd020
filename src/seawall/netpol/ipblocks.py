"""IP address sets for ``ipBlock`` peers, and the external address space split into atoms.

Addresses live on one integer line: IPv4 at ``[0, 2**32)``, IPv6 shifted above it, so one
interval type serves both families. An ``ipBlock`` (``cidr`` minus ``except``) is a canonical
list of intervals. The connectivity matrix does not enumerate addresses: like np-guard it splits
the address space into the disjoint ranges induced by every CIDR/except boundary the policies
mention (plus the whole IPv4 space), so each range is either wholly inside or wholly outside every
``ipBlock`` and can be treated as one peer.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable

from seawall.netpol.intervals import Intervals, merge, subtract
from seawall.netpol.values import Value

V4_SIZE = 1 << 32
V6_OFFSET = V4_SIZE
V6_SIZE = 1 << 128
ALL_V4: tuple[tuple[int, int], ...] = ((0, V4_SIZE - 1),)
ALL_V6: tuple[tuple[int, int], ...] = ((V6_OFFSET, V6_OFFSET + V6_SIZE - 1),)


def _net_interval(text: str) -> tuple[int, int]:
    net = ipaddress.ip_network(text.strip(), strict=False)
    lo = int(net.network_address)
    hi = int(net.broadcast_address)
    if net.version == 6:
        return lo + V6_OFFSET, hi + V6_OFFSET
    return lo, hi


class IPBlock(Value):
    """``cidr`` minus ``except`` as canonical intervals; ``text`` is how the policy wrote it."""

    __slots__ = ("intervals", "is_v6", "text")

    def __init__(self, intervals: Intervals, text: str, is_v6: bool = False) -> None:
        self.intervals = intervals
        self.text = text
        self.is_v6 = is_v6

    @classmethod
    def parse(cls, cidr: str, excepts: Iterable[str] = ()) -> IPBlock:
        """Raise ValueError with a short reason for an invalid CIDR."""
        base = _net_interval(cidr)
        holes = merge(_net_interval(e) for e in excepts)
        ex = list(excepts)
        text = cidr + (f" except {', '.join(ex)}" if ex else "")
        return cls(subtract((base,), holes), text, base[0] >= V6_OFFSET)

    def contains(self, lo: int, hi: int) -> bool:
        return any(a <= lo and hi <= b for a, b in self.intervals)

    def is_everything(self) -> bool:
        return self.intervals == ALL_V4 or self.intervals == ALL_V6


def format_address(value: int) -> str:
    if value >= V6_OFFSET:
        return str(ipaddress.IPv6Address(value - V6_OFFSET))
    # the dotted quad str(IPv4Address(value)) writes, without building an address object per range
    # (every listing names its ranges; ipblock-heavy inputs have thousands)
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def format_range(lo: int, hi: int) -> str:
    return f"{format_address(lo)}-{format_address(hi)}"


def atoms(blocks: Iterable[IPBlock]) -> list[tuple[int, int]]:
    """The external space split at every boundary of ``blocks`` (IPv4 always; IPv6 if used).

    Equivalent to np-guard's ``DisjointIPBlocks(blocks split into ranges, [0.0.0.0/0])``: the
    result is the set of maximal ranges on which membership in every block is constant.
    """
    ivs: list[tuple[int, int]] = []
    v6 = False
    for b in blocks:
        ivs.extend(b.intervals)
        v6 = v6 or b.is_v6
    spaces = [ALL_V4[0]] + ([ALL_V6[0]] if v6 else [])
    cuts: set[int] = set()
    for lo, hi in (*ivs, *spaces):
        cuts.add(lo)
        cuts.add(hi + 1)
    out: list[tuple[int, int]] = []
    for s_lo, s_hi in spaces:
        points = sorted(c for c in cuts if s_lo <= c <= s_hi + 1)
        for start, stop in itertools.pairwise(points):
            out.append((start, stop - 1))
    return out
