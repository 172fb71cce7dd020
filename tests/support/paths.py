"""Where the repository and ../shared are, for tests that need them at import time
(parametrising over a corpus). Fixtures use ``shared_dir`` from tests/conftest.py instead."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SEAWALL_SHARED", ROOT.parent / "shared")).resolve()
