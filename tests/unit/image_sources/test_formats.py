"""Every archive/layout format opens to the same image and the same squashed filesystem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seawall.errors import InputError, SourceError
from seawall.inventory.imagefs import squash
from seawall.sources.image import Platform, is_image_archive, is_oci_layout, open_image
from support.images import E, layer_tar, tar_directory, write_docker_archive, write_multiarch_layout, write_oci_layout

BASE = layer_tar(
    [
        E("etc/", type="dir"),
        E("etc/os-release", b"ID=debian\nVERSION_ID=12\n"),
        E("etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"),
        E("usr/bin/passwd", b"\x7fELF", mode=0o4755),
        E("opt/app/old.txt", b"old"),
        E("opt/app/keep/x", b"x"),
        E("root/.aws/credentials", b"aws_secret_access_key=deleted-later"),
    ]
)
TOP = layer_tar(
    [
        E("opt/app/.wh..wh..opq"),
        E("opt/app/new.txt", b"new"),
        E("root/.aws/.wh.credentials"),
        E("etc/hostname", b"box\n"),
        E("bin", type="symlink", linkname="usr/bin"),
        E("etc/passwd.hl", type="hardlink", linkname="etc/passwd"),
    ]
)
EXPECTED = {
    "bin",
    "etc",
    "etc/hostname",
    "etc/os-release",
    "etc/passwd",
    "etc/passwd.hl",
    "opt",
    "opt/app",
    "opt/app/new.txt",
    "root",
    "root/.aws",
    "usr",
    "usr/bin",
    "usr/bin/passwd",
}


def _variants(tmp: Path) -> dict[str, str]:
    out = {}
    for comp in ("gzip", "zstd", "plain"):
        write_oci_layout(tmp / f"oci-{comp}", [BASE, TOP], compression=comp)
        out[f"oci-dir-{comp}"] = str(tmp / f"oci-{comp}")
    out["oci-tar"] = str(tar_directory(tmp / "oci-gzip", tmp / "oci.tar"))
    out["oci-tgz"] = str(tar_directory(tmp / "oci-zstd", tmp / "oci.tar.gz", gz=True))
    write_docker_archive(tmp / "docker.tar", [BASE, TOP])
    write_docker_archive(tmp / "docker.tar.gz", [BASE, TOP], gz=True)
    out["docker-tar"] = str(tmp / "docker.tar")
    out["docker-tgz"] = str(tmp / "docker.tar.gz")
    return out


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _variants(tmp_path_factory.mktemp("formats"))


@pytest.mark.parametrize(
    "kind", ["oci-dir-gzip", "oci-dir-zstd", "oci-dir-plain", "oci-tar", "oci-tgz", "docker-tar", "docker-tgz"]
)
def test_every_format_squashes_identically(variants: dict[str, str], kind: str) -> None:
    layer_files: list[tuple[int, str, bytes]] = []
    with open_image(variants[kind]) as img:
        assert len(img.layers) == 2
        assert img.config["os"] == "linux"
        fs = squash(
            img,
            wants=lambda p: p.startswith("etc/"),
            on_layer_file=lambda lf: layer_files.append((lf.entry.layer_index, lf.path, lf.read())),
        )
    assert {e.path for e in fs.entries()} == EXPECTED
    # content captured only for wanted files; hard link content comes from its target
    assert fs.read("etc/os-release") == b"ID=debian\nVERSION_ID=12\n"
    assert fs.read("etc/passwd.hl") == fs.read("etc/passwd")
    assert fs.read("usr/bin/passwd") is None
    # symlinks resolve inside the image
    assert fs.listdir("bin") == ["passwd"]
    assert fs.listdir("opt/app") == ["new.txt"]
    e = fs.get("usr/bin/passwd")
    assert e is not None and e.is_setuid and e.mode == 0o4755 and e.layer_index == 0
    assert fs.get("etc/hostname") is not None and fs.get("etc/hostname").layer_index == 1  # type: ignore[union-attr]
    # the visitor saw every regular file of every layer, including the deleted secret
    assert (0, "root/.aws/credentials", b"aws_secret_access_key=deleted-later") in layer_files
    assert (1, "opt/app/new.txt", b"new") in layer_files
    assert len(layer_files) == 8


def test_oci_and_docker_agree_on_config_digest(variants: dict[str, str]) -> None:
    with open_image(variants["oci-dir-gzip"]) as a, open_image(variants["oci-tar"]) as b:
        assert a.digest == b.digest and a.digest.startswith("sha256:")
        assert a.diff_ids == b.diff_ids
    with open_image(variants["docker-tar"]) as d:
        assert d.digest == ""  # docker save stores no manifest
        assert d.config_digest.startswith("sha256:") and d.id == d.config_digest
        assert d.reference == "example.test/app:1.0"
        assert d.diff_ids == a.diff_ids


def test_sniffing(variants: dict[str, str], tmp_path: Path) -> None:
    assert is_oci_layout(Path(variants["oci-dir-gzip"]))
    for k in ("oci-tar", "oci-tgz", "docker-tar", "docker-tgz"):
        assert is_image_archive(Path(variants[k])), k
    other = tmp_path / "other.tar"
    tar_directory(Path(variants["oci-dir-gzip"]) / "blobs", other)
    assert not is_image_archive(other)
    (tmp_path / "x.tar").write_bytes(b"not a tar at all" * 100)
    assert not is_image_archive(tmp_path / "x.tar")
    # a gzipped backup whose first member is large: decided from its first header alone
    import gzip
    import io
    import tarfile

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        ti = tarfile.TarInfo("home/user/big.bin")
        ti.size = 8 * 1024 * 1024
        tf.addfile(ti, io.BytesIO(bytes(ti.size)))
        ti = tarfile.TarInfo("manifest.json")
        tf.addfile(ti, io.BytesIO(b""))
    (tmp_path / "backup.tar.gz").write_bytes(gzip.compress(raw.getvalue(), 1))
    assert not is_image_archive(tmp_path / "backup.tar.gz")


def test_transport_prefixes_and_ref_selection(variants: dict[str, str]) -> None:
    with open_image(f"oci:{variants['oci-dir-gzip']}:latest") as img:
        assert img.source == "oci-layout" and img.reference.endswith(":latest")
    with open_image(f"oci-archive:{variants['oci-tar']}") as img:
        assert img.source == "oci-archive"
    with open_image(f"docker-archive:{variants['docker-tar']}") as img:
        assert img.source == "docker-archive"
    with pytest.raises(SourceError, match="no image named 'nope'"):
        open_image(f"{variants['oci-dir-gzip']}:nope")
    with pytest.raises(InputError, match="no such file"):
        open_image("./does/not/exist.tar")


def test_multiarch_nested_index_platform_selection(tmp_path: Path) -> None:
    amd = layer_tar([E("arch", b"amd64")])
    arm = layer_tar([E("arch", b"arm64")])
    armv7 = layer_tar([E("arch", b"armv7")])
    lay = tmp_path / "multi"
    built = write_multiarch_layout(
        lay, {("linux", "amd64", ""): [amd], ("linux", "arm64", "v8"): [arm], ("linux", "arm", "v7"): [armv7]}
    )
    for plat, want in (("linux/amd64", b"amd64"), ("linux/arm64", b"arm64"), ("linux/arm/v7", b"armv7")):
        with open_image(str(lay), platform=plat) as img:
            fs = squash(img, lambda p: True)
            assert fs.read("arch") == want
            assert img.platform is not None and str(img.platform).startswith(plat.rsplit("/", 1)[0])
    with open_image(str(lay), platform="linux/arm64/v8") as img:
        assert img.digest == built[("linux", "arm64", "v8")].manifest_digest
    with pytest.raises(SourceError, match=r"no manifest for platform linux/s390x \(available: "):
        open_image(str(lay), platform="linux/s390x")
    with pytest.raises(InputError):
        open_image(str(lay), platform="linux")
    # default: the host's platform
    with open_image(str(lay)) as img:
        assert img.platform is not None and Platform.host().matches(img.platform)


def test_docker_archive_with_several_images_needs_a_tag(tmp_path: Path) -> None:
    a = write_docker_archive(tmp_path / "a.tar", [BASE], repo_tags=["one:1"])
    b = write_docker_archive(tmp_path / "b.tar", [TOP], repo_tags=["two:2"])
    import tarfile

    merged = tmp_path / "two.tar"
    entries = [a.manifest, b.manifest]
    with tarfile.open(merged, "w") as out:
        for src in (a.path, b.path):
            with tarfile.open(src) as tf:
                for m in tf.getmembers():
                    if m.name != "manifest.json":
                        out.addfile(m, tf.extractfile(m))
        import io

        raw = json.dumps(entries).encode()
        ti = tarfile.TarInfo("manifest.json")
        ti.size = len(raw)
        out.addfile(ti, io.BytesIO(raw))
    with pytest.raises(SourceError, match="holds 2 images"):
        open_image(str(merged))
    with open_image(f"{merged}:two:2") as img:
        assert img.repo_tags == ("two:2",)


def test_gzipped_archive_with_layers_stored_out_of_order(tmp_path: Path) -> None:
    """Layers stored last-first in a .tar.gz are read in storage order, squashed in layer order."""
    l3 = layer_tar([E("opt/app/new.txt", b"v3"), E("etc/hostname", b"final\n"), E("etc/.wh.passwd")])
    layers = [BASE, TOP, l3]
    write_docker_archive(tmp_path / "inorder.tar", layers)
    write_docker_archive(tmp_path / "reversed.tar.gz", layers, gz=True, store_order=[2, 1, 0])
    seen: dict[str, list[int]] = {}
    results = {}
    for name in ("inorder.tar", "reversed.tar.gz"):
        with open_image(str(tmp_path / name)) as img:
            order = img.read_order()
            assert order == ([0, 1, 2] if name == "inorder.tar" else [2, 1, 0])
            visits: list[int] = []
            seen[name] = visits
            fs = squash(
                img, lambda p: p.startswith(("etc/", "opt/")), lambda lf, v=visits: v.append(lf.entry.layer_index)
            )
            results[name] = (
                sorted((e.path, e.type, e.layer_index, e.size) for e in fs.entries()),
                {p: fs.read(p) for p in ("etc/hostname", "opt/app/new.txt", "etc/passwd.hl", "etc/os-release")},
            )
    assert results["inorder.tar"] == results["reversed.tar.gz"]
    files, content = results["inorder.tar"]
    assert content["etc/hostname"] == b"final\n" and content["opt/app/new.txt"] == b"v3"
    assert "etc/passwd" not in {f[0] for f in files}  # whited out by layer 3
    assert sorted(seen["inorder.tar"]) == sorted(seen["reversed.tar.gz"])
    assert seen["reversed.tar.gz"][0] == 2  # storage order


def test_layer_file_is_only_readable_inside_the_callback(tmp_path: Path) -> None:
    write_oci_layout(tmp_path / "img", [layer_tar([E("a", b"AAAA"), E("b", b"BBBB"), E("c/.wh..wh..opq")])])
    kept = []
    with open_image(str(tmp_path / "img")) as img:
        fs = squash(img, lambda p: p == "b", kept.append)
    assert [lf.path for lf in kept] == ["a", "b"]
    assert kept[0].read() == b""  # its bytes are gone, never another file's
    assert kept[1].read() == b"BBBB"  # captured content stays readable
    assert fs.get("c") is not None and fs.get("c").type == "dir"  # type: ignore[union-attr]


def test_docker25_save_layout_prefers_oci_view(tmp_path: Path) -> None:
    """docker 25+ ``save`` writes an OCI layout plus manifest.json: read as OCI (manifest digest)."""
    lay = tmp_path / "lay"
    built = write_oci_layout(lay, [BASE, TOP], compression="plain", ref_name="")
    index = json.loads((lay / "index.json").read_text())
    index["manifests"][0]["annotations"] = {
        "io.containerd.image.name": "docker.io/library/app:2.1",
        "org.opencontainers.image.ref.name": "2.1",
    }
    (lay / "index.json").write_text(json.dumps(index))
    blobs = [f"blobs/sha256/{d.split(':')[1]}" for d in built.layer_digests]
    cfg = f"blobs/sha256/{built.config_digest.split(':')[1]}"
    (lay / "manifest.json").write_text(json.dumps([{"Config": cfg, "RepoTags": ["app:2.1"], "Layers": blobs}]))
    tar_directory(lay, tmp_path / "save.tar")
    with open_image(str(tmp_path / "save.tar")) as img:
        assert img.source == "oci-archive"
        assert img.digest == built.manifest_digest
        assert img.reference == "docker.io/library/app:2.1"
        assert {e.path for e in squash(img, lambda p: False).entries()} == EXPECTED
    with open_image(f"{tmp_path / 'save.tar'}:2.1") as img:
        assert img.digest == built.manifest_digest
