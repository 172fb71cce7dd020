"""Fixtures: a small OSV tree cut from the real bundles in ../shared/data/osv, a database built
from it, and a loopback HTTP server that serves a directory like the osv.dev bucket."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from seawall.vulndb.store import Store
from support.vulndb import SUBSET, write_zip  # noqa: F401  (re-exported for the tests here)


@pytest.fixture(scope="session")
def zip_writer() -> object:
    """``zip_writer(path, [(name, bytes), ...]) -> path``."""
    return write_zip


@pytest.fixture()
def store(subset_db: Path) -> Iterator[Store]:
    with Store(subset_db) as s:
        yield s


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def http_serve() -> Iterator[functools.partial[str]]:
    """``http_serve(directory) -> base URL``: a real HTTP server on 127.0.0.1 (stopped after)."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(directory: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield functools.partial(start)
    for srv in servers:
        srv.shutdown()
        srv.server_close()
