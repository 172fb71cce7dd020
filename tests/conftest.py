"""Shared fixtures. ``shared_dir`` is the project's ../shared (real corpora, data, schemas)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tests/support/ holds shared test helpers (registry server, image builders): import as `support.x`.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.paths import ROOT, SHARED

# Session fixtures every test module shares: one real registry (TLS+htpasswd, token, plain HTTP)
# and the cached Debian image per test session.
pytest_plugins = ["support.fixtures"]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "DESIGN.md").is_file():
        raise RuntimeError(f"../shared not found at {SHARED} (set SEAWALL_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def osv_subset(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``<tmp>/<Ecosystem>/all.zip`` holding the real OSV records of a few packages."""
    from support.vulndb import build_subset

    return build_subset(shared_dir, tmp_path_factory.mktemp("osv-subset"))


@pytest.fixture(scope="session")
def subset_db(osv_subset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real seawall vulnerability database built from ``osv_subset`` (pass it with --db)."""
    from seawall.vulndb.importer import update

    path = tmp_path_factory.mktemp("db") / "vulndb.sqlite3"
    update([str(osv_subset)], path)
    return path
