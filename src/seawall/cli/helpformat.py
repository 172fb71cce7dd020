"""The help formatter every seawall parser uses.

argparse sizes help to ``shutil.get_terminal_size()`` and so imports shutil (with bz2, lzma and
zlib) for every ``add_argument``: about 2 ms, a noticeable share of a lean run such as
``seawall netpol matrix`` in a CI loop. This formatter computes the same width the same way
($COLUMNS, else the terminal of stdout, else 80 columns, minus 2) without that import.
"""

from __future__ import annotations

import argparse
import os
import sys


def formatter(prog: str) -> argparse.HelpFormatter:
    """``argparse.HelpFormatter`` at the width argparse itself would choose."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0 and sys.__stdout__ is not None:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return argparse.HelpFormatter(prog, width=(columns or 80) - 2)
