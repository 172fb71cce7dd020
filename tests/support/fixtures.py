"""Session fixtures for image and registry tests.

Import the ones a test module needs (``from support.fixtures import registry_htpasswd``), or let
the lead add ``from support.fixtures import *`` to ``tests/conftest.py`` to share them.
Each registry is started once per session and stopped at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.images import debian_images
from support.registry import RunningRegistry, start_registry


@pytest.fixture(scope="session")
def registry_htpasswd() -> Iterator[RunningRegistry]:
    """docker-registry with TLS (self-signed CA in ``.ca_file``) and htpasswd (bcrypt) users."""
    reg = start_registry(auth="htpasswd", tls=True)
    yield reg
    reg.stop()


@pytest.fixture(scope="session")
def registry_token() -> Iterator[RunningRegistry]:
    """docker-registry with TLS and bearer-token auth served by a real JWT token server."""
    reg = start_registry(auth="token", tls=True)
    yield reg
    reg.stop()


@pytest.fixture(scope="session")
def registry_plain() -> Iterator[RunningRegistry]:
    """docker-registry over plain HTTP, anonymous (for --insecure-registry)."""
    reg = start_registry(auth=None, tls=False)
    yield reg
    reg.stop()


@pytest.fixture(scope="session")
def debian_image() -> dict[str, Path]:
    """Debian bookworm minbase (mmdebstrap): ``rootfs`` dir, ``oci`` layout, ``docker`` archive.

    Slow the first time each day (cached under ~/.cache/seawall-tests).
    """
    return debian_images()
