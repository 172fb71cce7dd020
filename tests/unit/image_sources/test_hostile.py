"""Hostile and corrupt images: each gives one clear SourceError naming the input and the layer."""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import os
import tarfile
import tracemalloc
from pathlib import Path

import pytest

from seawall.errors import SourceError
from seawall.inventory.imagefs import squash
from seawall.sources.image import Limits, open_image
from support.images import E, layer_tar, sha256, tar_directory, write_docker_archive, write_oci_layout

OK = layer_tar([E("etc/os-release", b"ID=alpine\n")])


def _squash_error(path: Path, limits: Limits | None = None) -> str:
    """The error squashing ``path`` raises — identical with and without the prefetch thread."""
    msgs = []
    for prefetch in (False, True):
        lim = dataclasses.replace(limits or Limits(), prefetch_min_bytes=0 if prefetch else 1 << 62)
        with pytest.raises(SourceError) as info, open_image(str(path), limits=lim) as img:
            squash(img, lambda p: True, lambda lf: None)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]
    msg = msgs[0]
    assert "\n" not in msg
    assert str(path) in msg  # names the input
    return msg


@pytest.mark.parametrize(
    ("entries", "expect"),
    [
        ([E("../../etc/cron.d/evil", b"x")], "escapes the root"),
        ([E("ok/../../../evil", b"x")], "escapes the root"),
        ([E("/etc/shadow", b"x")], "absolute path"),
        ([E("lib/evil", type="symlink", linkname="../../../../etc/shadow")], "points outside the image root"),
        ([E("etc/shadow", type="hardlink", linkname="etc/missing")], "hard link etc/shadow points to a missing file"),
        ([E("etc/x", type="hardlink", linkname="../../etc/passwd")], "escapes the root"),
    ],
)
@pytest.mark.parametrize("fmt", ["oci", "docker"])
def test_hostile_members(tmp_path: Path, entries: list[E], expect: str, fmt: str) -> None:
    bad = layer_tar(entries)
    if fmt == "oci":
        target = tmp_path / "img"
        write_oci_layout(target, [OK, bad])
    else:
        target = tmp_path / "img.tar"
        write_docker_archive(target, [OK, bad])
    msg = _squash_error(target)
    assert expect in msg
    assert "layer 2/2" in msg


def test_absolute_symlinks_are_normal_and_resolve_inside(tmp_path: Path) -> None:
    write_oci_layout(
        tmp_path / "img",
        [
            layer_tar(
                [
                    E("etc/real", b"inside"),
                    E("etc/alias", type="symlink", linkname="/etc/real"),
                    E("etc/up", type="symlink", linkname="../../../etc/real"),
                ]
            )
        ],
    )
    with open_image(str(tmp_path / "img")) as img:
        fs = squash(img, lambda p: True, strict_links=False)
    assert fs.read("etc/alias") == b"inside"
    assert fs.read("etc/up") == b"inside"  # chroot-style: '..' stops at the image root


def test_gzip_bomb_is_bounded(tmp_path: Path) -> None:
    import io

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        ti = tarfile.TarInfo("zeros")
        ti.size = 64 * 1024 * 1024
        tf.addfile(ti, io.BytesIO(bytes(ti.size)))
    write_oci_layout(tmp_path / "bomb", [buf.getvalue()])
    blob_sizes = [p.stat().st_size for p in (tmp_path / "bomb" / "blobs" / "sha256").iterdir()]
    assert max(blob_sizes) < 1024 * 1024  # a ~64x+ compression ratio
    msg = _squash_error(tmp_path / "bomb", Limits(max_layer_bytes=8 * 1024 * 1024))
    assert "more than 8388608 bytes" in msg and "layer 1/1" in msg
    msg = _squash_error(tmp_path / "bomb", Limits(max_total_bytes=4 * 1024 * 1024))
    assert "image decompresses to more than" in msg


def _blob_path(layout: Path, digest: str) -> Path:
    return layout / "blobs" / "sha256" / digest.split(":", 1)[1]


def test_digest_mismatch_detected(tmp_path: Path) -> None:
    built = write_oci_layout(tmp_path / "img", [OK], compression="plain")
    p = _blob_path(tmp_path / "img", built.layer_digests[0])
    data = bytearray(p.read_bytes())
    i = data.index(b"ID=alpine")
    data[i : i + 9] = b"ID=evil!!"  # same size, different content
    p.write_bytes(bytes(data))
    msg = _squash_error(tmp_path / "img")
    assert "digest mismatch" in msg and built.layer_digests[0] in msg


