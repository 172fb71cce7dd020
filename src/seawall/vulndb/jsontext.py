"""JSON from third parties (OSV records, SBOMs, VEX documents) as text that can be written.

JSON may escape a lone UTF-16 surrogate (``"\\ud800"``); ``json.loads`` returns it as a Python
string that no UTF-8 encoder accepts. One such string in an OSV record stopped ``db update`` with
'internal error: UnicodeEncodeError' (SQLite), one in an SBOM stopped every report (finding
fingerprints hash UTF-8). Such strings are repaired here, once, where the document is read:
each lone surrogate becomes U+FFFD. Documents without a ``\\uD8..``-``\\uDF..`` escape (all real
ones) are returned as parsed, without a walk.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_TEXT = re.compile(r"\\u[dD][89a-fA-F]")


def _fix(text: str) -> str:
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _bad(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def scrub(doc: Any) -> Any:
    """``doc`` with every string (values and keys) that holds a lone surrogate repaired."""
    if isinstance(doc, str):
        return _fix(doc) if _bad(doc) else doc
    stack = [doc]
    while stack:  # iterative: documents nest as deep as json.loads allows
        node = stack.pop()
        if isinstance(node, dict):
            for key in [k for k in node if _bad(k)]:
                node[_fix(key)] = node.pop(key)
            for key, value in node.items():
                if isinstance(value, str):
                    if _bad(value):
                        node[key] = _fix(value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    if _bad(value):
                        node[i] = _fix(value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
    return doc


def loads(data: bytes | bytearray | str) -> Any:
    """``json.loads`` whose strings all encode as UTF-8 (raises what ``json.loads`` raises)."""
    doc = json.loads(data)
    escaped = _SURROGATE_ESCAPE_TEXT.search(data) if isinstance(data, str) else _SURROGATE_ESCAPE.search(data)
    return scrub(doc) if escaped else doc
