"""The streaming tar reader agrees with tarfile on every header format layers use."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest
import zstandard

from seawall.errors import SourceError
from seawall.sources.image.layers import LayerStream, sniff_compression
from seawall.sources.image.model import Descriptor, LayerSpec, Limits
from seawall.sources.image.tarstream import TarReader
from support.images import sha256


def _tar(fmt: int, members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for ti, data in members:
            tf.addfile(ti, io.BytesIO(data) if ti.isreg() else None)
    return buf.getvalue()


def _ti(name: str, type_: bytes = tarfile.REGTYPE, size: int = 0, **kw: object) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.type, ti.size = type_, size
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti


LONG = "usr/lib/python3.11/site-packages/" + "very-long-directory-name/" * 8 + "module_with_a_long_name.py"


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_formats_match_tarfile(fmt: int) -> None:
    members = [
        (_ti("etc/", tarfile.DIRTYPE, mode=0o755), b""),
        (_ti("etc/passwd", size=5, mode=0o644, uid=0, gid=0, mtime=1_700_000_000), b"root\n"),
        (_ti("usr/bin/sudo", size=3, mode=0o4755), b"elf"),
        (_ti("usr/bin/sh", tarfile.SYMTYPE, linkname="dash"), b""),
        (_ti("usr/bin/sh2", tarfile.LNKTYPE, linkname="usr/bin/sudo"), b""),
        (_ti("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3), b""),
    ]
    if fmt != tarfile.USTAR_FORMAT:
        members += [
            (_ti(LONG, size=4), b"long"),
            (_ti("big-uid", size=1, uid=2**31, gid=2**30), b"x"),
            (_ti("link-long", tarfile.SYMTYPE, linkname="../" + LONG), b""),
        ]
    else:  # ustar splits long names into prefix + name
        members.append((_ti("a" * 90 + "/" + "b" * 90, size=2), b"ok"))
    raw = _tar(fmt, members)
    want = []
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
        for m in tf.getmembers():
            data = tf.extractfile(m).read() if m.isreg() else b""  # type: ignore[union-attr]
            want.append((m.name, m.size if m.isreg() else 0, m.mode, m.uid, m.gid, m.linkname, data))
    got = []
    r = TarReader(io.BytesIO(raw), "t")
    for m in r:
        got.append(
            (m.name.rstrip("/"), m.size, m.mode, m.uid, m.gid, m.linkname, r.read() if m.type == "file" else b"")
        )
    assert got == want


def test_partial_reads_and_skips_across_buffer_boundaries() -> None:
    big = bytes(range(256)) * 8192  # 2 MiB, spans buffer refills
    raw = _tar(tarfile.PAX_FORMAT, [(_ti("a", size=len(big)), big), (_ti("b", size=3), b"end")])
    r = TarReader(io.BytesIO(raw), "t")
    it = iter(r)
    assert next(it).name == "a"
    assert r.read(10) == big[:10]  # the rest of "a" is skipped on the next header
    m = next(it)
    assert (m.name, r.read()) == ("b", b"end")
    assert next(it, None) is None


@pytest.mark.parametrize(
    ("raw", "msg"),
    [
        (b"", "empty"),
        (b"garbage!" * 200, "not a tar archive"),
        (_tar(tarfile.PAX_FORMAT, [(_ti("f", size=5000), b"x" * 5000)])[:2048], "truncated"),
    ],
)
def test_bad_tars(raw: bytes, msg: str) -> None:
    with pytest.raises(SourceError, match=msg):
        r = TarReader(io.BytesIO(raw), "layer")
        for _ in r:
            r.read()


def test_corrupt_second_header() -> None:
    raw = bytearray(_tar(tarfile.USTAR_FORMAT, [(_ti("a", size=1), b"1"), (_ti("b", size=1), b"2")]))
    raw[1024 + 10] ^= 0x55  # inside the second header's name
    with pytest.raises(SourceError, match="bad checksum"):
        list(TarReader(io.BytesIO(bytes(raw)), "layer"))


def test_missing_final_padding_is_tolerated() -> None:
    # umoci 0.4 `insert` ends some layers right after the last file's data
    raw = _tar(tarfile.USTAR_FORMAT, [(_ti("a", size=3), b"abc")])
    cut = raw[: 512 + 3]
    r = TarReader(io.BytesIO(cut), "layer")
    assert [(m.name, r.read()) for m in r] == [("a", b"abc")]


def _stream(blob: bytes, plain: bytes, limits: Limits | None = None) -> LayerStream:
    spec = LayerSpec(Descriptor("application/vnd.oci.image.layer.v1.tar", sha256(blob), len(blob)), True, sha256(plain))
    return LayerStream(io.BytesIO(blob), spec, subject="img layer 1/1", limits=limits or Limits())


@pytest.mark.parametrize("how", ["gzip-multi", "zstd-multi", "plain"])
def test_decompression_sniffed_and_multi_member(how: str) -> None:
    plain = b"A" * 300_000 + b"B" * 300_000
    if how == "gzip-multi":
        blob = gzip.compress(plain[:300_000]) + gzip.compress(plain[300_000:])
    elif how == "zstd-multi":
        c = zstandard.ZstdCompressor()
        blob = c.compress(plain[:300_000]) + c.compress(plain[300_000:])
    else:
        blob = plain
    s = _stream(blob, plain)
    out = b"".join(iter(lambda: s.read(65536), b""))
    assert out == plain
    assert s.compression == how.split("-")[0]


def test_truncated_zstd_and_trailing_garbage() -> None:
    plain = bytes(range(256)) * 4000
    blob = zstandard.ZstdCompressor().compress(plain)
    cut = blob[: len(blob) // 2]
    # the manifest describes the cut blob exactly and there is no diff_id: the frame walk notices
    s = LayerStream(io.BytesIO(cut), LayerSpec(Descriptor("x", sha256(cut), len(cut))), subject="img layer 1/1")
    with pytest.raises(SourceError, match="zstd stream ends inside a frame"):
        s.drain()
    blob = gzip.compress(plain) + b"TRAILING GARBAGE"
    with pytest.raises(SourceError, match="garbage after the end of the gzip stream"):
        _stream(blob, plain).drain()


def test_sniff() -> None:
    assert sniff_compression(b"\x1f\x8b\x08") == "gzip"
    assert sniff_compression(b"\x28\xb5\x2f\xfd") == "zstd"
    assert sniff_compression(b"\xfd7zXZ\x00") == "xz"
    assert sniff_compression(b"etc/") == "plain"


@pytest.mark.parametrize("long_fields", [False, True])
def test_header_checksum_exact_for_sparse_and_dense_headers(long_fields: bool) -> None:
    """Headers with few non-zero bytes are summed through Adler-32, dense ones byte by byte:
    both accept a valid header and refuse the same header with one byte changed."""
    if long_fields:  # ustar prefix + name + link name: over 256 non-zero header bytes
        name, link = "p" * 150 + "/" + "n" * 99, "l" * 100
    else:
        name, link = "etc/passwd-link", "passwd"
    raw = _tar(tarfile.USTAR_FORMAT, [(_ti(name, tarfile.SYMTYPE, linkname=link), b"")])
    nonzero = 512 - raw[:512].count(0)
    assert (nonzero > 256) == long_fields
    assert [(m.name, m.linkname) for m in TarReader(io.BytesIO(raw), "t")] == [(name, link)]
    bad = bytearray(raw)
    bad[300] ^= 0x01  # inside the magic/uname area, covered by the checksum
    with pytest.raises(SourceError, match="bad header checksum"):
        list(TarReader(io.BytesIO(bytes(bad)), "t"))


def _with_field(raw: bytes, start: int, value: bytes) -> bytes:
    """The first header of ``raw`` with bytes ``start:start+len(value)`` replaced, re-checksummed."""
    hdr = bytearray(raw[:512])
    hdr[start : start + len(value)] = value
    hdr[148:156] = b" " * 8
    hdr[148:156] = b"%06o\0 " % sum(hdr)
    return bytes(hdr) + raw[512:]


@pytest.mark.parametrize(
    ("mode_field", "expect"),
    [
        (b"0000644\0", 0o644),  # NUL-terminated: the fast path
        (b"000644 \0", 0o644),  # V7: space then NUL
        (b"   644 \0", 0o644),  # leading spaces
        (b"0000644 ", 0o644),  # space-terminated
        (b"644\0\0\0\0\0", 0o644),  # short, NUL-padded
        (b"\0" * 8, 0),  # blank
        (b"\x80\0\0\0\0\0\x01\xa4", 0o644),  # GNU base-256
        (b"0000644\x01", None),  # a control byte is not a terminator
        (b"00006x4\0", None),
    ],
)
def test_numeric_fields_read_as_tar_defines_them(mode_field: bytes, expect: int | None) -> None:
    raw = _with_field(_tar(tarfile.USTAR_FORMAT, [(_ti("f", size=2, mode=0o600), b"ok")]), 100, mode_field)
    if expect is None:
        with pytest.raises(SourceError, match="bad mode field"):
            list(TarReader(io.BytesIO(raw), "t"))
        return
    assert [(m.name, m.mode) for m in TarReader(io.BytesIO(raw), "t")] == [("f", expect)]
