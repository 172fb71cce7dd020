"""Hackage (Haskell PVP / ``Data.Version``) ordering: dot-separated non-negative integers
compared as lists, so ``1.0 < 1.0.0``."""

from __future__ import annotations

from functools import lru_cache

from seawall.errors import VersionError


@lru_cache(maxsize=16384)
def parse(version: str) -> tuple[int, ...]:
    parts = version.strip().split(".")
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise VersionError(f"invalid Hackage version {version!r}: expected numbers separated by dots")
    return tuple(int(p) for p in parts)


def compare(a: str, b: str) -> int:
    x, y = parse(a), parse(b)
    return (x > y) - (x < y)
