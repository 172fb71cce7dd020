"""CVSS base scores from vectors (v3.0, v3.1, v4.0, and v2 for old advisories).

Why the PyPI ``cvss`` package (Red Hat Product Security, maintained, releases through 2025,
LGPL): CVSS 4.0's base score is not a formula but an interpolation over a 270-entry
macro-vector table published by FIRST; re-typing that table by hand is a worse risk than a
well-kept dependency that tracks FIRST's reference calculator. We only wrap it: parse errors
become ``None`` (an advisory with a broken vector falls back to the source's own rating).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cvss import CVSS2, CVSS3, CVSS4  # type: ignore[import-untyped]

from seawall.model.finding import Severity


@dataclass(frozen=True, slots=True)
class Score:
    version: str  # "2.0", "3.0", "3.1", "4.0"
    base: float
    vector: str

    @property
    def severity(self) -> Severity:
        return severity_for(self.base)


def severity_for(base: float) -> Severity:
    """FIRST's qualitative rating scale (identical for v3.x and v4.0; applied to v2 too)."""
    if base >= 9.0:
        return Severity.CRITICAL
    if base >= 7.0:
        return Severity.HIGH
    if base >= 4.0:
        return Severity.MEDIUM
    if base > 0.0:
        return Severity.LOW
    return Severity.INFO


@lru_cache(maxsize=8192)
def base_score(vector: str) -> Score | None:
    """The base score of a CVSS vector string, or None if it is not a valid vector."""
    v = vector.strip()
    try:
        if v.startswith("CVSS:4.0/"):
            c4 = CVSS4(v)
            return Score("4.0", float(c4.base_score), v)
        if v.startswith(("CVSS:3.0/", "CVSS:3.1/")):
            c3 = CVSS3(v)
            return Score(v[5:8], float(c3.base_score), v)
        if v.startswith("AV:") or v.startswith("(AV:"):
            c2 = CVSS2(v.strip("()"))
            return Score("2.0", float(c2.base_score), v)
    except Exception:  # the library raises several exception types for malformed vectors
        return None
    return None


_RATINGS = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "important": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "low": Severity.LOW,
    "negligible": Severity.INFO,
    "unimportant": Severity.INFO,
}


def rating_severity(rating: str) -> Severity | None:
    """A source's own rating (GHSA/OSV ``severity``, Debian urgency, Ubuntu priority)."""
    word = rating.strip().lower().rstrip("*").split(" ")[0] if rating else ""
    return _RATINGS.get(word)
