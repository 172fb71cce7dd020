"""Go build info: a real binary built here with modules (compared with ``go version -m``), a Go
binary from a Debian package, and the pre-1.18 pointer format written from Go's documented
layout (no Go toolchain here produces it)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from seawall.inventory.imagefs import DirFS
from seawall.inventory.packages.catalog import catalog_fs
from seawall.inventory.packages.golang import MAGIC, read_buildinfo

GO = shutil.which("go")

MAIN_GO = """package main

import (
\t"fmt"
\t"example.com/dep"
)

func main() { fmt.Println(dep.Hello()) }
"""


def _go_mod_lines(binary: Path) -> list[list[str]]:
    out = subprocess.run([GO or "go", "version", "-m", str(binary)], check=True, capture_output=True, text=True).stdout
    return [line.strip().split("\t") for line in out.splitlines()[1:]]


@pytest.fixture(scope="module")
def go_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if GO is None:
        pytest.skip("needs Debian's golang-go (installed by .ci/run)")
    work = tmp_path_factory.mktemp("gobuild")
    (work / "dep").mkdir()
    (work / "dep/go.mod").write_text("module example.com/dep\n\ngo 1.19\n")
    (work / "dep/dep.go").write_text('package dep\n\nfunc Hello() string { return "hi" }\n')
    (work / "app").mkdir()
    (work / "app/go.mod").write_text(
        "module example.com/app\n\ngo 1.19\n\nrequire example.com/dep v1.2.3\n\nreplace example.com/dep => ../dep\n"
    )
    (work / "app/main.go").write_text(MAIN_GO)
    env = {
        **os.environ,
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "GOPATH": str(work / "gopath"),
        "GOCACHE": str(work / "cache"),
        "CGO_ENABLED": "0",
    }
    out = work / "root/usr/local/bin/app"
    out.parent.mkdir(parents=True)
    subprocess.run([GO, "build", "-o", str(out), "."], cwd=work / "app", env=env, check=True, capture_output=True)
    return out


def test_real_go_binary_matches_go_version_m(go_binary: Path) -> None:
    lines = _go_mod_lines(go_binary)
    info = read_buildinfo(go_binary.read_bytes())
    assert info is not None
    assert info.path == next(f[1] for f in lines if f[0] == "path")
    mod = next(f for f in lines if f[0] == "mod")
    assert info.main is not None and (info.main.path, info.main.version) == (mod[1], mod[2])
    deps = [(f[1], f[2]) for f in lines if f[0] == "dep"]
    assert [(d.path, d.version) for d in info.deps] == deps == [("example.com/dep", "v1.2.3")]
    repl = next(f for f in lines if f[0] == "=>")
    assert info.deps[0].replaced_by == (repl[1], repl[2]) == ("../dep", "(devel)")
    assert info.go_version.startswith("go1.")

    result = catalog_fs(DirFS(go_binary.parents[3]))
    pk = {p.name: p for p in result.packages}
    assert pk["example.com/dep"].purl == "pkg:golang/example.com/dep@v1.2.3"
    assert pk["example.com/app"].kind == "application"
    assert pk["stdlib"].version == "v" + info.go_version[2:] + (".0" if info.go_version.count(".") == 1 else "")


@pytest.mark.skipif(not Path("/usr/bin/umoci").is_file(), reason="needs Debian's umoci (installed by .ci/run)")
def test_debian_built_go_binary() -> None:
    """Debian builds Go programs in GOPATH mode: a path and a Go version, no module list."""
    info = read_buildinfo(Path("/usr/bin/umoci").read_bytes())
    assert info is not None and info.path.endswith("/cmd/umoci") and info.deps == ()
    if GO:
        assert [f for f in _go_mod_lines(Path("/usr/bin/umoci")) if f[0] == "dep"] == []


def _old_format_elf(modinfo: str, version: str = "go1.16.15", big_endian: bool = False) -> bytes:
    """An ELF64 with one PT_LOAD segment holding a Go <=1.17 build info: a 32-byte header whose
    two pointers lead to Go string headers (data pointer, length) for the version and modinfo."""
    e = ">" if big_endian else "<"
    base = 0x400000
    start = 0x200
    body = bytearray(0x1000)
    sentinel_start = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6"
    sentinel_end = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2"
    mod = sentinel_start + modinfo.encode() + sentinel_end
    vers_data, mod_data = start + 0x100, start + 0x200
    vers_hdr, mod_hdr = start + 0x40, start + 0x50
    body[vers_data : vers_data + len(version)] = version.encode()
    body[mod_data : mod_data + len(mod)] = mod
    struct.pack_into(e + "QQ", body, vers_hdr, base + vers_data, len(version))
    struct.pack_into(e + "QQ", body, mod_hdr, base + mod_data, len(mod))
    hdr = MAGIC + bytes([8, 1 if big_endian else 0]) + struct.pack(e + "QQ", base + vers_hdr, base + mod_hdr)
    body[start : start + len(hdr)] = hdr
    ident = b"\x7fELF" + bytes([2, 2 if big_endian else 1, 1]) + b"\0" * 9
    ehdr = ident + struct.pack(e + "HHIQQQIHHHHHH", 2, 62, 1, base, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    phdr = struct.pack(e + "IIQQQQQQ", 1, 5, 0, base, base, len(body), len(body), 0x1000)
    body[0:64] = ehdr
    body[64 : 64 + 56] = phdr
    return bytes(body)


MODINFO = (
    "path\tgithub.com/example/tool\n"
    "mod\tgithub.com/example/tool\tv0.3.0\th1:abc=\n"
    "dep\tgolang.org/x/text\tv0.3.6\th1:def=\n"
    "dep\tgithub.com/old/lib\tv1.0.0\th1:ghi=\n"
    "=>\tgithub.com/fork/lib\tv1.0.1\th1:jkl=\n"
)


@pytest.mark.parametrize("big_endian", [False, True])
def test_old_pointer_format(big_endian: bool) -> None:
    info = read_buildinfo(_old_format_elf(MODINFO, big_endian=big_endian))
    assert info is not None
    assert info.go_version == "go1.16.15" and info.path == "github.com/example/tool"
    assert [(d.path, d.version, d.replaced_by) for d in info.deps] == [
        ("golang.org/x/text", "v0.3.6", None),
        ("github.com/old/lib", "v1.0.0", ("github.com/fork/lib", "v1.0.1")),
    ]


def test_old_format_in_an_image(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    binary = tmp_path / "bin/tool"
    # the Go build-id note lets the cheap pre-filter pick the file
    data = bytearray(_old_format_elf(MODINFO))
    data[0x100:0x10C] = b"Go\x00\x00\x04\x00\x00\x00ab\x00\x00"
    binary.write_bytes(bytes(data))
    binary.chmod(0o755)
    pk = {p.name: p.version for p in catalog_fs(DirFS(tmp_path)).packages}
    assert pk == {
        "github.com/example/tool": "v0.3.0",
        "golang.org/x/text": "v0.3.6",
        "github.com/fork/lib": "v1.0.1",
        "stdlib": "v1.16.15",
    }


@pytest.mark.parametrize(
    "blob",
    [
        b"\x7fELF" + b"\0" * 100 + MAGIC + b"\x08\x02" + b"\0" * 16 + b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
        b"\x7fELF" + b"\0" * 100 + MAGIC + b"\x08\x00" + b"\xff" * 16,
        MAGIC + b"\x03\x02" + b"\0" * 40,
        b"no magic here",
    ],
)
def test_hostile_build_info(blob: bytes) -> None:
    assert read_buildinfo(blob) is None


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


@pytest.mark.parametrize(("deps", "reason"), [(25_000, "more than 20000 modules"), (300_000, "larger than")])
def test_build_info_with_too_many_modules_is_not_checked(tmp_path: Path, deps: int, reason: str) -> None:
    """3 million 'dep' lines (64 MB of binary, 13 MB gzipped in a layer) became 13 GB of
    packages and minutes of work; a build info over the bounds is 'not checked' instead."""
    lines = b"".join(b"dep\tm%d\tv1.0.%d\n" % (i % 100, i) for i in range(deps))
    mod = b"0" * 16 + b"path\tx\nmod\tx\t(devel)\n" + lines + b"\n" + b"0" * 15
    data = b"\x7fELF" + b"\0" * 60 + MAGIC + b"\x08\x02" + b"\0" * 16 + _uvarint(8) + b"go1.21.5"
    data += _uvarint(len(mod)) + mod
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin/app").write_bytes(data)
    (tmp_path / "bin/app").chmod(0o755)
    result = catalog_fs(DirFS(tmp_path))
    assert result.packages == []
    assert [n.subject for n in result.not_checked] == ["bin/app"] and reason in result.not_checked[0].reason


def test_go_note_name_search_matches_a_plain_find() -> None:
    import random

    from seawall.inventory.packages.golang import _find_go_note_name

    rng = random.Random(7)
    alphabet = [b"\x00", b"G", b"o", b"\x04", b"x"]
    cases = [b"Go\x00\x00", b"xGo\x00", b"GoGo\x00\x00", b"G" * 10 + b"o\x00\x00"]
    cases += [b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    for data in cases:
        for end in (len(data), max(len(data) - 1, 0), len(data) // 2):
            assert _find_go_note_name(data, end) == (data.find(b"Go\x00\x00", 0, end) >= 0), (data, end)
