"""A small but real vulnerability database for tests: the records of a few packages cut from the
OSV bundles in ../shared/data/osv, imported with seawall's own importer (built once a session)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

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


def build_subset(shared: Path, root: Path) -> Path:
    """``root/<Ecosystem>/all.zip`` for every SUBSET ecosystem; returns ``root``."""
    for eco, names in SUBSET.items():
        recs = _subset(shared / "data/osv" / eco / "all.zip", names)
        assert recs, eco
        write_zip(root / eco / "all.zip", recs)
    return root
