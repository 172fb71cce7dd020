"""Small helpers for object rules (pointer escaping)."""

from __future__ import annotations


def esc(seg: object) -> str:
    """Escape one JSON-pointer segment (annotation keys contain '/')."""
    return str(seg).replace("~", "~0").replace("/", "~1")
