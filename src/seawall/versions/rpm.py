"""RPM version ordering (``rpmvercmp`` plus epoch:version-release), as rpm 4.18 does it.

Why hand-written: there is no maintained pure-Python binding of rpmvercmp on PyPI, and the
algorithm is short. Segments are maximal runs of ASCII letters or digits; everything else
separates them. ``~`` sorts before anything (even the end), ``^`` after the end but before any
further segment. Digit segments beat letter segments; digits compare numerically.
"""

from __future__ import annotations

from functools import lru_cache

from seawall.errors import VersionError


def _isalnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def rpmvercmp(a: str, b: str) -> int:
    """Compare one version or release string the way rpm's ``rpmvercmp`` does."""
    if a == b:
        return 0
    i = j = 0
    la, lb = len(a), len(b)
    while i < la or j < lb:
        while i < la and not _isalnum(a[i]) and a[i] not in "~^":
            i += 1
        while j < lb and not _isalnum(b[j]) and b[j] not in "~^":
            j += 1
        # tilde: sorts before everything else
        if (i < la and a[i] == "~") or (j < lb and b[j] == "~"):
            if i >= la or a[i] != "~":
                return 1
            if j >= lb or b[j] != "~":
                return -1
            i += 1
            j += 1
            continue
        # caret: like the end of the string, but newer than the actual end
        if (i < la and a[i] == "^") or (j < lb and b[j] == "^"):
            if i >= la:
                return -1
            if j >= lb:
                return 1
            if a[i] != "^":
                return 1
            if b[j] != "^":
                return -1
            i += 1
            j += 1
            continue
        if not (i < la and j < lb):
            break
        si, sj = i, j
        if a[i].isdigit():
            while i < la and a[i].isascii() and a[i].isdigit():
                i += 1
            while j < lb and b[j].isascii() and b[j].isdigit():
                j += 1
            isnum = True
        else:
            while i < la and a[i].isascii() and a[i].isalpha():
                i += 1
            while j < lb and b[j].isascii() and b[j].isalpha():
                j += 1
            isnum = False
        sa, sb = a[si:i], b[sj:j]
        if not sb:  # segments of different types: numeric is newer
            return 1 if isnum else -1
        if isnum:
            sa, sb = sa.lstrip("0"), sb.lstrip("0")
            if len(sa) != len(sb):
                return 1 if len(sa) > len(sb) else -1
        if sa != sb:
            return 1 if sa > sb else -1
    if i >= la and j >= lb:
        return 0
    return -1 if i >= la else 1


@lru_cache(maxsize=65536)
def parse(version: str) -> tuple[int, str, str | None]:
    """Split ``[epoch:]version[-release]``; release None when there is no ``-`` at all."""
    v = version.strip()
    if not v or any(c.isspace() for c in v):
        raise VersionError(f"invalid RPM version {version!r}: empty or contains whitespace")
    epoch = 0
    head, sep, rest = v.partition(":")
    if sep and (head == "" or head.isdigit()):  # like rpm: an epoch is digits before ':'
        epoch, v = int(head or "0"), rest
    rel: str | None = None
    ver = v
    if "-" in v:
        ver, rel = v.rsplit("-", 1)
    if not ver:
        raise VersionError(f"invalid RPM version {version!r}: empty version part")
    return epoch, ver, rel


def compare(a: str, b: str) -> int:
    ea, va, ra = parse(a)
    eb, vb, rb = parse(b)
    if ea != eb:
        return -1 if ea < eb else 1
    c = rpmvercmp(va, vb)
    if c:
        return c
    if ra is None or rb is None:  # rpm: a release beats no release
        return 0 if ra is rb else (1 if rb is None else -1)
    return rpmvercmp(ra, rb)
