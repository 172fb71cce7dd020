"""Build real images for tests: synthetic layouts written with tarfile, and real OS images.

Synthetic builders (fast, used by unit tests) write genuine OCI layouts and docker-save
archives — real tar layers, real digests, real JSON — so the readers are tested against the
formats, not against mocks. Real-image builders use Debian's tools (mmdebstrap, umoci, skopeo)
and are cached under ``~/.cache/seawall-tests`` (override with ``SEAWALL_TEST_CACHE``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zstandard

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_MT = {
    "plain": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}


# ---- synthetic layers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class E:
    """One tar member of a synthetic layer."""

    name: str
    content: bytes = b""
    type: str = "file"  # file, dir, symlink, hardlink, fifo
    linkname: str = ""
    mode: int = -1
    uid: int = 0
    gid: int = 0


def layer_tar(entries: Iterable[E]) -> bytes:
    """An uncompressed tar with exactly these members, in this order (names untouched)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for e in entries:
            ti = tarfile.TarInfo(e.name)
            ti.uid, ti.gid, ti.mtime = e.uid, e.gid, 1_700_000_000
            if e.type == "file":
                ti.type, ti.size = tarfile.REGTYPE, len(e.content)
                ti.mode = 0o644 if e.mode < 0 else e.mode
                tf.addfile(ti, io.BytesIO(e.content))
                continue
            ti.mode = (0o755 if e.type == "dir" else 0o777) if e.mode < 0 else e.mode
            ti.type = {
                "dir": tarfile.DIRTYPE,
                "symlink": tarfile.SYMTYPE,
                "hardlink": tarfile.LNKTYPE,
                "fifo": tarfile.FIFOTYPE,
            }[e.type]
            ti.linkname = e.linkname
            tf.addfile(ti)
    return buf.getvalue()


def compress(data: bytes, how: str) -> bytes:
    if how == "gzip":
        return gzip.compress(data, compresslevel=1, mtime=0)
    if how == "zstd":
        return zstandard.ZstdCompressor(level=1).compress(data)
    return data


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _put_blob(layout: Path, data: bytes) -> str:
    d = sha256(data)
    p = layout / "blobs" / "sha256" / d.split(":", 1)[1]
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return d


def _config(diff_ids: list[str], platform: tuple[str, str, str], extra: dict[str, Any] | None) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "created": "2024-01-02T03:04:05Z",
        "architecture": platform[1],
        "os": platform[0],
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2024-01-02T03:04:05Z", "created_by": "test"} for _ in diff_ids],
    }
    if platform[2]:
        cfg["variant"] = platform[2]
    if extra:
        cfg.update(extra)
    return cfg


@dataclass
class Built:
    """What a builder wrote: the manifest digest/bytes, config digest, layer digests."""

    path: Path
    manifest_digest: str = ""
    config_digest: str = ""
    layer_digests: list[str] = field(default_factory=list)
    diff_ids: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


def add_image(
    layout: Path,
    layers: Sequence[bytes],
    *,
    compression: str = "gzip",
    platform: tuple[str, str, str] = ("linux", "amd64", ""),
    config_extra: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], Built]:
    """Write blobs for one image into ``layout``; return (manifest descriptor, Built)."""
    diff_ids = [sha256(t) for t in layers]
    blobs = [compress(t, compression) for t in layers]
    ldescs = [{"mediaType": LAYER_MT[compression], "digest": _put_blob(layout, b), "size": len(b)} for b in blobs]
    cfg = json.dumps(_config(diff_ids, platform, config_extra), sort_keys=True).encode()
    cdig = _put_blob(layout, cfg)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cdig, "size": len(cfg)},
        "layers": ldescs,
    }
    mraw = json.dumps(manifest).encode()
    mdig = _put_blob(layout, mraw)
    desc: dict[str, Any] = {"mediaType": OCI_MANIFEST, "digest": mdig, "size": len(mraw)}
    plat = {"os": platform[0], "architecture": platform[1]}
    if platform[2]:
        plat["variant"] = platform[2]
    desc["platform"] = plat
    return desc, Built(layout, mdig, cdig, [d["digest"] for d in ldescs], diff_ids, manifest)


def write_oci_layout(
    layout: Path,
    layers: Sequence[bytes],
    *,
    compression: str = "gzip",
    ref_name: str = "latest",
    platform: tuple[str, str, str] = ("linux", "amd64", ""),
    config_extra: dict[str, Any] | None = None,
) -> Built:
    """A single-image OCI layout directory."""
    layout.mkdir(parents=True, exist_ok=True)
    (layout / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    desc, built = add_image(layout, layers, compression=compression, platform=platform, config_extra=config_extra)
    desc.pop("platform")
    if ref_name:
        desc["annotations"] = {"org.opencontainers.image.ref.name": ref_name}
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [desc]}))
    return built


