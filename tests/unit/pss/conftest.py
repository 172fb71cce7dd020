"""Make the PSS test helpers (pss_testlib) importable from the tests in this directory."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
