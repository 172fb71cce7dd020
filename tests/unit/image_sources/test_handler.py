"""``seawall scan PATH`` records docker-save/OCI archives and OCI layout directories as images."""

from __future__ import annotations

from pathlib import Path

from seawall import plugins
from seawall.engine import ScanRun
from seawall.inventory.imagefs import squash
from seawall.policy.config import Config
from seawall.sources.image.handler import ScannedImage
from support.images import E, layer_tar, tar_directory, write_docker_archive, write_oci_layout

LAYER = layer_tar([E("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.0\n")])


def _run(paths: list[str]) -> ScanRun:
    plugins.load()
    run = ScanRun(Config())
    run.read_inputs(paths)
    return run


def test_scan_finds_every_image_form(tmp_path: Path) -> None:
    write_oci_layout(tmp_path / "layout", [LAYER])
    write_docker_archive(tmp_path / "saved.tar", [LAYER])
    tar_directory(tmp_path / "layout", tmp_path / "oci.tgz", gz=True)
    (tmp_path / "backup.tar").write_bytes(b"plain data, not an image" * 50)
    run = _run([str(tmp_path)])
    images = run.inventory.extra.get("images", [])
    assert sorted(Path(i.path).name for i in images) == ["layout", "oci.tgz", "saved.tar"]
    assert all(isinstance(i, ScannedImage) for i in images)
    assert not run.report.errors
    # the recorded images hold no file handle but reopen on demand for analysis
    for i in images:
        fs = squash(i.image, lambda p: p == "etc/os-release")
        assert fs.read("etc/os-release") == b"ID=alpine\nVERSION_ID=3.20.0\n"
        i.image.close()


def test_broken_image_archive_is_a_scan_error(tmp_path: Path) -> None:
    write_docker_archive(tmp_path / "broken.tar", [LAYER], layer_names=["l/layer.tar"], drop_members=["l/layer.tar"])
    run = _run([str(tmp_path / "broken.tar")])
    assert not run.inventory.extra.get("images")
    assert len(run.report.errors) == 1
    msg = str(run.report.errors[0])
    assert "broken.tar" in msg and "missing layer 1" in msg
