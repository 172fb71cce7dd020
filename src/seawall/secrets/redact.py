"""Redaction at the moment of detection.

The detector hands back a :class:`Redacted` value, never the secret itself: a short prefix (so a
reader can tell ``ghp_`` from ``AKIA``) and a SHA-256 digest prefix (so two findings of the same
secret can be matched and a rotated secret can be told apart) are all that leaves the engine.
The prefix never shows more than a quarter of the secret, and nothing for very short values.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

#: Longest prefix shown, in characters.
MAX_PREFIX = 4
#: Hex digits of the SHA-256 shown; enough to tell secrets apart, too few to matter.
DIGEST_CHARS = 12


@dataclass(frozen=True, slots=True)
class Redacted:
    """What is known about a detected secret after redaction."""

    prefix: str
    length: int
    digest: str  # sha256 hex prefix of the whole secret

    def __str__(self) -> str:
        return f"{self.prefix}{'*' * 4}({self.length} chars, sha256:{self.digest})"


def prefix_len(length: int) -> int:
    """Characters of prefix we may show for a secret of ``length`` characters."""
    return min(MAX_PREFIX, length // 4) if length >= 8 else 0


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_CHARS]


def redact(secret: str) -> Redacted:
    """Redact ``secret``; the only function that sees the raw value and returns something."""
    n = len(secret)
    shown = secret[: prefix_len(n)]
    # never show line breaks or quotes in the prefix (PEM headers, JSON)
    shown = "".join(c if c.isprintable() and c not in "\"'\\" else "?" for c in shown)
    return Redacted(shown, n, digest(secret))
