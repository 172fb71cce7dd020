"""Hostile text on a terminal and in XML: control characters become visible escapes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from seawall.textsafe import printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("nginx-deployment", "nginx-deployment"),
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("caf\u00e9 \u65e5\u672c", "caf\u00e9 \u65e5\u672c"),  # ordinary non-ASCII stays
        ("evil\x1b]0;pwned\x07\x1b[31mRED", "evil\\x1b]0;pwned\\x07\\x1b[31mRED"),
        ("hide\rFindings: 0", "hide\\x0dFindings: 0"),
        ("csi\x9b2J", "csi\\x9b2J"),
        ("del\x7f", "del\\x7f"),
        ("access\u202elevel", "access\\u202elevel"),
        ("name\udcff", "name\\udcff"),
        ("nul\x00", "nul\\x00"),
    ],
)
def test_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_printable_text_is_valid_xml_text() -> None:
    """Every code point, after :func:`printable`, is allowed in an XML 1.0 attribute and text."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF) + "\udcff"
    safe = printable(every)
    elem = ET.Element("case", message=safe)
    elem.text = safe
    back = ET.fromstring(ET.tostring(elem, encoding="unicode"))
    assert back.text is not None and back.get("message") is not None
