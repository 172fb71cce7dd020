"""Go modules compiled into binaries, from the build info the Go linker embeds.

Layout (Go's ``debug/buildinfo``): a 32-byte header at a 16-byte aligned address in the data
segment, starting with the 14-byte magic ``"\\xff Go buildinf:"``, then one byte pointer size
and one byte flags. Flag bit 2 (Go 1.18+) means *inline*: the Go version and the module info
follow the header as two uvarint-length-prefixed strings. Otherwise (Go <= 1.17) two
pointer-sized virtual addresses follow at offsets 16 and 16+ptrsize, each pointing at a Go
string header (data pointer, length) — those are translated to file offsets with the ELF
program headers (flag bit 1 = big endian). The module info is framed by 16-byte sentinels,
recognised as ``len >= 33 and mod[-17] == '\\n'``; its lines are ``path``, ``mod``, ``dep`` and
``=>`` (replacement of the line above), tab separated.

Old-format binaries are decoded for ELF only (container images are Linux); others are reported
with the Go version alone.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from seawall.inventory.packages.base import CatalogContext, Found, Reader
from seawall.inventory.packages.model import Package, PackageLocation, make_purl

MAGIC = b"\xff Go buildinf:"
_HEADER = 32
_FLAG_BIG_ENDIAN = 1
_FLAG_INLINE = 2
_ELF = b"\x7fELF"
#: ELF, PE, Mach-O (32/64, both byte orders): the only files a Go linker writes.
_EXECUTABLE_MAGICS = (_ELF, b"MZ", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")


@dataclass(frozen=True, slots=True)
class Module:
    path: str
    version: str
    sum: str = ""
    replaced_by: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class BuildInfo:
    go_version: str  # "go1.21.5"
    path: str  # main package path
    main: Module | None
    deps: tuple[Module, ...]
    settings: tuple[tuple[str, str], ...] = ()


#: module info larger than this, or listing more modules, is hostile: a real one (kubernetes,
#: ~500 modules) is under 100 kB, and 3 million ``dep`` lines (64 MB of binary, 13 MB gzipped)
#: became 13 GB of packages before these bounds
_MAX_MODINFO = 4 * 1024 * 1024
_MAX_MODULES = 20_000


class BuildInfoTooLarge(ValueError):
    """The build info is over a bound: reported as not checked, not as 'not a Go binary'."""


def _uvarint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data) and shift < 64:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7
    raise ValueError("bad uvarint")


def _inline_strings(data: bytes, pos: int) -> tuple[str, str]:
    n, pos = _uvarint(data, pos)
    if pos + n > len(data):
        raise ValueError("truncated version")
    vers = data[pos:pos + n]
    pos += n
    m, pos = _uvarint(data, pos)
    if n > _MAX_MODINFO or m > _MAX_MODINFO:
        raise BuildInfoTooLarge(f"build info larger than {_MAX_MODINFO} bytes")
    if pos + m > len(data):
        raise ValueError("truncated modinfo")
    return vers.decode("utf-8", "replace"), data[pos:pos + m].decode("utf-8", "replace")


class _ElfMap:
    """Virtual address -> file offset via PT_LOAD program headers."""

    def __init__(self, data: bytes) -> None:
        if data[:4] != _ELF or len(data) < 64:
            raise ValueError("not ELF")
        is64 = data[4] == 2
        self.end = "<" if data[5] == 1 else ">"
        e = self.end
        if is64:
            phoff, = struct.unpack_from(e + "Q", data, 0x20)
            phentsize, phnum = struct.unpack_from(e + "HH", data, 0x36)
        else:
            phoff, = struct.unpack_from(e + "I", data, 0x1C)
            phentsize, phnum = struct.unpack_from(e + "HH", data, 0x2A)
        self.segments: list[tuple[int, int, int]] = []  # vaddr, offset, filesz
        for i in range(min(phnum, 256)):
            base = phoff + i * phentsize
            if base + (56 if is64 else 32) > len(data):
                break
            if is64:
                p_type, _flags, off, vaddr, _paddr, filesz = struct.unpack_from(e + "IIQQQQ", data, base)
            else:
                p_type, off, vaddr, _paddr, filesz = struct.unpack_from(e + "IIIII", data, base)
            if p_type == 1:  # PT_LOAD
                self.segments.append((vaddr, off, filesz))

    def read(self, data: bytes, addr: int, size: int) -> bytes:
        for vaddr, off, filesz in self.segments:
            if vaddr <= addr and addr + size <= vaddr + filesz:
                start = off + (addr - vaddr)
                return data[start:start + size]
        raise ValueError(f"address {addr:#x} not in a loaded segment")


def _pointer_strings(data: bytes, hdr: int, ptr_size: int, big: bool) -> tuple[str, str]:
    elf = _ElfMap(data)
    fmt = (">" if big else "<") + ("Q" if ptr_size == 8 else "I")

    def read_ptr(b: bytes) -> int:
        return int(struct.unpack_from(fmt, b, 0)[0])

    def read_string(addr: int) -> str:
        hdr_bytes = elf.read(data, addr, 2 * ptr_size)
        sptr, slen = read_ptr(hdr_bytes), read_ptr(hdr_bytes[ptr_size:])
        if slen > _MAX_MODINFO:
            raise BuildInfoTooLarge(f"build info larger than {_MAX_MODINFO} bytes")
        return elf.read(data, sptr, slen).decode("utf-8", "replace")

    vers_addr = read_ptr(data[hdr + 16:hdr + 16 + ptr_size])
    mod_addr = read_ptr(data[hdr + 16 + ptr_size:hdr + 16 + 2 * ptr_size])
    return read_string(vers_addr), read_string(mod_addr)


def find_header(data: bytes) -> int:
    """File offset of the build info header, or -1."""
    pos = data.find(MAGIC)
    while pos >= 0:
        if pos + _HEADER <= len(data) and data[pos + 14] in (4, 8):
            return pos
        pos = data.find(MAGIC, pos + 1)
    return -1


def parse_modinfo(mod: str) -> tuple[str, Module | None, list[Module], list[tuple[str, str]]]:
    path = ""
    main: Module | None = None
    deps: list[Module] = []
    settings: list[tuple[str, str]] = []
    for line in mod.splitlines():
        f = line.split("\t")
        if f[0] == "path" and len(f) >= 2:
            path = f[1]
        elif f[0] == "mod" and len(f) >= 3:
            main = Module(f[1], f[2], f[3] if len(f) > 3 else "")
        elif f[0] == "dep" and len(f) >= 3:
            if len(deps) >= _MAX_MODULES:
                raise BuildInfoTooLarge(f"build info lists more than {_MAX_MODULES} modules")
            deps.append(Module(f[1], f[2], f[3] if len(f) > 3 else ""))
        elif f[0] == "=>" and len(f) >= 2:
            repl = (f[1], f[2] if len(f) > 2 else "")
            if deps:
                d = deps[-1]
                deps[-1] = Module(d.path, d.version, d.sum, repl)
            elif main is not None:
                main = Module(main.path, main.version, main.sum, repl)
        elif f[0] == "build" and len(f) >= 2 and "=" in f[1]:
            k, _, v = f[1].partition("=")
            settings.append((k, v))
    return path, main, deps, settings


def read_buildinfo(data: bytes) -> BuildInfo | None:
    """Decode the build info of a Go binary given as bytes (None: not a Go binary / unreadable;
    :class:`BuildInfoTooLarge` when it is over the bounds)."""
    hdr = find_header(data)
    if hdr < 0:
        return None
    ptr_size, flags = data[hdr + 14], data[hdr + 15]
    try:
        if flags & _FLAG_INLINE:
            vers, mod = _inline_strings(data, hdr + _HEADER)
        else:
            vers, mod = _pointer_strings(data, hdr, ptr_size, bool(flags & _FLAG_BIG_ENDIAN))
    except BuildInfoTooLarge:
        raise
    except (ValueError, struct.error):
        return None
    mod = mod[16:-16] if len(mod) >= 33 and mod[-17] == "\n" else ""
    path, main, deps, settings = parse_modinfo(mod)
    return BuildInfo(vers, path, main, tuple(deps), tuple(settings))


def go_version_semver(v: str) -> str:
    """``go1.21.5`` -> ``v1.21.5`` (``go1.21`` -> ``v1.21.0``), as the Go vulnerability database
    names standard library versions; "" when it is not a release version."""
    m = re.match(r"go(\d+)\.(\d+)(?:\.(\d+))?", v)
    if not m:
        return ""
    return f"v{m.group(1)}.{m.group(2)}.{m.group(3) or 0}"


_PEEK = 16 * 1024


def looks_like_go(head: bytes) -> bool:
    """A cheap pre-filter on an executable's first 16 KiB, so only Go binaries are read whole.

    The Go linker writes a ``.note.go.buildid`` note (owner ``Go\\0\\0``) right after the
    program headers of every ELF it links (internally or externally); PE and Mach-O binaries
    carry the ``Go build ID:`` text early in their text section.
    """
    if not head.startswith(_EXECUTABLE_MAGICS):
        return False
    if head.startswith(_ELF) and _find_go_note_name(head, 8192):
        return True
    return b"Go build ID:" in head or MAGIC in head


def _find_go_note_name(head: bytes, end: int) -> bool:
    """``b"Go\\0\\0" in head[:end]``, found as "Go" then two NULs: ELF headers are full of NULs,
    which makes a search for a NUL-ended needle crawl; "Go" itself is rare there."""
    i = head.find(b"Go", 0, end)
    while i >= 0:
        if i + 4 <= end and head[i + 2 : i + 4] == b"\x00\x00":
            return True
        i = head.find(b"Go", i + 1, end)
    return False


class GoCataloger:
    name = "go"
    is_os = False
    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    executables = True
    #: Binaries larger than this are not read (a build info lives in every Go binary, but a
    #: 256 MiB+ executable is almost never Go and reading it would dominate the scan).
    max_binary = 256 * 1024 * 1024

    def wants(self, path: str, size: int, mode: int) -> bool:
        return bool(mode & 0o111) and 1024 <= size <= self.max_binary

    def parse(self, path: str, reader: Reader) -> Any:
        head = reader.read(_PEEK)
        if not looks_like_go(head):
            return None
        data = head + reader.read(self.max_binary - len(head))
        try:
            return read_buildinfo(data)
        except BuildInfoTooLarge as err:
            return str(err)  # the reason it is not checked

    def packages(self, found: list[Found], ctx: CatalogContext) -> Iterable[Package]:
        for f in found:
            if isinstance(f.result, str):
                ctx.skip(f.path, f"Go binary not read: {f.result}", f.layer)
                continue
            yield from self.binary_packages(f.result, f.path, f.layer)

    def binary_packages(self, info: BuildInfo, path: str, layer: str) -> Iterable[Package]:
        loc = (PackageLocation(path, layer),)
        if info.main is not None and info.main.path:
            yield self._pkg(info.main, loc, "application")
        for dep in info.deps:
            yield self._pkg(dep, loc, "library")
        std = go_version_semver(info.go_version)
        if std:
            yield Package(
                name="stdlib", version=std, ecosystem="Go", purl=make_purl("golang", "stdlib", std),
                cataloger=self.name, locations=loc, metadata=(("go_version", info.go_version),),
            )

    def _pkg(self, m: Module, loc: tuple[PackageLocation, ...], kind: str) -> Package:
        name, version = m.path, m.version
        meta: list[tuple[str, str]] = []
        if m.replaced_by is not None:
            rpath, rver = m.replaced_by
            meta.append(("replaced_by", f"{rpath} {rver}".strip()))
            if rver and not rpath.startswith((".", "/")):
                name, version = rpath, rver
        if m.sum:
            meta.append(("h1", m.sum))
        ns, _, short = name.rpartition("/")
        return Package(
            name=name,
            version=version,
            ecosystem="Go",
            purl=make_purl("golang", short, "" if version == "(devel)" else version, namespace=ns or None),
            cataloger=self.name,
            locations=loc,
            kind=kind,
            metadata=tuple(meta),
        )
