"""Run every cataloger over an image in one streaming pass (or over an unpacked directory).

:class:`Collector` is the ``on_layer_file`` callback given to
:func:`seawall.inventory.imagefs.squash`: each regular file of each layer is offered to the
catalogers, parsed on the spot, and only the parsed result is kept, keyed by path and layer.
After the walk, :meth:`Collector.finish` keeps the results whose file survived (same path, same
layer in the squashed view: a file deleted by a whiteout or replaced later is gone), runs the OS
catalogers first so their file lists are known, then drops language packages whose metadata file
is owned by an OS package (a Debian ``python3-yaml`` is one package, not two).

Extra hooks (the secrets scanner) can share the same pass: when any is registered each file's
content is read once and handed to both.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seawall.inventory.osrelease import OS_FILES, OSRelease, detect_os
from seawall.inventory.packages.apk import ApkCataloger
from seawall.inventory.packages.base import CatalogContext, Cataloger, Found, Reader
from seawall.inventory.packages.dpkg import DpkgCataloger
from seawall.inventory.packages.golang import GoCataloger
from seawall.inventory.packages.java import JavaCataloger
from seawall.inventory.packages.model import NotChecked, Package
from seawall.inventory.packages.npm import NpmCataloger
from seawall.inventory.packages.python import PythonCataloger
from seawall.inventory.packages.rpm import RpmCataloger
from seawall.inventory.packages.ruby import RubyCataloger

if TYPE_CHECKING:  # pragma: no cover
    from seawall.inventory.imagefs import FileEntry, ImageFS, LayerFile

CATALOGERS: tuple[Cataloger, ...] = (
    DpkgCataloger(),
    ApkCataloger(),
    RpmCataloger(),
    PythonCataloger(),
    NpmCataloger(),
    GoCataloger(),
    JavaCataloger(),
    RubyCataloger(),
)

#: Bytes of one file handed to extra hooks (and to catalogers when hooks share the read).
SHARED_READ_LIMIT = 64 * 1024 * 1024

_OS_FILES = frozenset(OS_FILES)
#: Packages one image may list: each costs kilobytes through the SBOM and vulnerability matching,
#: and a million tiny metadata files (a few MB of gzipped layer) would cost gigabytes. The rest
#: is reported as not checked, never silently dropped.
MAX_PACKAGES = 200_000


@dataclass(slots=True)
class CatalogResult:
    os: OSRelease | None
    packages: list[Package]
    not_checked: list[NotChecked] = field(default_factory=list)
    owned_dropped: int = 0  # language packages dropped because an OS package owns their files


def wants_capture(path: str) -> bool:
    """The ``wants`` for :func:`squash`: only the OS identification files are kept whole."""
    return path in _OS_FILES


class Collector:
    """Streaming side of the catalogers (see the module docstring)."""

    def __init__(
        self,
        catalogers: Sequence[Cataloger] = CATALOGERS,
        hooks: Sequence[Callable[[LayerFile], None]] = (),
    ) -> None:
        self.catalogers = tuple(catalogers)
        self.hooks = tuple(hooks)
        #: (cataloger index, path) -> (layer index, layer digest, parse result)
        self._results: dict[tuple[int, str], tuple[int, str, Any]] = {}
        self.errors: list[NotChecked] = []
        self._names = frozenset().union(*(c.names for c in self.catalogers))
        self._suffixes = tuple(s for c in self.catalogers for s in c.suffixes)
        self._prefixes = tuple(p for c in self.catalogers for p in c.prefixes)
        self._executables = any(c.executables for c in self.catalogers)

    def _maybe(self, e: FileEntry) -> bool:
        """The catalogers' hints: true for the few files some cataloger may want."""
        path = e.path
        base = path[path.rfind("/") + 1:]
        return (
            base in self._names
            or base.endswith(self._suffixes)
            or path.startswith(self._prefixes)
            or (self._executables and bool(e.mode & 0o111) and e.size >= 1024)
        )

    def on_layer_file(self, lf: LayerFile) -> None:
        e = lf.entry
        if not self._maybe(e):
            if not self.hooks:
                return
            interested = []
        else:
            interested = [i for i, c in enumerate(self.catalogers) if c.wants(e.path, e.size, e.mode)]
        if not interested and not self.hooks:
            return
        if self.hooks or len(interested) > 1:
            from seawall.inventory.imagefs import LayerFile as _LF

            data = lf.read(SHARED_READ_LIMIT)
            for hook in self.hooks:
                hook(_LF(e, None, data, len(data)))
            for i in interested:
                self._parse(i, e, io.BytesIO(data))
        elif interested:
            self._parse(interested[0], e, lf)

    def offer(self, entry: FileEntry, reader_factory: Callable[[], Reader]) -> None:
        """Directory trees: offer one file, read lazily only if a cataloger wants it."""
        if not self._maybe(entry):
            return
        for i, c in enumerate(self.catalogers):
            if c.wants(entry.path, entry.size, entry.mode):
                self._parse(i, entry, reader_factory())

    def _parse(self, index: int, e: FileEntry, reader: Reader) -> None:
        cat = self.catalogers[index]
        try:
            result = cat.parse(e.path, reader)
        except Exception as err:  # hostile content must cost one file, never the scan
            why = f"{cat.name} cataloger failed: {type(err).__name__}: {err}"
            self.errors.append(NotChecked(e.path, why, e.layer_digest))
            return
        key = (index, e.path)
        if result is None:
            self._results.pop(key, None)
        else:
            self._results[key] = (e.layer_index, e.layer_digest, result)

    def finish(self, fs: ImageFS, max_file_bytes: int = 256 * 1024 * 1024) -> CatalogResult:
        ctx = CatalogContext(os=detect_os(lambda p, n: fs.read(p, n)), max_file_bytes=max_file_bytes)
        ctx.not_checked.extend(self.errors)
        found: dict[int, list[Found]] = {}
        for (index, path), (layer_index, digest, result) in sorted(self._results.items()):
            entry = fs.get(path)
            if entry is None or entry.type != "file" or entry.layer_index != layer_index:
                continue
            found.setdefault(index, []).append(Found(path, digest, result))
        packages: list[Package] = []
        order = sorted(range(len(self.catalogers)), key=lambda i: not self.catalogers[i].is_os)
        dropped = 0
        full = False
        for i in order:
            cat = self.catalogers[i]
            items = found.get(i, [])
            if not items or full:
                continue
            try:
                for pkg in cat.packages(items, ctx):
                    if not cat.is_os and _owned(pkg, ctx.owned):
                        dropped += 1
                        continue
                    if len(packages) >= MAX_PACKAGES:
                        full = True
                        where = pkg.locations[0].path if pkg.locations else cat.name
                        ctx.skip(where, f"the image lists more than {MAX_PACKAGES} packages; the rest are not listed")
                        break
                    packages.append(pkg)
            except Exception as err:  # hostile content must cost one cataloger's packages, not the run
                ctx.skip(items[0].path, f"{cat.name} cataloger failed: {type(err).__name__}: {err}", items[0].layer)
        return CatalogResult(ctx.os, _dedupe(packages), ctx.not_checked, dropped)


