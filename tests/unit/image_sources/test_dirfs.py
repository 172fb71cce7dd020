"""DirFS: the ImageFS interface over a root filesystem directory, never leaving it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from seawall.errors import SourceError
from seawall.inventory.imagefs import DirFS


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "rootfs"
    (r / "usr/lib").mkdir(parents=True)
    (r / "etc").mkdir()
    (r / "usr/lib/os-release").write_text("ID=debian\n")
    os.symlink("../usr/lib/os-release", r / "etc/os-release")
    os.symlink("usr/lib", r / "lib")
    os.symlink("loop2", r / "etc/loop1")
    os.symlink("loop1", r / "etc/loop2")
    os.symlink("/etc/hostname", r / "etc/abs")  # the tree's /etc/hostname, not the host's
    os.mkfifo(r / "etc/fifo")
    (r / "usr/bin").mkdir()
    (r / "usr/bin/su").write_bytes(b"\x7fELF")
    os.chmod(r / "usr/bin/su", 0o4755)
    return r


def test_reads_and_lookups(root: Path) -> None:
    fs = DirFS(root)
    assert fs.read("etc/os-release") == b"ID=debian\n"
    assert fs.read("/lib/os-release") == b"ID=debian\n"
    assert fs.read("etc/os-release", max_bytes=2) == b"ID"
    e = fs.get("etc/os-release")
    assert e is not None and e.type == "symlink" and e.linkname == "../usr/lib/os-release"
    assert fs.get("lib/os-release") is not None and fs.get("lib/os-release").type == "file"  # type: ignore[union-attr]
    su = fs.get("usr/bin/su")
    assert su is not None and su.is_setuid
    assert fs.listdir("lib") == ["os-release"]
    paths = [e.path for e in fs.entries()]
    assert paths == sorted(paths) and "etc/fifo" in paths


def test_hostile_links(root: Path) -> None:
    fs = DirFS(root)
    assert fs.read("etc/loop1") is None  # a loop is no file, not a hang
    assert fs.read("etc/abs") is None  # /etc/hostname of the tree does not exist
    assert fs.read("etc/fifo") is None  # never blocks on a FIFO
    assert fs.read("../../../../../etc/passwd") is None  # '..' stops at the root
    assert fs.listdir("etc/loop1") == []


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not a directory"):
        DirFS(tmp_path / "missing")
