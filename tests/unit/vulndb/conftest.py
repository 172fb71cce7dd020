"""Fixtures: a small OSV tree cut from the real bundles in ../shared/data/osv, a database built
from it, and a loopback HTTP server that serves a directory like the osv.dev bucket."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from seawall.vulndb.importer import update
from seawall.vulndb.store import Store

#: (ecosystem dir, package names) kept from each real bundle
SUBSET: dict[str, set[str]] = {
    "PyPI": {"pyyaml", "urllib3", "arrayfire", "jinja2"},
    "Debian": {"openssl", "bash", "glibc"},
    "Alpine": {"openssl", "busybox"},
    "npm": {"lodash", "minimist"},
    "Go": {"golang.org/x/net"},
    "AlmaLinux": {"openssl-libs"},
}


def _subset(src: Path, names: set[str]) -> list[tuple[str, bytes]]:
    out = []
    with zipfile.ZipFile(src) as zf:
        for info in zf.infolist():
            data = zf.read(info)
            if not any(n.encode() in data.lower() for n in names):
                continue  # cheap pre-filter before parsing
            rec = json.loads(data)
            pkgs = {str(a.get("package", {}).get("name", "")).lower() for a in rec.get("affected", [])}
            if pkgs & names:
                out.append((info.filename, data))
    return out


def write_zip(path: Path, records: list[tuple[str, bytes]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in records:
            zf.writestr(name, data)
    return path


@pytest.fixture(scope="session")
def zip_writer() -> object:
    """``zip_writer(path, [(name, bytes), ...]) -> path``."""
    return write_zip


@pytest.fixture(scope="session")
def osv_subset(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``<tmp>/<Ecosystem>/all.zip`` holding the real records for the SUBSET packages."""
    root = tmp_path_factory.mktemp("osv-subset")
    for eco, names in SUBSET.items():
        recs = _subset(shared_dir / "data/osv" / eco / "all.zip", names)
        assert recs, eco
        write_zip(root / eco / "all.zip", recs)
    return root


@pytest.fixture(scope="session")
def subset_db(osv_subset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "vulndb.sqlite3"
    update([str(osv_subset)], path)
    return path


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
