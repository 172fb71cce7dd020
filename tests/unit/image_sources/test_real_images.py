"""Real images built by the tests (mmdebstrap, umoci, skopeo, pip, npm), read every way.

Oracle: the unpacked root filesystem the image was made from. The squashed view of the OCI
layout, of the docker-save archive and of the image pulled from a registry must all describe
exactly the files of that directory (path, type, mode incl. setuid, owner, size, link target).
"""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from seawall.inventory.imagefs import DirFS, FileEntry, ImageFS, squash
from seawall.sources.image import RegistryAuth, open_image
from seawall.sources.image.auth import Credentials
from support.images import app_images, skopeo_copy
from support.registry import RunningRegistry

pytestmark = pytest.mark.slow

WANT = {"var/lib/dpkg/status", "etc/os-release", "usr/lib/os-release", "etc/passwd"}


def _key(e: FileEntry) -> tuple[str, str, int, int, int, int, str]:
    etype = "file" if e.type == "hardlink" else e.type
    size = e.size if etype == "file" else 0
    return (e.path, etype, e.mode & 0o7777, e.uid, e.gid, size, e.linkname if e.type == "symlink" else "")


def _snapshot(fs: ImageFS) -> set[tuple[str, str, int, int, int, int, str]]:
    return {_key(e) for e in fs.entries()}


@pytest.fixture(scope="module")
def rootfs_view(debian_image: dict[str, Path]) -> set[tuple[str, str, int, int, int, int, str]]:
    return _snapshot(DirFS(debian_image["rootfs"]))


@pytest.fixture(scope="module")
def debian_forms(debian_image: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The Debian image as umoci wrote it, as skopeo writes docker-save, OCI-archive and zstd OCI."""
    tmp = tmp_path_factory.mktemp("forms")
    src = f"oci:{debian_image['oci']}:bookworm"
    skopeo_copy(src, f"oci-archive:{tmp / 'debian.oci.tar'}:bookworm")
    skopeo_copy(src, f"oci:{tmp / 'zstd'}:bookworm", "--dest-compress", "--dest-compress-format", "zstd")
    return {
        "oci": str(debian_image["oci"]),
        "docker": str(debian_image["docker"]),
        "oci-archive": str(tmp / "debian.oci.tar"),
        "oci-zstd": str(tmp / "zstd"),
    }


@pytest.mark.parametrize("form", ["oci", "docker", "oci-archive", "oci-zstd"])
def test_debian_image_equals_its_rootfs(
    debian_image: dict[str, Path],
    debian_forms: dict[str, str],
    rootfs_view: set[tuple[str, str, int, int, int, int, str]],
    form: str,
) -> None:
    with open_image(debian_forms[form]) as img:
        if form == "oci-zstd":
            assert img.layers[0].media_type.endswith("+zstd")
        assert img.config.get("os") == "linux"
        fs = squash(img, lambda p: p in WANT)
    got = _snapshot(fs)
    assert got == rootfs_view, (sorted(got - rootfs_view)[:5], sorted(rootfs_view - got)[:5])
    root = debian_image["rootfs"]
    assert fs.read("var/lib/dpkg/status") == (root / "var/lib/dpkg/status").read_bytes()
    # etc/os-release is a relative symlink on Debian: resolved inside the image
    assert fs.get("etc/os-release") is not None and fs.get("etc/os-release").type == "symlink"  # type: ignore[union-attr]
    assert fs.read("etc/os-release") == (root / "usr/lib/os-release").read_bytes()
    setuid = {e.path for e in fs.entries() if e.is_setuid}
    assert "usr/bin/su" in setuid or "bin/su" in setuid or "usr/bin/passwd" in setuid
    assert setuid == {e.path for e in DirFS(root).entries() if e.is_setuid and e.type == "file"}


def test_dirfs_never_leaves_root(debian_image: dict[str, Path], tmp_path: Path) -> None:
    fs = DirFS(debian_image["rootfs"])
    # /etc/passwd inside the tree, not the host's, whatever the path says
    assert fs.read("../../../../etc/passwd") == (debian_image["rootfs"] / "etc/passwd").read_bytes()
    evil = tmp_path / "root"
    (evil / "etc").mkdir(parents=True)
    os.symlink("/etc/hostname", evil / "etc" / "link")
    os.symlink("../../../../../../etc", evil / "up")
    dfs = DirFS(evil)
    assert dfs.read("etc/link") is None  # resolves to <root>/etc/hostname, which does not exist
    assert dfs.read("up/link") is None and dfs.listdir("up") == ["link"]


def test_debian_pushed_and_pulled(
    debian_image: dict[str, Path],
    registry_htpasswd: RunningRegistry,
    rootfs_view: set[tuple[str, str, int, int, int, int, str]],
) -> None:
    reg = registry_htpasswd
    reg.push(f"oci:{debian_image['oci']}:bookworm", "library/debian:bookworm")
    auth = RegistryAuth(hosts={reg.host: Credentials(reg.username, reg.password)})
    with open_image(f"{reg.host}/library/debian:bookworm", auth=auth, ca_file=reg.ca_file) as img:
        fs = squash(img, lambda p: p in WANT)
    assert _snapshot(fs) == rootfs_view
    assert fs.read("var/lib/dpkg/status") == (debian_image["rootfs"] / "var/lib/dpkg/status").read_bytes()


def test_debian_walk_memory_is_flat(debian_image: dict[str, Path]) -> None:
    """Squashing a ~170 MB image allocates a few MB: metadata per file, not file contents."""
    with open_image(str(debian_image["docker"])) as img:
        size = sum(d.size for d in img.layers)
        tracemalloc.start()
        try:
            fs = squash(img, lambda p: p == "var/lib/dpkg/status", lambda lf: None)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert size > 100 * 1024 * 1024
    assert len(fs) > 3000
    assert peak < 32 * 1024 * 1024, f"peak {peak} bytes for {size} bytes of layers"


def test_app_image_python_and_npm() -> None:
    app = app_images()
    site = app["site"]
    expected = sorted(p.name for p in site.iterdir() if p.name.endswith((".dist-info", ".egg-info")))
    assert len(expected) == 4
    for form in ("oci", "docker"):
        with open_image(str(app[form])) as img:
            assert len(img.layers) == 3  # debian + site-packages + node app
            fs = squash(img, lambda p: p.endswith(("/METADATA", "/package.json")))
        sp = "usr/local/lib/python3.11/site-packages"
        got = sorted(n for n in fs.listdir(sp) if n.endswith((".dist-info", ".egg-info")))
        assert got == expected
        for d in got:
            meta = fs.read(f"{sp}/{d}/METADATA")
            assert meta is not None and meta == (site / d / "METADATA").read_bytes()
        pkg = fs.read("srv/app/node_modules/lodash/package.json")
        assert pkg is not None and b'"version": "4.17.15"' in pkg
        # the later layers did not disturb the base
        assert fs.get("var/lib/dpkg/status") is not None
