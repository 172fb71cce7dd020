"""Shared fixtures. ``shared_dir`` is the project's ../shared (real corpora, data, schemas)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tests/support/ holds shared test helpers (registry server, image builders): import as `support.x`.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.paths import ROOT, SHARED  # noqa: E402


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "DESIGN.md").is_file():
        raise RuntimeError(f"../shared not found at {SHARED} (set SEAWALL_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
