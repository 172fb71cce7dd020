"""Packagist (Composer/PHP) ordering: PHP's ``version_compare``.

The version is canonicalised (``-``, ``_``, ``+`` and other non-alphanumerics but ``#`` become ``.``; a
``.`` is inserted between digit and non-digit runs), then parts compare pairwise: numbers
numerically, special forms by rank (any other string < dev < alpha = a < beta = b < RC = rc
< number < pl = p, matched by prefix as PHP does), a number against a form as ``#``. When one
side has parts left, a number there makes it greater, otherwise the rest is compared with
``#``. A leading ``v`` (Composer tags) is dropped.
"""

from __future__ import annotations

from functools import lru_cache

from seawall.errors import VersionError

_FORMS = (("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3), ("#", 4),
          ("pl", 5), ("p", 5))


def _form(s: str) -> int:
    for name, order in _FORMS:
        if s.startswith(name):
            return order
    return -1


def _isdig(c: str) -> bool:
    return "0" <= c <= "9"


@lru_cache(maxsize=65536)
def canonicalize(version: str) -> str:
    v = version.strip()
    if v.startswith("#"):  # PHP leaves "#"-forms (its "#N#" number marker) as they are
        return v
    if v[:1] in ("v", "V") and v[1:2].isdigit():
        v = v[1:]
    if not v or any(c.isspace() for c in v):
        raise VersionError(f"invalid Packagist version {version!r}: empty or contains whitespace")
    out = [v[0]]
    last = v[0]
    for c in v[1:]:
        if c in "-_+":
            if out[-1] != ".":
                out.append(".")
        elif (last != "." and not _isdig(last) and _isdig(c)) or (_isdig(last) and c != "." and not _isdig(c)):
            if out[-1] != ".":
                out.append(".")
            out.append(c)
        elif not (c.isascii() and c.isalnum()) and c != "#":
            if out[-1] != ".":
                out.append(".")
        else:
            out.append(c)
        last = c
    return "".join(out)


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def _leading_int(s: str) -> int:
    n = 0
    for c in s:
        if not _isdig(c):
            break
        n = n * 10 + ord(c) - 48
    return n


def _compare_canonical(a: str, b: str) -> int:
    if not a or not b:
        return 0 if a == b else (1 if a else -1)
    pa, pb = a.split("."), b.split(".")
    n = min(len(pa), len(pb))
    for i in range(n):
        x, y = pa[i], pb[i]
        dx, dy = _isdig(x[:1] or " "), _isdig(y[:1] or " ")
        if dx and dy:
            r = _sign(_leading_int(x) - _leading_int(y))
        elif not dx and not dy:
            r = _sign(_form(x) - _form(y))
        elif dx:
            r = _sign(_form("#N#") - _form(y))
        else:
            r = _sign(_form(x) - _form("#N#"))
        if r:
            return r
    if len(pa) > n:
        rest = ".".join(pa[n:])
        return 1 if _isdig(rest[:1] or " ") else _compare_canonical(rest, _HASH)
    if len(pb) > n:
        rest = ".".join(pb[n:])
        return -1 if _isdig(rest[:1] or " ") else _compare_canonical(_HASH, rest)
    return 0


def compare(a: str, b: str) -> int:
    return _compare_canonical(canonicalize(a), canonicalize(b))


_HASH = "#N#"