def write_multiarch_layout(
    layout: Path,
    per_platform: dict[tuple[str, str, str], Sequence[bytes]],
    *,
    ref_name: str = "latest",
    nested: bool = True,
) -> dict[tuple[str, str, str], Built]:
    """An OCI layout whose index.json points at a nested image index (as docker 25+ and buildx write)."""
    layout.mkdir(parents=True, exist_ok=True)
    (layout / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    descs, out = [], {}
    for plat, layers in per_platform.items():
        d, b = add_image(layout, layers, platform=plat)
        descs.append(d)
        out[plat] = b
    inner = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descs}).encode()
    if nested:
        idig = _put_blob(layout, inner)
        top = [
            {
                "mediaType": OCI_INDEX,
                "digest": idig,
                "size": len(inner),
                "annotations": {"org.opencontainers.image.ref.name": ref_name},
            }
        ]
    else:
        top = descs
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": top}))
    return out


def tar_directory(src: Path, dest: Path, *, gz: bool = False) -> Path:
    """Pack a directory (an OCI layout) into a tar or tar.gz, member names relative."""
    with tarfile.open(dest, "w:gz" if gz else "w") as tf:
        for p in sorted(src.rglob("*")):
            tf.add(p, arcname=str(p.relative_to(src)), recursive=False)
    return dest


def write_docker_archive(
    dest: Path,
    layers: Sequence[bytes],
    *,
    repo_tags: Sequence[str] = ("example.test/app:1.0",),
    gz: bool = False,
    config_extra: dict[str, Any] | None = None,
    layer_names: Sequence[str] | None = None,
    drop_members: Iterable[str] = (),
    store_order: Sequence[int] | None = None,
) -> Built:
    """A classic ``docker save`` archive: manifest.json, <config hex>.json, <id>/layer.tar."""
    diff_ids = [sha256(t) for t in layers]
    cfg = json.dumps(_config(diff_ids, ("linux", "amd64", ""), config_extra)).encode()
    cdig = sha256(cfg)
    names = list(layer_names) if layer_names else [f"{d.split(':')[1]}/layer.tar" for d in diff_ids]
    members: dict[str, bytes] = {f"{cdig.split(':')[1]}.json": cfg}
    order = list(store_order) if store_order is not None else list(range(len(layers)))
    for i in order:
        members[names[i]] = layers[i]
    entry = {"Config": f"{cdig.split(':')[1]}.json", "RepoTags": list(repo_tags), "Layers": names}
    members["manifest.json"] = json.dumps([entry]).encode()
    skip = set(drop_members)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        for n, data in members.items():
            if n in skip:
                continue
            ti = tarfile.TarInfo(n)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    data = raw.getvalue()
    dest.write_bytes(gzip.compress(data, 1) if gz else data)
    return Built(dest, "", cdig, diff_ids, diff_ids, entry)