def test_diff_id_mismatch_detected(tmp_path: Path) -> None:
    write_oci_layout(tmp_path / "img", [OK], config_extra={"rootfs": {"type": "layers", "diff_ids": [sha256(b"x")]}})
    assert "diff_id mismatch" in _squash_error(tmp_path / "img", Limits(verify_diff_ids=True))
    with open_image(str(tmp_path / "img")) as img:  # default: the manifest digests suffice
        assert squash(img, lambda p: True).read("etc/os-release") == b"ID=alpine\n"


def test_docker_archive_layer_tampered(tmp_path: Path) -> None:
    # docker-save layers are verified against the config's diff_ids
    built = write_docker_archive(tmp_path / "a.tar", [OK])
    raw = (tmp_path / "a.tar").read_bytes().replace(b"ID=alpine", b"ID=evil!!")
    (tmp_path / "a.tar").write_bytes(raw)
    msg = _squash_error(tmp_path / "a.tar")
    assert "diff_id mismatch" in msg and built.diff_ids[0] in msg


def test_config_and_manifest_digests_verified(tmp_path: Path) -> None:
    built = write_oci_layout(tmp_path / "img", [OK])
    p = _blob_path(tmp_path / "img", built.config_digest)
    p.write_bytes(p.read_bytes().replace(b'"linux"', b'"LINUX"'))
    with pytest.raises(SourceError, match="digest mismatch"):
        open_image(str(tmp_path / "img"))
    built = write_oci_layout(tmp_path / "img2", [OK])
    p = _blob_path(tmp_path / "img2", built.manifest_digest)
    p.write_bytes(p.read_bytes().replace(b'"schemaVersion": 2', b'"schemaVersion":  2'))
    with pytest.raises(SourceError, match="longer than"):
        open_image(str(tmp_path / "img2"))


@pytest.mark.parametrize("comp", ["gzip", "zstd", "plain"])
def test_truncated_layer(tmp_path: Path, comp: str) -> None:
    big = layer_tar([E(f"f{i}", os.urandom(4096)) for i in range(20)])
    built = write_oci_layout(tmp_path / "img", [big], compression=comp)
    p = _blob_path(tmp_path / "img", built.layer_digests[0])
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    assert "truncated" in _squash_error(tmp_path / "img")


def test_truncated_archive(tmp_path: Path) -> None:
    write_docker_archive(tmp_path / "a.tar", [layer_tar([E(f"f{i}", os.urandom(4096)) for i in range(20)])])
    raw = (tmp_path / "a.tar").read_bytes()
    (tmp_path / "a.tar").write_bytes(raw[: len(raw) * 2 // 3])
    with pytest.raises(SourceError) as info, open_image(str(tmp_path / "a.tar")) as img:
        squash(img, lambda p: True)
    assert "truncated" in str(info.value) or "missing" in str(info.value)
    write_docker_archive(tmp_path / "b.tar.gz", [OK], gz=True)
    raw = (tmp_path / "b.tar.gz").read_bytes()
    (tmp_path / "b.tar.gz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(SourceError, match=r"truncated|not a tar"):
        open_image(str(tmp_path / "b.tar.gz"))


def test_non_tar_layer(tmp_path: Path) -> None:
    write_oci_layout(tmp_path / "img", [b"this is not a tar archive, just text\n" * 40], compression="gzip")
    assert "not a tar archive" in _squash_error(tmp_path / "img")


def test_garbage_input_file(tmp_path: Path) -> None:
    (tmp_path / "junk.tar").write_bytes(os.urandom(5000))
    with pytest.raises(SourceError, match=r"junk\.tar"):
        open_image(str(tmp_path / "junk.tar"))
    (tmp_path / "junk.tgz").write_bytes(gzip.compress(os.urandom(5000)))
    with pytest.raises(SourceError, match=r"not a tar archive|corrupt"):
        open_image(str(tmp_path / "junk.tgz"))


def test_manifest_json_references_missing_layer(tmp_path: Path) -> None:
    built = write_docker_archive(
        tmp_path / "a.tar", [OK, OK], layer_names=["l1/layer.tar", "l2/layer.tar"], drop_members=["l2/layer.tar"]
    )
    with pytest.raises(SourceError, match=r"references missing layer 2 'l2/layer.tar'"):
        open_image(str(tmp_path / "a.tar"))
    assert built.diff_ids


def test_oci_missing_blob_and_symlinked_blob(tmp_path: Path) -> None:
    built = write_oci_layout(tmp_path / "img", [OK])
    lp = _blob_path(tmp_path / "img", built.layer_digests[0])
    lp.unlink()
    with open_image(str(tmp_path / "img")) as img, pytest.raises(SourceError, match="is missing"):
        squash(img, lambda p: True)
    secret = tmp_path / "host-secret"
    secret.write_bytes(lp.name.encode())
    lp.symlink_to(secret)
    with open_image(str(tmp_path / "img")) as img, pytest.raises(SourceError, match="symlink"):
        squash(img, lambda p: True)


def test_invalid_index_json(tmp_path: Path) -> None:
    write_oci_layout(tmp_path / "img", [OK])
    (tmp_path / "img" / "index.json").write_text("{not json")
    with pytest.raises(SourceError, match=r"index\.json is not valid JSON"):
        open_image(str(tmp_path / "img"))
    (tmp_path / "img" / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{"digest": "../x"}]}))
    with pytest.raises(SourceError, match="invalid or unsupported digest"):
        open_image(str(tmp_path / "img"))


