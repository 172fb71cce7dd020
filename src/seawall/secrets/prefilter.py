"""Whether a manifest's raw text could give the object-aware secret path anything to report.

A secrets-only scan reads every file as text anyway; parsing a manifest (the costly part) only
matters when :func:`seawall.secrets.k8s.findings_for_objects` could report something from its
objects. Every such finding comes from a scan of a text :func:`~seawall.secrets.k8s.scan_object`
builds from the object's scalars, and the scanner reports nothing from a text without one of its
keywords. Those texts join keys and values (``key: value``, ``NAME=value``), decode YAML escapes,
fold lines and undouble quotes, decode the JSON of ``last-applied-configuration`` and, for a
``Secret``, base64. So a manifest is worth parsing only when its text holds

* ``secret`` (a Secret object: base64 values and the "Secret carries data" rule), or
* a piece of a keyword (:func:`fragments_of`) of a rule that needs context around its match
  (``password = ...``: the name may be a YAML key or an env var name), or
* a match of the body of a self-identifying token rule (``ghp_...``, ``AKIA...``) whose body
  cannot contain a join character: such a match lies inside one scalar, so it is in the raw
  text as it is in the built one (the keyword ``pat`` of a token format is in every ``path:``,
  the token itself is not).

Escape sequences are the caller's business: ``seawall.plugins.manifest_filter`` asks about the
raw text and its escape-decoded forms (:func:`seawall.plugins.escape_forms`). The only other gap
is non-ASCII case mapping: with a non-ASCII keyword every manifest is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from seawall.secrets.engine import SecretScanner
from seawall.secrets.rules import SecretRule
from seawall.secrets.rules._spec import END, START

#: Characters the object path puts between, or makes out of, pieces of the raw text: ``key: value``
#: and ``NAME=value`` lines, YAML line folding (a line break and indentation become one space),
#: the doubled quote of a single-quoted scalar.
_JOINS = re.compile(r"[\s:=']+")

#: Whitespace a folded line can end with (PyYAML also breaks lines at NEL, LS and PS).
_LINE_BREAKS = " \t\n\r\x85\u2028\u2029"


def fragments_of(keyword: str) -> set[str]:
    """Strings of which one occurs (lower case) in a manifest's raw text whenever ``keyword``
    occurs in a text built from it, escapes aside.

    A keyword may straddle a join (``DB_PASSWORD`` + ``=`` + value holds ``password=``; a folded
    line break and the next line's indentation become one space): its longest piece between join
    characters stands for it. A keyword whose one join character is a trailing space (``env ``)
    can only be completed by a folded line break: it stands for itself with any whitespace
    character in place of the space (``env\\n``), so that ``env:`` does not match."""
    pieces = [p for p in _JOINS.split(keyword) if p]
    if not pieces:
        return {keyword}
    if keyword.endswith(" ") and keyword.count(" ") == 1 and ":" not in keyword and "=" not in keyword:
        return {keyword[:-1] + ws for ws in _LINE_BREAKS}
    return {max(pieces, key=len)}


def object_fragments(keywords: Iterable[str]) -> list[str]:
    """:func:`fragments_of` every keyword."""
    return sorted({f for kw in keywords for f in fragments_of(kw)})


def token_body(rule: SecretRule) -> re.Pattern[str] | None:
    """The compiled body of a self-identifying token rule (``START (?P<s>body) END``) when no
    match of it can contain a join character; None for every other rule."""
    head, tail = START + "(?P<s>", ")" + END
    src = rule.source
    if not (src.startswith(head) and src.endswith(tail)):
        return None
    body = src[len(head) : -len(tail)]
    try:
        compiled = re.compile(body, rule.flags)
    except re.error:
        return None
    return compiled if _join_free(compiled) else None


def _join_free(compiled: re.Pattern[str]) -> bool:
    """Whether no match of ``compiled`` can hold a join character (conservative: any construct
    this does not understand, a lookaround or a negated class, counts as "may")."""
    try:
        import re._constants as c  # type: ignore[import-not-found,unused-ignore]
        import re._parser as p  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - another Python's internals
        return False
    joins = _join_chars()
    safe_categories = {c.CATEGORY_DIGIT, c.CATEGORY_WORD}

    def items_ok(items: Any) -> bool:
        for op, av in items:
            if op is c.LITERAL:
                if chr(av) in joins:
                    return False
            elif op is c.IN:
                for iop, iav in av:
                    if iop is c.LITERAL:
                        if chr(iav) in joins:
                            return False
                    elif iop is c.RANGE:
                        lo, hi = iav
                        if any(lo <= ord(j) <= hi for j in joins):
                            return False
                    elif iop is c.CATEGORY:
                        if iav not in safe_categories:
                            return False
                    else:  # NEGATE and anything else
                        return False
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)):
                if not items_ok(av[2]):
                    return False
            elif op is c.SUBPATTERN:
                if not items_ok(av[-1]):
                    return False
            elif op is c.BRANCH:
                if not all(items_ok(b) for b in av[1]):
                    return False
            elif op is not c.AT:
                return False  # ANY, NOT_LITERAL, lookarounds, back references...
        return True

    try:
        return items_ok(p.parse(compiled.pattern, compiled.flags))
    except Exception:  # pragma: no cover - internals changed: be conservative
        return False


_JOIN_CHARS: list[frozenset[str]] = []


def _join_chars() -> frozenset[str]:
    """Every character :data:`_JOINS` matches (Unicode whitespace lies below U+3001)."""
    if not _JOIN_CHARS:
        _JOIN_CHARS.append(frozenset(ch for ch in map(chr, range(0x3001)) if _JOINS.fullmatch(ch)))
    return _JOIN_CHARS[0]


def manifest_prefilter_for(scanner: SecretScanner) -> Callable[[str], bool]:
    """``wants(text)``: whether parsing the manifest could add an object-aware finding."""
    rules = scanner.rules
    if not all(kw.isascii() for r in rules for kw in r.keywords):
        return lambda _text: True
    bodies: dict[str, list[re.Pattern[str]] | None] = {"secret": None}  # None: always parse
    for r in rules:
        body = token_body(r)
        for kw in r.keywords:
            for frag in fragments_of(kw):
                if body is None or (frag in bodies and bodies[frag] is None):
                    bodies[frag] = None
                else:
                    bodies.setdefault(frag, [])
                    found = bodies[frag]
                    if found is not None and body not in found:
                        found.append(body)
    frags = sorted(bodies)
    finder = _fragment_finder(frags)

    def wants(text: str) -> bool:
        seen: set[re.Pattern[str]] = set()
        for idx in finder(text.lower()):
            check = bodies[frags[idx]]
            if check is None:
                return True
            for b in check:
                if b not in seen:
                    seen.add(b)
                    if b.search(text):
                        return True
        return False

    return wants


def _fragment_finder(frags: list[str]) -> Callable[[str], Iterable[int]]:
    """``found(low)``: the indexes of the fragments occurring in ``low`` (overlaps included; one
    Aho-Corasick pass when the accelerator is installed)."""
    try:
        import ahocorasick_rs  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - optional accelerator
        return lambda low: [i for i, f in enumerate(frags) if f in low]
    ac = ahocorasick_rs.AhoCorasick(frags, matchkind=ahocorasick_rs.MatchKind.Standard)

    def found(low: str) -> Iterable[int]:
        return {idx for idx, _s, _e in ac.find_matches_as_indexes(low, overlapping=True)}

    return found


def manifest_prefilter(run: Any) -> Callable[[str], bool]:
    """:func:`manifest_prefilter_for` the run's scanner (see ``seawall.plugins.manifest_filter``)."""
    from seawall.secrets.handler import get_scanner

    return manifest_prefilter_for(get_scanner(run))
