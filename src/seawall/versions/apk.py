"""Alpine (apk-tools) version ordering: ``digit{.digit}...{letter}{_suffix{#}}...{-r#}``.

This follows the apk-tools 2 tokenizer that Alpine releases ship (and that produced the
``apk version -t`` vectors osv.dev sorts Alpine data with). Tokens are read pairwise from both
versions while they are of the same kind and equal:

* numbers compare numerically; a component with leading zeros (``1.01``) counts its zeros as a
  negative value, so it sorts before any component without (the Gentoo rule);
* a letter after a number (``1.2a``) compares by character, and digits may follow it
  (``6.6.2p1``);
* suffixes: ``_alpha`` < ``_beta`` < ``_pre`` < ``_rc`` < (none) < ``_cvs`` < ``_svn`` < ``_git``
  < ``_hg`` < ``_p``; ``-rN`` is the package revision.

When one version runs out or turns into a different kind of token, a pre-release suffix on the
other side makes that side older; otherwise the kinds' order decides (the longer version wins).
Like apk, a version that becomes invalid part-way is ordered by its valid prefix; a string that
does not start with a digit raises VersionError. ``is_valid`` applies apk-tools 3's stricter
validation (used to report suspicious versions, never to order them).
"""

from __future__ import annotations

import re
from functools import lru_cache

from seawall.errors import VersionError

INVALID, DIGIT_OR_ZERO, DIGIT, LETTER, SUFFIX, SUFFIX_NO, REVISION_NO, END = range(-1, 7)

_PRE = ("alpha", "beta", "pre", "rc")
_POST = ("cvs", "svn", "git", "hg", "p")


def _next_kind(kind: int, s: str, i: int) -> tuple[int, int]:
    """apk's next_token: the kind of the token starting at s[i] (and where its value starts)."""
    if i >= len(s):
        return END, i
    c = s[i]
    if kind in (DIGIT, DIGIT_OR_ZERO) and "a" <= c <= "z":
        n = LETTER
    elif kind == LETTER and "0" <= c <= "9":
        n = DIGIT
    elif kind == SUFFIX and "0" <= c <= "9":
        n = SUFFIX_NO
    else:
        n = INVALID
        if c == ".":
            n = DIGIT_OR_ZERO
        elif c == "_":
            n = SUFFIX
        elif c == "-" and i + 1 < len(s) and s[i + 1] == "r":
            n = REVISION_NO
            i += 1
        i += 1
    if n < kind and not (
        (n == DIGIT_OR_ZERO and kind == DIGIT)
        or (n == SUFFIX and kind == SUFFIX_NO)
        or (n == DIGIT and kind == LETTER)
    ):
        n = INVALID
    return n, i


@lru_cache(maxsize=65536)
def tokens(version: str) -> tuple[tuple[int, int], ...]:
    """(kind, value) pairs as apk's get_token yields them; the last kind is END or INVALID.

    A number token that read no digits at all (after a zero run, or right after a suffix name)
    gets the value ``EMPTY`` so the comparison can look past it; as a value it equals 0.
    """
    s = version
    if not s[:1].isdigit() or not s[:1].isascii():
        raise VersionError(f"invalid Alpine version {version!r}: must start with a digit")
    out: list[tuple[int, int]] = []
    kind, i = DIGIT, 0
    while kind not in (END, INVALID):
        value, nt = 0, INVALID
        if i >= len(s):
            out.append((END, 0))
            break
        start_kind = kind
        if kind == DIGIT_OR_ZERO and s[i] == "0":
            j = i
            while j < len(s) and s[j] == "0":
                j += 1
            value, nt, i = -(j - i), DIGIT, j
        elif kind in (DIGIT_OR_ZERO, DIGIT, SUFFIX_NO, REVISION_NO):
            j = i
            while i < len(s) and "0" <= s[i] <= "9":
                value = value * 10 + ord(s[i]) - 48
                i += 1
            if i == j and kind in (DIGIT, SUFFIX_NO):
                start_kind = -start_kind - 10  # marks "empty"; see _kind()
        elif kind == LETTER:
            value = ord(s[i])
            i += 1
        elif kind == SUFFIX:
            for n, name in enumerate(_PRE):
                if s.startswith(name, i):
                    value, nt, i = n - len(_PRE), SUFFIX_NO, i + len(name)
                    break
            else:
                for n, name in enumerate(_POST):
                    if s.startswith(name, i):
                        value, nt, i = n, SUFFIX_NO, i + len(name)
                        break
                else:  # apk: an unknown suffix reads as -1 (older than the release), then stops
                    out.append((SUFFIX, -1))
                    out.append((INVALID, 0))
                    break
        out.append((start_kind, value))
        if i >= len(s):
            kind = END
        elif nt != INVALID:
            kind = nt
        else:
            kind, i = _next_kind(kind, s, i)
        if kind in (END, INVALID):
            out.append((kind, 0))
    return tuple(out)


def compare(a: str, b: str) -> int:
    ta, tb = tokens(a), tokens(b)
    n = 0
    while True:  # apk's main loop: read a token from each while kinds and values stay equal
        av, bv = ta[n][1], tb[n][1]
        at, bt = _kind(ta[n + 1][0]), _kind(tb[n + 1][0])
        n += 1
        if at != bt or at in (END, INVALID) or av != bv:
            break
    if av != bv:
        return -1 if av < bv else 1
    if at == bt:
        return 0
    # apk reads an empty number after a zero run ("6.0_pre1" -> 6, -1, <empty>, _pre1) or a
    # suffix name; when that meets the end of the other version, look past it, so that
    # 6.0_pre1 < 6.0 and 1_alpha_pre2 < 1_alpha hold (as apk-tools' own tests require)
    n_a = n_b = n
    if bt == END and ta[n][0] <= -10:
        n_a = n + 1
        at = _kind(ta[n_a][0])
    elif at == END and tb[n][0] <= -10:
        n_b = n + 1
        bt = _kind(tb[n_b][0])
    if at == bt:
        return 0
    # equal so far: the longer one is newer, unless what follows is a pre-release suffix
    if at == SUFFIX and ta[n_a][1] < 0:
        return -1
    if bt == SUFFIX and tb[n_b][1] < 0:
        return 1
    return -1 if at > bt else 1


def _kind(k: int) -> int:
    """Undo the "empty number" marking of :func:`tokens`."""
    return -(k + 10) if k <= -10 else k


_STRICT = re.compile(
    r"^[0-9]+(\.[0-9]+)*[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*(~[0-9a-f]+)?(-r[0-9]+)?$"
)


def is_valid(version: str) -> bool:
    """apk-tools 3 validity (``apk version --check``)."""
    return bool(_STRICT.match(version))