def test_outer_archive_member_paths_never_escape(tmp_path: Path) -> None:
    write_oci_layout(tmp_path / "img", [OK])
    tar_directory(tmp_path / "img", tmp_path / "img.tar")
    # an archive whose manifest.json names members outside the archive
    import io

    with tarfile.open(tmp_path / "evil.tar", "w") as tf:
        raw = json.dumps([{"Config": "../../etc/passwd", "Layers": ["/etc/shadow"]}]).encode()
        ti = tarfile.TarInfo("manifest.json")
        ti.size = len(raw)
        tf.addfile(ti, io.BytesIO(raw))
    with pytest.raises(SourceError, match="does not contain"):
        open_image(str(tmp_path / "evil.tar"))


def test_memory_stays_flat_on_a_large_layer(tmp_path: Path) -> None:
    """Squashing a 160 MiB layer keeps Python allocations far below the layer size."""
    import io

    size = 8 * 1024 * 1024
    chunk = (b"0123456789abcdef" * 4096) * (size // 65536)
    raw = tmp_path / "big.tar"
    with tarfile.open(raw, "w") as tf:
        for i in range(20):
            ti = tarfile.TarInfo(f"data/file{i}.bin")
            ti.size = size
            tf.addfile(ti, io.BytesIO(chunk))
        for i in range(2000):
            ti = tarfile.TarInfo(f"many/f{i}")
            ti.size = 10
            tf.addfile(ti, io.BytesIO(b"0123456789"))
    layer = raw.read_bytes()
    write_oci_layout(tmp_path / "img", [layer])
    del layer, chunk
    seen = [0]

    def visit(lf: object) -> None:
        seen[0] += len(lf.read(1 << 16))  # type: ignore[attr-defined]

    tracemalloc.start()
    try:
        with open_image(str(tmp_path / "img")) as img:
            fs = squash(img, lambda p: p.endswith("file3.bin"), visit, max_file_bytes=1 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(fs) == 2020 + 2  # files + the two directories
    assert fs.read("data/file3.bin") is not None and "data/file3.bin" in fs.truncated
    assert seen[0] > 0
    layer_bytes = 20 * size
    print(f"peak {peak} bytes for a {layer_bytes}-byte layer")
    assert peak < 24 * 1024 * 1024, f"peak {peak} bytes for a {layer_bytes}-byte layer"


def test_too_many_layers(tmp_path: Path) -> None:
    write_oci_layout(tmp_path / "img", [OK] * 5)
    with pytest.raises(SourceError, match=r"lists 5 layers \(limit 4\)"):
        open_image(str(tmp_path / "img"), limits=Limits(max_layers=4))
    write_docker_archive(tmp_path / "a.tar", [OK] * 5, layer_names=[f"l{i}/layer.tar" for i in range(5)])
    with pytest.raises(SourceError, match=r"lists 5 layers \(limit 4\)"):
        open_image(str(tmp_path / "a.tar"), limits=Limits(max_layers=4))


def _big_layer() -> bytes:
    return layer_tar([E("etc/os-release", b"ID=alpine\n"), E("data/big.bin", os.urandom(3 * 1024 * 1024))])


@pytest.mark.parametrize("fmt", ["docker", "oci-plain", "oci-archive-plain"])
def test_in_place_layers_verify_bytes_nobody_reads(tmp_path: Path, fmt: str) -> None:
    """Uncompressed layers stored in a file are parsed in place (file data skipped, not read),
    yet a changed byte inside data no cataloger looks at is still a digest error."""
    layer = _big_layer()
    if fmt == "docker":
        target = tmp_path / "a.tar"
        write_docker_archive(target, [layer])
        expect = "diff_id mismatch"
    else:
        write_oci_layout(tmp_path / "img", [layer], compression="plain")
        target = tmp_path / "img"
        if fmt == "oci-archive-plain":
            target = tar_directory(tmp_path / "img", tmp_path / "img.tar")
        expect = "digest mismatch"
    with open_image(str(target)) as img, img.open_layer(0) as stream:
        assert stream.in_place
        assert squash(img, lambda p: False).get("data/big.bin") is not None
    raw = bytearray(target.read_bytes() if target.is_file() else b"")
    if fmt == "oci-plain":
        blob = next(p for p in (target / "blobs" / "sha256").iterdir() if p.stat().st_size > 3 * 1024 * 1024)
        raw = bytearray(blob.read_bytes())
    i = raw.index(layer[-(1024 * 1024) : -(1024 * 1024) + 64])  # inside big.bin's data
    raw[i] ^= 0x01
    (blob if fmt == "oci-plain" else target).write_bytes(bytes(raw))
    for prefetch in (0, 1 << 62):  # hashed in a thread / after the walk
        with pytest.raises(SourceError, match=expect), open_image(
            str(target), limits=Limits(prefetch_min_bytes=prefetch)
        ) as img:
            squash(img, lambda p: False)


def test_gzip_layers_are_streamed(tmp_path: Path) -> None:
    write_oci_layout(tmp_path / "img", [OK], compression="gzip")
    with open_image(str(tmp_path / "img")) as img, img.open_layer(0) as stream:
        assert not stream.in_place


def test_an_error_in_the_walk_stops_the_hashing_thread(tmp_path: Path) -> None:
    """A hostile member at the start of a large in-place layer: the error is raised at once and
    the thread hashing the rest of the layer is stopped and joined, not left running."""
    import threading

    big = [E(f"data/f{i}", os.urandom(1024 * 1024)) for i in range(24)]
    write_docker_archive(tmp_path / "a.tar", [layer_tar([E("/etc/shadow", b"x"), *big])])
    with pytest.raises(SourceError, match="absolute path"), open_image(
        str(tmp_path / "a.tar"), limits=Limits(prefetch_min_bytes=0)
    ) as img:
        squash(img, lambda p: False)
    assert not [t for t in threading.enumerate() if t.name == "seawall-layer-hash"]


@pytest.mark.parametrize(
    ("entry", "expect"),
    [
        # 20,000 directory levels: squashing made every implied parent (a copy of the prefix),
        # 400 MB of path strings for a 40 kB name; a 1 MB PAX name was an out-of-memory kill
        (E("a/" * 20_000 + "f", b"x"), "path is longer than 4096 bytes"),
        # resolving a symlink with a huge target was quadratic (minutes for a 1 MB target)
        (E("etc", type="symlink", linkname="a/" * 100_000), "link target of 'etc' is longer than 4096 bytes"),
    ],
)
def test_member_names_and_link_targets_over_path_max(tmp_path: Path, entry: E, expect: str) -> None:
    write_docker_archive(tmp_path / "a.tar", [layer_tar([E("etc/os-release", b"ID=alpine\n")]), layer_tar([entry])])
    msg = _squash_error(tmp_path / "a.tar")
    assert expect in msg and "layer 2/2" in msg


def test_long_symlink_chains_resolve_within_path_max(tmp_path: Path) -> None:
    """Resolution stops at 40 hops, past PATH_MAX, and after 4096 components: 40 chained links
    with 1,600-component targets (64,000 steps each time a member lands under the chain) took
    minutes for 20,000 members of the next layer."""
    n = 41
    short = [E(f"s{i}", type="symlink", linkname=f"s{i + 1}") for i in range(n)]
    long = [E(f"l{i}", type="symlink", linkname="d/../" * 800 + f"l{i + 1}") for i in range(n)]
    deep = [E("x", type="symlink", linkname="y/" * 2000 + "z"), E("y", type="symlink", linkname=".")]
    # resolvable in 1,601 steps, once for all 20,000 members below it (cached per parent)
    usr = [E("t", type="dir"), E("p", type="symlink", linkname="d/../" * 800 + "t")]
    first = layer_tar([E(f"s{n}", b"end"), E(f"l{n}", type="dir"), E("d", type="dir"), *short, *long, *deep, *usr])
    second = layer_tar([E(f"l0/f{i}", b"") for i in range(20_000)] + [E(f"p/g{i}", b"") for i in range(20_000)])
    write_oci_layout(tmp_path / "img", [first, second])
    with open_image(str(tmp_path / "img")) as img:
        fs = squash(img, lambda p: True)
    assert fs.read("s1") == b"end"  # 40 hops: the limit
    assert fs.read("s0") is None  # 41 hops
    assert fs.realpath("l39") == f"l{n}"  # 2 hops of 1,600 components
    assert fs.realpath("l1") is None  # 40 such hops: over the step budget long before
    assert fs.realpath("x") is None  # would be 'z' after 2000 more hops
    # unresolvable, l0 is replaced by a directory for the members below it (as before)
    assert fs.get("l0/f19999") is not None and fs.get("l0").type == "dir"  # type: ignore[union-attr]
    assert fs.get("t/g19999") is not None and fs.realpath("p/g0") == "t/g0"  # through the link


def test_hard_link_cycle_terminates(tmp_path: Path) -> None:
    """x, a -> x, then x -> a (x is still one inode with a), then y -> x: walking the chain of
    links from y looped forever (x had been recorded as a link to itself)."""
    layer = layer_tar(
        [
            E("x", b"data"),
            E("a", type="hardlink", linkname="x"),
            E("x", type="hardlink", linkname="a"),
            E("y", type="hardlink", linkname="x"),
        ]
    )
    write_docker_archive(tmp_path / "a.tar", [layer])
    with open_image(str(tmp_path / "a.tar")) as img:
        fs = squash(img, lambda p: True)
    assert fs.read("x") == fs.read("a") == fs.read("y") == b"data"


def test_deeply_nested_manifest_json(tmp_path: Path) -> None:
    """manifest.json of 100,000 nested arrays: 'internal error: RecursionError' before."""
    write_docker_archive(tmp_path / "a.tar", [OK])
    with tarfile.open(tmp_path / "a.tar", "a") as tf:  # a later member of the same name wins
        raw = b"[" * 100_000 + b"]" * 100_000
        ti = tarfile.TarInfo("manifest.json")
        ti.size = len(raw)
        import io

        tf.addfile(ti, io.BytesIO(raw))
    with pytest.raises(SourceError, match=r"manifest\.json is not valid JSON \(maximum recursion depth"):
        open_image(str(tmp_path / "a.tar"))


def _archive_behind(tmp_path: Path, fmt: int, names: list[str]) -> None:
    """b.tar.gz: empty members named ``names`` (in tar format ``fmt``), then every member of a
    valid docker-save archive a.tar, gzipped: a hostile outer archive around a good image."""
    write_docker_archive(tmp_path / "a.tar", [OK])
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for name in names:
            tf.addfile(tarfile.TarInfo(name), io.BytesIO(b""))
        with tarfile.open(tmp_path / "a.tar") as src:
            for m in src.getmembers():
                tf.addfile(m, src.extractfile(m))
    (tmp_path / "b.tar.gz").write_bytes(gzip.compress(buf.getvalue(), 1))


@pytest.mark.parametrize("kind", ["pax", "gnu"])
def test_huge_extension_header_in_the_outer_archive(tmp_path: Path, kind: str) -> None:
    """tarfile reads a PAX header / GNU long name whole: a 300 kB tar.gz holding a 300 MB PAX
    header took about 1 GB of memory. Refused above 1 MiB, before it is read."""
    fmt = tarfile.PAX_FORMAT if kind == "pax" else tarfile.GNU_FORMAT
    _archive_behind(tmp_path, fmt, ["x" * (8 * 1024 * 1024)])
    tracemalloc.start()
    try:
        with pytest.raises(SourceError, match=r"b\.tar\.gz: tar extension header of \d+ bytes \(limit 1048576\)"):
            open_image(str(tmp_path / "b.tar.gz"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, peak


@pytest.mark.parametrize("marker", ["opaque", "whiteout", "nested"])
def test_repeated_whiteout_markers_cost_linear_time(tmp_path: Path, marker: str) -> None:
    """Each opaque marker (or whiteout) walked the whole subtree it applies to, including what
    the same layer had just added: 20,000 files then 20,000 markers on their directory (a 100 kB
    gzipped layer) ran for minutes (10,000 here: tens of seconds before, a fraction after).
    Markers applied again below a directory this layer already cleared have nothing left to
    remove. The squash result is the same as before."""
    n = 10_000
    lower = layer_tar([E("d/old", b"lower"), E("d/sub/old", b"lower"), E("keep", b"k")])
    chain = "/".join(f"c{i}" for i in range(200))
    dirs = [E("d", type="dir"), E("d/sub", type="dir")]
    if marker == "nested":  # a marker on each directory of a chain, top-down, above n files
        prefixes = ["/".join(chain.split("/")[:k]) for k in range(1, 201)]
        dirs += [E(f"d/sub/{p}", type="dir") for p in prefixes]
        files = [E(f"d/sub/{chain}/f{i}", b"") for i in range(n)]
        markers = [E("d/.wh..wh..opq")] + [E(f"d/sub/{p}/.wh..wh..opq") for p in prefixes] * 50
    else:
        files = [E(f"d/sub/f{i}", b"") for i in range(n)]
        markers = [E("d/.wh..wh..opq" if marker == "opaque" else "d/.wh.sub") for _ in range(n)]
    write_oci_layout(tmp_path / "img", [lower, layer_tar([*dirs, *files, *markers])])
    with open_image(str(tmp_path / "img")) as img:
        fs = squash(img, lambda p: True)
    assert fs.get("keep") is not None and fs.get("d/sub/old") is None
    if marker == "whiteout":  # whiteouts apply to lower layers: this layer's own files stay
        assert fs.get("d/old") is not None and len(fs.listdir("d/sub")) == n
    elif marker == "opaque":
        assert fs.get("d/old") is None and len(fs.listdir("d/sub")) == n
    else:
        assert fs.get("d/old") is None and len(fs.listdir(f"d/sub/{chain}")) == n


def test_long_member_names_in_the_outer_archive_are_not_indexed(tmp_path: Path) -> None:
    """Every regular member's name was kept in the index: 500 members named with 1 MB each (a
    536 kB tar.gz) cost 500 MB. Names over PATH_MAX are not indexed (nothing refers to them)."""
    _archive_behind(tmp_path, tarfile.PAX_FORMAT, [f"{i:04d}" + "x" * 1_000_000 for i in range(20)])
    tracemalloc.start()
    try:
        with open_image(str(tmp_path / "b.tar.gz")) as img:
            assert squash(img, lambda p: True).read("etc/os-release") == b"ID=alpine\n"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak  # was 20+ MB: every name kept


def test_total_path_bytes_are_bounded(tmp_path: Path) -> None:
    """100,000 names of 4,000 characters (a 3.5 MB gzipped layer) cost 850 MB of path strings,
    and a layer may hold a million entries; the paths an image holds at once are bounded
    (Limits.max_path_bytes, 256 MiB by default; smaller here)."""
    names = [E("d" * 1000 + "/" + "x" * 2000 + str(i), b"") for i in range(1000)]
    names += [E(f"l{i}", type="symlink", linkname="t" * 4000) for i in range(10)]
    names += [E("l0", type="symlink", linkname="u"), E("l1", b"now a file"), E(".wh.l2")]
    write_oci_layout(tmp_path / "img", [OK, layer_tar(names)])
    with open_image(str(tmp_path / "img")) as img:
        fs = squash(img, lambda p: False)
    assert fs.path_bytes == sum(len(e.path) + len(e.linkname) for e in fs.entries())  # exact
    assert fs.path_bytes > 2_000_000
    msg = _squash_error(tmp_path / "img", Limits(max_path_bytes=1_000_000))
    assert "paths add up to more than 1000000 bytes" in msg and "layer 2/2" in msg
    # a gzipped archive storing the layers in reverse: the top one is read first and kept
    # aside (not yet applied); what it holds counts too
    write_docker_archive(tmp_path / "r.tar.gz", [OK, layer_tar(names)], gz=True, store_order=[1, 0])
    msg = _squash_error(tmp_path / "r.tar.gz", Limits(max_path_bytes=1_000_000))
    assert "paths add up to more than 1000000 bytes" in msg and "layer 2/2" in msg
    with open_image(str(tmp_path / "r.tar.gz")) as img:
        fs = squash(img, lambda p: False)
    assert fs.deferred_bytes == 0 and fs.path_bytes == sum(len(e.path) + len(e.linkname) for e in fs.entries())
