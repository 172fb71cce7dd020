"""Fixtures for the hardening-rule tests: scan a real file through the real engine, once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seawall.engine import Report, scan
from seawall.policy.config import Config

ScanPath = Callable[[Path], Report]


@pytest.fixture(scope="session")
def corpus(shared_dir: Path) -> Path:
    path = shared_dir / "corpus" / "k8s"
    assert path.is_dir(), f"missing corpus {path}"
    return path


@pytest.fixture(scope="session")
def scan_path() -> ScanPath:
    """Scan one file or directory with the default config; results cached per path."""
    cache: dict[Path, Report] = {}

    def run(path: Path) -> Report:
        if path not in cache:
            cache[path] = scan([str(path)], Config())
        return cache[path]

    return run

