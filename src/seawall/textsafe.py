"""Text from hostile input, made safe for the places a person or an XML parser reads it.

Resource names, file names, messages and evidence come from the scanned files. Written raw to a
terminal (a table, an error line, a connectivity listing), control characters are commands: an
escape sequence can recolour, retitle or erase a line, and a carriage return can overwrite one, so a
manifest could hide its own finding from whoever reads the CI log. Unicode bidirectional controls
reorder what a reader sees ("Trojan Source"). XML 1.0 (JUnit) does not allow most control
characters at all: one of them makes the whole report unparseable.

:func:`printable` writes each such character as a visible escape (``\\x1b``, ``\\u202e``) and leaves
everything else, tab and newline included, unchanged. JSON and SARIF need none of this: the JSON
encoder escapes control characters itself.
"""

from __future__ import annotations

import re

#: C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI on some terminals),
#: the bidirectional controls, lone surrogates (undecodable file-name bytes) and the two
#: non-characters XML forbids.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


#: The ASCII characters that are safe: printable ones, tab and newline.
_ASCII_SAFE = bytes(range(0x20, 0x7F)) + b"\t\n"


def printable(text: str) -> str:
    """``text`` with every unsafe character written as a visible backslash escape."""
    # the common case, ASCII with nothing to escape, checked in C at ~3x the speed of the regex
    # (a connectivity listing of a large cluster is a hundred megabytes)
    if text.isascii() and not text.encode("ascii").translate(None, _ASCII_SAFE):
        return text
    return _UNSAFE.sub(_escape, text)
