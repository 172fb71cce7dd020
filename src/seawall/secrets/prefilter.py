"""Whether a manifest's raw text could give the object-aware secret path anything to report.

A secrets-only scan reads every file as text anyway; parsing a manifest (the costly part) only
matters when :func:`seawall.secrets.k8s.findings_for_objects` could report something from its
objects. Every such finding comes from a scan of a text :func:`~seawall.secrets.k8s.scan_object`
builds from the object's scalars, and the scanner reports nothing from a text without one of its
keywords. Those texts join keys and values (``key: value``, ``NAME=value``), decode YAML escapes,
fold lines and undouble quotes, decode the JSON of ``last-applied-configuration`` and, for a
``Secret``, base64. So a manifest is worth parsing only when its text holds

* ``secret`` (a Secret object: base64 values and the "Secret carries data" rule), or
* a piece of a keyword (:func:`fragments_of`) of a rule, and a match of that rule's gate
  (:func:`gate_of`): the leading part of its regex that cannot match across a join, which lies
  inside one scalar and so is in the text as it is (the keyword ``pat`` of a token format is in
  every ``path:``, the token itself is not; ``storage`` is in every ``storageClassName``, the key
  names of the Azure storage rule are not).

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


def gate_of(rule: SecretRule) -> re.Pattern[str] | None:
    r"""The longest leading run of the rule's regex (after its leading assertions) that no match
    can hold a join character in, compiled; None when there is none (or it matches the empty
    string). Whatever a match of the rule in a built text is, this run's part of it lies inside
    one scalar, so it is in the manifest's text as it is: ``gate.search(text)`` is necessary.

    ``START (?P<s>ghp_...) END`` gives the token body, ``(?i)(?:accountkey|storage...key)[\w.-]*``
    the key names of a provider's ``key = value`` rule, ``(?P<kw>password|...)[\w.-]*`` the
    generic name. Relies on the ``re`` internals (``re._parser``); without them: None."""
    try:
        import re._compiler as rc  # type: ignore[import-not-found,unused-ignore]
        import re._constants as c  # type: ignore[import-not-found,unused-ignore]
        import re._parser as rp  # type: ignore[import-not-found,unused-ignore]

        parsed = rp.parse(rule.source, rule.flags)
        items = list(parsed.data)
        i = 0
        while i < len(items) and items[i][0] in (c.ASSERT, c.ASSERT_NOT, c.AT):
            i += 1  # a condition on the context: leaving it out only widens the gate
        j = i
        while j < len(items) and _join_free(items[j : j + 1], c):
            j += 1
        if j == i:
            return None
        gate: re.Pattern[str] = rc.compile(rp.SubPattern(parsed.state, items[i:j]), rule.flags)
    except Exception:  # another Python's internals, or a construct they reject: no gate
        return None
    return None if gate.fullmatch("") is not None else gate


def _join_free(items: Any, c: Any) -> bool:
    """Whether no match of the parsed ``items`` can hold a join character (conservative: any
    construct this does not know, a negated class, an assertion, counts as "may")."""
    joins = _join_chars()
    safe_categories = {c.CATEGORY_DIGIT, c.CATEGORY_WORD}
    repeats = {c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)}
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
                    if any(lo <= ord(ch) <= hi for ch in joins):
                        return False
                elif iop is c.CATEGORY:
                    if iav not in safe_categories:
                        return False
                else:  # NEGATE and anything else
                    return False
        elif op in repeats:
            if not _join_free(av[2], c):
                return False
        elif op is c.SUBPATTERN:
            if not _join_free(av[-1], c):
                return False
        elif op is c.BRANCH:
            if not all(_join_free(b, c) for b in av[1]):
                return False
        else:
            return False  # ANY, NOT_LITERAL, assertions (they look past the run), back references...
    return True


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
    woken: dict[str, list[SecretRule] | None] = {"secret": None}  # None: always parse
    for r in rules:
        for kw in r.keywords:
            for frag in fragments_of(kw):
                found = woken.setdefault(frag, [])
                if found is not None and r not in found:
                    found.append(r)
    frags = sorted(woken)
    finder = _fragment_finder(frags)
    gates: dict[str, re.Pattern[str] | None] = {}  # by rule id, analysed on first need

    def wants(text: str) -> bool:
        seen: set[str] = set()
        for idx in finder(text.lower()):
            candidates = woken[frags[idx]]
            if candidates is None:
                return True
            for r in candidates:
                if r.id in seen:
                    continue
                seen.add(r.id)
                if r.id not in gates:
                    gates[r.id] = gate_of(r)
                gate = gates[r.id]
                if gate is None or gate.search(text):
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
