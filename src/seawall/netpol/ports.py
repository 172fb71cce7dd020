"""Connection sets: for each of TCP, UDP and SCTP, a set of port intervals.

NetworkPolicy only ever talks about these three protocols and ports 1-65535, so a connection set is
three canonical interval lists. Interval sets make union/intersection linear in the number of
ranges (not ports), and the value is immutable and hashable so results can be cached and interned.
The string form is exactly np-guard's (``All Connections``, ``SCTP 1-65535,TCP 80,UDP 53``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from seawall.netpol.intervals import Intervals, merge, subtract

PROTOCOLS: tuple[str, ...] = ("SCTP", "TCP", "UDP")  # np-guard prints protocols in name order
MIN_PORT = 1
MAX_PORT = 65535

_PROTO_FIRST = r"^(?P<proto>tcp|udp|sctp)(?:[-/: ]+(?P<lo>\d+)(?:-(?P<hi>\d+))?)?$"
_PORT_FIRST = r"^(?P<lo>\d+)(?:-(?P<hi>\d+))?(?:[/: ](?P<proto>tcp|udp|sctp))?$"
_FULL: Intervals = ((MIN_PORT, MAX_PORT),)


def normalize(ranges: Iterable[tuple[int, int]]) -> Intervals:
    """Sorted, merged (touching ranges joined), clipped to 1-65535."""
    clipped = ((max(lo, MIN_PORT), min(hi, MAX_PORT)) for lo, hi in ranges)
    return merge((lo, hi) for lo, hi in clipped if lo <= hi)


def _union(a: Intervals, b: Intervals) -> Intervals:
    if not a:
        return b
    if not b or a == b:
        return a
    return normalize((*a, *b))


def _intersect(a: Intervals, b: Intervals) -> Intervals:
    if not a or not b:
        return ()
    if a == b:
        return a
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def format_ports(ivs: Intervals) -> str:
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ivs)


class ConnectionSet:
    """An immutable set of (protocol, port) pairs over TCP/UDP/SCTP 1-65535.

    ``named`` carries rule ports given by name that could not be resolved to a number (only for
    exposure analysis, where the destination is a hypothetical pod); it never affects emptiness
    checks against real pods.
    """

    __slots__ = ("_hash", "_str", "named", "ports")

    def __init__(
        self,
        ports: dict[str, Intervals] | None = None,
        named: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        p = ports or {}
        self.ports: tuple[Intervals, Intervals, Intervals] = (
            p.get("SCTP", ()),
            p.get("TCP", ()),
            p.get("UDP", ()),
        )
        self.named = named
        self._hash = hash((self.ports, self.named))
        self._str: str | None = None

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def all(cls) -> ConnectionSet:
        return ALL

    @classmethod
    def none(cls) -> ConnectionSet:
        return NONE

    @classmethod
    def of(cls, protocol: str, lo: int = MIN_PORT, hi: int = MAX_PORT) -> ConnectionSet:
        proto = protocol.upper()
        if proto not in PROTOCOLS:
            return NONE
        return cls({proto: normalize([(lo, hi)])})

    @classmethod
    def parse(cls, text: str) -> ConnectionSet:
        """``TCP``, ``tcp/80``, ``80/TCP``, ``tcp-80``, ``udp:53``, ``TCP 8000-9000``, ``8080``, ``all``."""
        t = text.strip()
        if t.lower() in {"all", "all connections", "*"}:
            return ALL
        # compiled on first use (re caches them): a listing without --focus-conn never parses one
        m = re.match(_PROTO_FIRST, t, re.I) or re.match(_PORT_FIRST, t, re.I)
        if m is None:
            raise ValueError(f"invalid connection {text!r} (use e.g. TCP/8080, 8080/TCP, udp-53 or all)")
        proto = (m.group("proto") or "TCP").upper()
        if m.group("lo") is None:
            return cls.of(proto)
        lo = int(m.group("lo"))
        hi = int(m.group("hi") or lo)
        if not (MIN_PORT <= lo <= hi <= MAX_PORT):
            raise ValueError(f"invalid port range in {text!r}")
        return cls.of(proto, lo, hi)

    # -- algebra -----------------------------------------------------------------------------
    def __or__(self, other: ConnectionSet) -> ConnectionSet:
        if other is self or other.is_empty():
            return self
        if self.is_empty():
            return other
        if self is ALL or other is ALL:
            return ALL
        return _make(
            tuple(_union(a, b) for a, b in zip(self.ports, other.ports, strict=True)),  # type: ignore[arg-type]
            self.named | other.named,
        )

    def __and__(self, other: ConnectionSet) -> ConnectionSet:
        if other is ALL:
            return self
        if self is ALL:
            return other
        return _make(
            tuple(_intersect(a, b) for a, b in zip(self.ports, other.ports, strict=True)),  # type: ignore[arg-type]
            self.named & other.named,
        )

    def __sub__(self, other: ConnectionSet) -> ConnectionSet:
        return _make(
            tuple(subtract(a, b) for a, b in zip(self.ports, other.ports, strict=True)),  # type: ignore[arg-type]
            self.named - other.named,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConnectionSet) and self.ports == other.ports and self.named == other.named

    def __hash__(self) -> int:
        return self._hash

    def __contains__(self, item: tuple[str, int]) -> bool:
        proto, port = item
        if proto.upper() not in PROTOCOLS:
            return False
        return any(lo <= port <= hi for lo, hi in self.ports[PROTOCOLS.index(proto.upper())])

    def is_empty(self) -> bool:
        return not any(self.ports) and not self.named

    def is_all(self) -> bool:
        return all(p == _FULL for p in self.ports)

    def __bool__(self) -> bool:
        return not self.is_empty()

    def by_protocol(self) -> dict[str, Intervals]:
        return {proto: ivs for proto, ivs in zip(PROTOCOLS, self.ports, strict=True) if ivs}

    def __str__(self) -> str:
        if self._str is None:
            self._str = self._format()
        return self._str

    def _format(self) -> str:
        if self.is_all():
            return "All Connections"
        parts: list[str] = []
        anyproto = sorted(name for p, name in self.named if p == "")
        if anyproto:  # a port name whose protocol is unknown until the destination is (admin policies)
            parts.append(" " + ",".join(anyproto))
        for proto, ivs in zip(PROTOCOLS, self.ports, strict=True):
            items = [format_ports(ivs)] if ivs else []
            items += sorted(name for p, name in self.named if p == proto)
            if items:
                parts.append(f"{proto} {','.join(items)}")
        return ",".join(parts) if parts else "No Connections"

    def __repr__(self) -> str:
        return f"ConnectionSet({self})"


def _make(ports: tuple[Intervals, Intervals, Intervals], named: frozenset[tuple[str, str]]) -> ConnectionSet:
    if not named:
        if ports == ALL.ports:
            return ALL
        if not any(ports):
            return NONE
    return ConnectionSet(dict(zip(PROTOCOLS, ports, strict=True)), named)


ALL = ConnectionSet({p: _FULL for p in PROTOCOLS})
NONE = ConnectionSet()