def _owned(pkg: Package, owned: set[str]) -> bool:
    if not owned or not pkg.locations:
        return False
    path = pkg.locations[0].path.split("!/", 1)[0]
    parent = path.rsplit("/", 1)[0]
    return any(p in owned or (p.startswith("usr/") and p[4:] in owned) for p in (path, parent))


def _dedupe(packages: Iterable[Package]) -> list[Package]:
    seen: set[tuple[str, str, str, str]] = set()
    out: list[Package] = []
    for p in packages:
        if p.key in seen:
            continue
        seen.add(p.key)
        out.append(p)
    return out


class _LazyFileReader:
    """Sequential reads of a directory-tree file through :meth:`ImageFS.read` (which has no
    offset): each read fetches only up to where it ends, so a 16 KiB peek at a big executable
    does not read the whole file."""

    def __init__(self, fs: ImageFS, path: str, limit: int) -> None:
        self._fs, self._path, self._limit = fs, path, limit
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = self._limit if size is None or size < 0 else min(self._limit, self._pos + size)
        if end <= self._pos:
            return b""
        data = (self._fs.read(self._path, end) or b"")[self._pos:]
        self._pos += len(data)
        return data


def catalog_fs(fs: ImageFS, catalogers: Sequence[Cataloger] = CATALOGERS) -> CatalogResult:
    """Catalog an unpacked root filesystem (e.g. :class:`~seawall.inventory.imagefs.DirFS`)."""
    col = Collector(catalogers)
    for e in fs.entries():
        if e.type == "file":
            col.offer(e, lambda e=e: _LazyFileReader(fs, e.path, 512 * 1024 * 1024))  # type: ignore[misc]
    return col.finish(fs)


def catalog_image(
    image: Any,
    *,
    hooks: Sequence[Callable[[LayerFile], None]] = (),
    catalogers: Sequence[Cataloger] = CATALOGERS,
) -> tuple[CatalogResult, Any]:
    """Squash ``image`` once and catalog it; returns the result and the squashed filesystem."""
    from seawall.inventory.imagefs import squash

    col = Collector(catalogers, hooks)
    # without extra hooks only files some cataloger may want are worth a LayerFile
    fs = squash(image, wants=wants_capture, on_layer_file=col.on_layer_file, max_file_bytes=1024 * 1024,
                layer_file_limit=512 * 1024 * 1024, layer_file_filter=None if hooks else col._maybe)
    return col.finish(fs), fs