# ---- real images (Debian tools) -------------------------------------------------------------------
def cache_dir() -> Path:
    d = Path(os.environ.get("SEAWALL_TEST_CACHE", Path.home() / ".cache" / "seawall-tests"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def _run(cmd: Sequence[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(list(cmd), capture_output=True, text=True, check=False, **kw)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr.strip()[-2000:]}")
    return res


DEBIAN_MIRROR = os.environ.get("SEAWALL_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def debian_rootfs_tar() -> Path:
    """A Debian bookworm minbase root filesystem as a tar (mmdebstrap), cached per day."""
    out = cache_dir() / f"bookworm-minbase-{dt.date.today():%Y%m%d}.tar"
    if out.is_file():
        return out
    for old in cache_dir().glob("bookworm-minbase-*.tar"):
        old.unlink(missing_ok=True)
    tmp = out.with_suffix(".tmp.tar")
    _run(["mmdebstrap", "--quiet", "--variant=minbase", "--mode=root", "bookworm", str(tmp), DEBIAN_MIRROR])
    tmp.rename(out)
    return out


def unpack_rootfs(rootfs_tar: Path, dest: Path) -> Path:
    """Extract a rootfs tar (our own trusted build) for oracles such as dpkg-query."""
    dest.mkdir(parents=True, exist_ok=True)
    _run(["tar", "-C", str(dest), "--numeric-owner", "-xf", str(rootfs_tar)])
    return dest


def umoci_layout_from_rootfs(rootfs: Path, layout: Path, tag: str = "bookworm") -> Path:
    """An OCI layout with one layer holding ``rootfs`` (umoci init/new/unpack/repack)."""
    if layout.exists():
        shutil.rmtree(layout)
    _run(["umoci", "init", "--layout", str(layout)])
    _run(["umoci", "new", "--image", f"{layout}:{tag}"])
    with tempfile.TemporaryDirectory(dir=layout.parent) as tmp:
        bundle = Path(tmp) / "bundle"
        _run(["umoci", "unpack", "--image", f"{layout}:{tag}", str(bundle)])
        shutil.rmtree(bundle / "rootfs")
        # move (not copy) when the source is a scratch unpack; keep hard links and modes
        _run(["cp", "-a", str(rootfs), str(bundle / "rootfs")])
        _run(["umoci", "repack", "--image", f"{layout}:{tag}", str(bundle)])
    _run(
        [
            "umoci",
            "config",
            "--image",
            f"{layout}:{tag}",
            "--config.cmd",
            "/bin/bash",
            "--config.env",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ]
    )
    _run(["umoci", "gc", "--layout", str(layout)])
    return layout


def umoci_insert(layout: Path, tag: str, src: Path, dest_in_image: str) -> None:
    """Add a layer holding ``src`` at ``dest_in_image`` (umoci insert)."""
    _run(["umoci", "insert", "--image", f"{layout}:{tag}", str(src), dest_in_image])


def skopeo_copy(src: str, dest: str, *extra: str) -> None:
    _run(["skopeo", "copy", "--quiet", *extra, src, dest])


@contextlib.contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """An exclusive lock so concurrent test sessions never build the same cached image twice."""
    with (cache_dir() / f"{name}.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def debian_images() -> dict[str, Path]:
    """The cached Debian image in three forms: rootfs dir, OCI layout, docker-save archive."""
    base = cache_dir() / f"debian-{dt.date.today():%Y%m%d}"
    done = base / "done"
    rootfs, layout, archive = base / "rootfs", base / "oci", base / "debian.docker.tar"
    with cache_lock("debian"):
        if not done.is_file():
            for old in cache_dir().glob("debian-*"):
                if old.is_dir():
                    shutil.rmtree(old)
            base.mkdir(parents=True)
            unpack_rootfs(debian_rootfs_tar(), rootfs)
            umoci_layout_from_rootfs(rootfs, layout, "bookworm")
            archive.unlink(missing_ok=True)
            skopeo_copy(f"oci:{layout}:bookworm", f"docker-archive:{archive}:debian:bookworm")
            done.write_text("ok")
    return {"rootfs": rootfs, "oci": layout, "docker": archive}


PY_PINS = ("requests==2.19.0", "urllib3==1.24.1", "PyYAML==5.3", "Django==2.2")


def python_npm_image(base_layout: Path, dest: Path, tag: str = "app") -> dict[str, Path]:
    """An image with old Python packages (pip --target) and an npm tree (lodash 4.17.15).

    Layered with ``umoci insert`` on top of ``base_layout`` (copied). Returns the layout and the
    site-packages / node_modules directories used (for oracles).
    """
    work = dest.parent / f"{dest.name}-work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    site = work / "site-packages"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-compile",
            "--target",
            str(site),
            *PY_PINS,
        ]
    )
    npmdir = work / "npmapp"
    npmdir.mkdir()
    (npmdir / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0", "private": True}))
    _run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--ignore-scripts", "lodash@4.17.15"], cwd=npmdir)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(base_layout, dest, symlinks=True)
    umoci_insert(dest, "bookworm", site, "/usr/local/lib/python3.11/site-packages")
    umoci_insert(dest, "bookworm", npmdir, "/srv/app")
    _run(["umoci", "tag", "--image", f"{dest}:bookworm", tag])
    return {"oci": dest, "site": site, "npm": npmdir}


def app_images() -> dict[str, Path]:
    """Debian + old Python packages + lodash, cached per day: OCI layout and docker archive."""
    deb = debian_images()
    base = cache_dir() / f"app-{dt.date.today():%Y%m%d}"
    done = base / "done"
    with cache_lock("app"):
        if not done.is_file():
            for old in cache_dir().glob("app-*"):
                if old.is_dir():
                    shutil.rmtree(old)
            base.mkdir(parents=True)
            python_npm_image(deb["oci"], base / "oci", "app")
            skopeo_copy(f"oci:{base / 'oci'}:app", f"docker-archive:{base / 'app.docker.tar'}:app:1")
            done.write_text("ok")
    return {
        "oci": base / "oci",
        "docker": base / "app.docker.tar",
        "site": base / "oci-work" / "site-packages",
        "npm": base / "oci-work" / "npmapp",
    }
