"""Original-format distro feeds, imported where they add what the OSV bundles lack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from seawall.vulndb.importer import Progress, SourceStats
    from seawall.vulndb.store import Builder

Feed = Callable[[Path, "Builder", "Progress | None"], "SourceStats"]


def detect(path: Path) -> Feed | None:
    return None
