"""Thin command line: arguments -> library calls -> reporters. One error boundary in main()."""

from __future__ import annotations

import sys

#: How reports write text their encoding cannot represent. File names that are not UTF-8 (and tar
#: member names inside images) reach findings as lone surrogates (Python's ``surrogateescape``);
#: they are written as backslash escapes (``\udcff``, which in JSON is an escape of that same
#: string) instead of stopping the report with a UnicodeEncodeError.
OUTPUT_ERRORS = "backslashreplace"


def escape_unencodable_stdout() -> None:
    """Make stdout write what it cannot encode as :data:`OUTPUT_ERRORS` (stderr already does)."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors=OUTPUT_ERRORS)
