"""Thin command line: arguments -> library calls -> reporters. One error boundary in main()."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from seawall.textsafe import printable

#: How reports write text their encoding cannot represent. File names that are not UTF-8 (and tar
#: member names inside images) reach findings as lone surrogates (Python's ``surrogateescape``);
#: they are written as backslash escapes (``\udcff``, which in JSON is an escape of that same
#: string) instead of stopping the report with a UnicodeEncodeError.
OUTPUT_ERRORS = "backslashreplace"


class _PrintableStream:
    """A text stream that writes hostile text printable (:func:`seawall.textsafe.printable`)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return int(self._stream.write(printable(text)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def safe_streams() -> Iterator[None]:
    """For the length of a command: stdout writes what it cannot encode as backslash escapes, and
    every diagnostic on stderr (errors naming hostile files, warnings quoting their content,
    tracebacks with -v) has its control characters made visible; the reports themselves make
    their text safe by format (tables and JUnit do, JSON escapes by itself)."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors=OUTPUT_ERRORS)
    stderr = sys.stderr
    sys.stderr = _PrintableStream(stderr)
    try:
        yield
    finally:
        sys.stderr = stderr
