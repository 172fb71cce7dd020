"""The squashed filesystem of an image, built from tar headers in one streaming pass.

Nothing is unpacked to disk and no layer is held in memory: each layer's tar is read once (in
application order, or in storage order for a gzipped archive, replayed in application order)
and only two things are kept — the metadata of every path that survives (a
:class:`FileEntry`, so memory grows with the number of files, not their size) and the bounded
content of the few files a cataloger asked for through ``wants(path)``. Whiteouts (``.wh.name``)
and opaque directories (``.wh..wh..opq``) are applied as the OCI image spec says. Every regular
file of every layer, including files a later layer deletes, is shown to ``on_layer_file`` with a
bounded reader (the secrets scanner needs those).

The same :class:`ImageFS` interface is offered by :class:`DirFS` over an unpacked root
filesystem directory, so catalogers are written once for images and rootfs trees.

Paths are image paths: relative, '/'-separated, without a leading '/' (``etc/os-release``).
Symlinks are resolved inside the image as if chrooted: ``..`` at the root stays at the root and
absolute targets start at the image root, so no lookup can ever leave the image.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol, cast

from seawall.errors import SourceError
from seawall.sources.image.blobs import ByteStream
from seawall.sources.image.tarstream import TarReader

if TYPE_CHECKING:  # pragma: no cover
    from seawall.sources.image.model import Image

EntryType = Literal["file", "dir", "symlink", "hardlink", "other"]

#: Default cap on the captured content of one wanted file (larger files are captured partially
#: and listed in ``SquashedFS.truncated``).
DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024
_MAX_SYMLINK_HOPS = 40
#: Linux PATH_MAX: no file system path, and no symlink target, is longer. A member name or link
#: target over it cannot be unpacked by any runtime, and squashing it would cost time and memory
#: quadratic in its depth (every implied parent directory is a copy of the path's prefix).
PATH_MAX = 4096
#: path components one resolution may visit, symlink targets included (a real one visits tens)
_MAX_RESOLVE_STEPS = 4096


class FileEntry(NamedTuple):
    """One path in the (squashed) image filesystem (immutable).

    A NamedTuple rather than a frozen dataclass: the walk builds one per tar member (10k+ per
    layer) and a frozen dataclass's ``__init__`` costs about four times as much.

    ``linkname``: for a symlink its target exactly as stored (may be absolute or relative); for a
    hard link the normalised image path of the file it links to. ``layer_index`` is 0-based in
    application order (-1 for a :class:`DirFS`), ``layer_digest`` the layer descriptor digest.
    ``mode`` holds permission bits including setuid/setgid/sticky (``mode & 0o4000``).
    """

    path: str
    type: EntryType
    size: int
    mode: int
    uid: int
    gid: int
    linkname: str
    layer_digest: str
    layer_index: int
    mtime: int = 0

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def is_setuid(self) -> bool:
        return bool(self.mode & stat.S_ISUID)

    @property
    def is_setgid(self) -> bool:
        return bool(self.mode & stat.S_ISGID)


class ImageFS(Protocol):
    """Read-only view of a root filesystem (squashed image or directory)."""

    def get(self, path: str) -> FileEntry | None:
        """The entry at ``path`` itself (symlinks in the last component NOT followed)."""
        ...

    def entries(self) -> Iterator[FileEntry]:
        """Every entry, sorted by path."""
        ...

    def read(self, path: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes | None:
        """Content of a regular file (following symlinks inside the image), or None.

        For a squashed image only files for which ``wants(path)`` was true during
        :func:`squash` have content; note that ``wants`` sees the *stored* path, so to read
        ``etc/os-release`` (a symlink to ``usr/lib/os-release`` on Debian) want both.
        """
        ...

    def listdir(self, path: str) -> list[str]:
        """Sorted child names of the directory at ``path`` (symlinks followed); [] if none."""
        ...


def normalise(path: str) -> str:
    """An image path from anything a user or a cataloger may write (``/etc//x/./y`` -> ``etc/x/y``).

    ``..`` is resolved lexically and clamps at the root (this is for lookups, not for archive
    member names, which :func:`member_path` validates strictly).
    """
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
            continue
        out.append(part)
    return "/".join(out)


def member_path(name: str, subject: str) -> str:
    """The image path of a tar member name, refusing absolute and ``..`` paths (hostile tars)."""
    if name.startswith("/"):
        raise SourceError(f"archive member has an absolute path {name[:120]!r}", subject=subject)
    out: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            raise SourceError(f"archive member path escapes the root: {name[:120]!r}", subject=subject)
        out.append(part)
    return "/".join(out)


def resolve(path: str, lookup: Callable[[str], FileEntry | None], follow_last: bool = True) -> str | None:
    """Resolve symlinks in ``path`` chroot-style; None on a loop (more than 40 hops), when the
    resolved path grows over :data:`PATH_MAX` (ENAMETOOLONG) or after 4096 components: a chain
    of long symlink targets cannot make one resolution cost more than that."""
    parts: deque[str] = deque(path.split("/"))
    resolved = ""
    ends: list[int] = []  # len(resolved) before each component was appended ("..": cut back)
    hops = 0
    steps = 0
    while parts:
        steps += 1
        if steps > _MAX_RESOLVE_STEPS:  # 40 hops of 2,000-component targets: give up
            return None
        name = parts.popleft()
        if name in ("", "."):
            continue
        if name == "..":
            if ends:
                resolved = resolved[: ends.pop()]
            continue
        cand = f"{resolved}/{name}" if resolved else name
        if len(cand) > PATH_MAX:
            return None
        e = lookup(cand)
        if e is not None and e.type == "symlink" and (parts or follow_last):
            hops += 1
            if hops > _MAX_SYMLINK_HOPS:
                return None
            target = e.linkname
            if target.startswith("/"):
                resolved, ends = "", []
            parts.extendleft(reversed(target.split("/")))
            continue
        ends.append(len(resolved))
        resolved = cand
    return resolved


def symlink_escapes(path: str, target: str) -> bool:
    """True if a *relative* symlink target climbs above the image root (lexically)."""
    if target.startswith("/"):
        return False
    depth = path.count("/")  # components of the link's directory
    for part in target.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


class LayerFile:
    """A regular file as it appears in one layer, shown to ``on_layer_file`` during the walk.

    ``read()`` returns at most ``limit`` bytes in total (sequential reads continue where the
    previous one stopped). Valid only inside the callback: the tar stream moves on afterwards.
    """

    __slots__ = ("_pos", "_prefix", "_remaining", "_stream", "entry", "limit")

    def __init__(self, entry: FileEntry, stream: ByteStream | None, prefix: bytes, limit: int) -> None:
        self.entry = entry
        self.limit = limit
        self._stream = stream
        self._prefix = prefix
        self._pos = 0
        self._remaining = min(limit, entry.size)

    @property
    def path(self) -> str:
        return self.entry.path

    def read(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        n = self._remaining if size is None or size < 0 else min(size, self._remaining)
        out = b""
        if self._pos < len(self._prefix):
            out = self._prefix[self._pos : self._pos + n]
        rest = n - len(out)
        if rest > 0 and self._stream is not None:
            parts = [out]
            while rest > 0:
                chunk = self._stream.read(rest)
                if not chunk:
                    break
                parts.append(chunk)
                rest -= len(chunk)
            out = b"".join(parts)
        self._pos += len(out)
        self._remaining = 0 if not out else self._remaining - len(out)
        return out


class SquashedFS:
    """The squashed view produced by :func:`squash` (implements :class:`ImageFS`)."""

    def __init__(self) -> None:
        self._entries: dict[str, FileEntry] = {}
        self._children: dict[str, set[str]] = {"": set()}
        self._content: dict[str, bytes] = {}
        #: parent directory -> where it resolves (members under a symlinked parent: each one
        #: would resolve it again); cleared whenever a symlink is added, replaced or removed
        self._link_cache: dict[str, str | None] = {}
        #: characters of the paths (and link targets) held: a path costs about twice, as the
        #: entry and as its parent's child name; bounded by Limits.max_path_bytes
        self.path_bytes = 0
        #: the same for members of layers read early (stored out of order), not yet applied
        self.deferred_bytes = 0
        #: wanted files whose content was captured only partially (over ``max_file_bytes``)
        self.truncated: set[str] = set()
        #: number of whiteouts and opaque markers applied, per layer index
        self.whiteouts: dict[int, int] = {}
        self.layer_entries: list[int] = []

    # -- ImageFS ----------------------------------------------------------------------------------
    def get(self, path: str) -> FileEntry | None:
        return self._entries.get(normalise(path))

    def entries(self) -> Iterator[FileEntry]:
        for p in sorted(self._entries):
            yield self._entries[p]

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and normalise(path) in self._entries

    def read(self, path: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes | None:
        real = self.realpath(path)
        if real is None:
            return None
        e = self._entries.get(real)
        if e is not None and e.type == "hardlink":
            real = e.linkname
            e = self._entries.get(real)
        if e is None or e.type not in ("file", "hardlink"):
            return None
        data = self._content.get(real)
        return None if data is None else data[:max_bytes]

    def listdir(self, path: str) -> list[str]:
        real = self.realpath(path)
        if real is None:
            return []
        return sorted(self._children.get(real, ()))

    def realpath(self, path: str) -> str | None:
        """``path`` with every symlink resolved inside the image (None on a symlink loop)."""
        return resolve(normalise(path), self._entries.get)

    def captured(self) -> Iterator[str]:
        """Paths whose content was captured."""
        return iter(sorted(self._content))

    # -- building -----------------------------------------------------------------------------------
    def _remove(self, path: str, keep: set[str] | None = None, cleared: _Cleared | None = None) -> None:
        """Remove ``path`` and its subtree, except paths in ``keep`` (added by the current layer).

        ``cleared``: directories an opaque marker or whiteout of the current layer already
        cleared; whatever is below them now was added by this layer, so the walk does not enter
        them (without this, markers repeated on a large kept tree cost quadratic time)."""
        stack = [path]
        while stack:
            p = stack.pop()
            kids = self._children.get(p)
            if kids and (cleared is None or p == path or not cleared.has(p)):
                stack.extend(f"{p}/{k}" if p else k for k in kids)
            if keep is not None and p in keep:
                continue
            if p == "":
                continue
            gone = self._entries.pop(p, None)
            if gone is not None:
                self.path_bytes -= len(p) + len(gone.linkname)
                if gone.type == "symlink":
                    self._link_cache.clear()
                self._content.pop(p, None)
                self.truncated.discard(p)
                self._children.pop(p, None)
                parent, _, name = p.rpartition("/")
                sibs = self._children.get(parent)
                if sibs is not None:
                    sibs.discard(name)

    def _remove_children(self, d: str, keep: set[str], cleared: _Cleared | None = None) -> None:
        for k in list(self._children.get(d, ())):
            self._remove(f"{d}/{k}" if d else k, keep, cleared)

    def _ensure_parents(self, path: str, layer_digest: str, layer_index: int) -> None:
        """Link ``path`` into its parent, creating implied parent directories (tars may omit them)."""
        chain: list[str] = []
        p = path
        while True:
            parent, _, name = p.rpartition("/")
            if not parent:
                self._children[""].add(name)
                break
            e = self._entries.get(parent)
            if e is not None and e.type == "dir":
                self._children.setdefault(parent, set()).add(name)
                break
            if e is not None:  # a non-directory stands where a directory is needed: replace it
                self._remove(parent)
            self._children.setdefault(parent, set()).add(name)
            chain.append(parent)
            p = parent
        for d in chain:
            self._entries[d] = FileEntry(d, "dir", 0, 0o755, 0, 0, "", layer_digest, layer_index)
            self.path_bytes += len(d)

    def _through_links(self, path: str) -> str:
        """Where a member lands when a lower layer made one of its parents a symlink (usrmerge)."""
        parent, _, name = path.rpartition("/")
        if not parent:
            return path
        e = self._entries.get(parent)
        if e is not None and e.type == "dir":
            return path
        cache = self._link_cache
        if parent in cache:
            real = cache[parent]
        else:
            real = cache[parent] = resolve(parent, self._entries.get)
        if real is None:
            return path
        return f"{real}/{name}" if real else name

    def _put(self, e: FileEntry) -> None:
        old = self._entries.get(e.path)
        if e.type == "symlink" or (old is not None and old.type == "symlink"):
            self._link_cache.clear()
        if old is not None and old.type == "dir" and e.type != "dir":
            self._remove(e.path)
        self._content.pop(e.path, None)
        self.truncated.discard(e.path)
        self._ensure_parents(e.path, e.layer_digest, e.layer_index)
        prev = self._entries.get(e.path)
        self.path_bytes += len(e.linkname) - (len(prev.linkname) if prev is not None else -len(e.path))
        self._entries[e.path] = e
        if e.type == "dir":
            self._children.setdefault(e.path, set())


class _Cleared:
    """Paths an opaque marker (``opaqued``) or a whiteout (``whited``) of one layer has applied
    to: below them only entries of that layer remain."""

    __slots__ = ("opaqued", "whited")

    def __init__(self) -> None:
        self.opaqued: set[str] = set()
        self.whited: set[str] = set()

    def has(self, path: str) -> bool:
        return path in self.opaqued or path in self.whited

    def below(self, path: str) -> bool:
        """``path`` is under a cleared directory (among its 64 nearest ancestors: cheap, and a
        chain of markers on nested directories must then be 64 levels apart, 32 at most in a
        4096-byte path, which bounds the repeated walks to that factor)."""
        if not self.opaqued and not self.whited:
            return False
        p = path
        for _ in range(64):
            cut = p.rfind("/")
            if cut < 0:
                return False
            p = p[:cut]
            if self.has(p):
                return True
        return False


@dataclass(slots=True)
class _Op:
    """One layer member to apply to the squashed state (kept when a layer is read out of order)."""

    path: str  # member path, normalised and validated
    kind: str  # "put", "whiteout", "opaque"
    etype: EntryType = "file"
    size: int = 0
    mode: int = 0
    uid: int = 0
    gid: int = 0
    mtime: int = 0
    linkname: str = ""
    content: bytes | None = None
    truncated: bool = False


class _Layer:
    """Applies one layer's members to a :class:`SquashedFS` in tar order (whiteouts first-class)."""

    def __init__(self, fs: SquashedFS, index: int, digest: str, subject: str, wants: Callable[[str], bool]) -> None:
        self.fs = fs
        self.index = index
        self.digest = digest
        self.subject = subject
        self.wants = wants
        self.added: set[str] = set()
        self.cleared = _Cleared()
        self.whiteouts = 0
        self.count = 0

    def apply(self, op: _Op) -> FileEntry | None:
        fs = self.fs
        path = op.path
        parent = path.rpartition("/")[0]
        if parent:
            pe = fs._entries.get(parent)
            if pe is None or pe.type != "dir":
                path = fs._through_links(path)
        if not path:
            return None
        if op.kind == "opaque":
            self.whiteouts += 1
            # repeated (or after a whiteout of the same path): only this layer's entries are
            # below it, nothing more to remove
            if not self.cleared.has(path) and not self.cleared.below(path):
                fs._remove_children(path, self.added, self.cleared)
            self.cleared.opaqued.add(path)
            if path not in fs._entries:  # the marker implies its directory
                fs._put(FileEntry(path, "dir", 0, 0o755, 0, 0, "", self.digest, self.index))
            return None
        if op.kind == "whiteout":
            self.whiteouts += 1
            if path not in self.cleared.whited and not self.cleared.below(path):
                fs._remove(path, self.added, self.cleared)
            self.cleared.whited.add(path)
            return None
        linkname = op.linkname
        size = op.size
        if op.etype == "hardlink":
            target = fs._entries.get(linkname)
            hops = 0
            while target is not None and target.type == "hardlink":
                hops += 1
                if hops > _MAX_SYMLINK_HOPS:  # a chain of hard links that loops
                    target = None
                    break
                linkname = target.linkname
                target = fs._entries.get(linkname)
            if target is None or target.type != "file":
                raise SourceError(
                    f"hard link {path} points to a missing file {op.linkname[:120]!r}", subject=self.subject
                )
            if linkname == path:
                # x linked to a, a link to x: x is still the same file (one inode); recording x as
                # a link to itself would make every later link to x loop forever
                self.added.add(path)
                return target
            size = target.size
        entry = FileEntry(path, op.etype, size, op.mode, op.uid, op.gid, linkname, self.digest, self.index, op.mtime)
        fs._put(entry)
        self.added.add(path)
        if op.etype == "hardlink" and self.wants(path):
            data = fs._content.get(linkname)
            if data is not None:
                fs._content[path] = data
        elif op.content is not None:
            fs._content[path] = op.content
            if op.truncated:
                fs.truncated.add(path)
        return entry

    def put(
        self, path: str, etype: EntryType, size: int, mode: int, uid: int, gid: int, mtime: int, linkname: str
    ) -> FileEntry | None:
        """:meth:`apply` of a "put" (not a hard link), with the common case inline: the parent
        is a directory already and no directory is replaced by a non-directory."""
        fs = self.fs
        entries = fs._entries
        parent, _, name = path.rpartition("/")
        if parent:
            pe = entries.get(parent)
            if pe is None or pe.type != "dir":
                return self.apply(_Op(path, "put", etype, size, mode, uid, gid, mtime, linkname))
        old = entries.get(path)
        if etype == "symlink" or (old is not None and old.type == "symlink"):
            fs._link_cache.clear()
        if old is not None:
            if old.type == "dir" and etype != "dir":
                return self.apply(_Op(path, "put", etype, size, mode, uid, gid, mtime, linkname))
            fs._content.pop(path, None)
            fs.truncated.discard(path)
        kids = fs._children.get(parent)
        if kids is None:
            kids = fs._children[parent] = set()
        kids.add(name)
        fs.path_bytes += len(linkname) - (len(old.linkname) if old is not None else -len(path))
        entry = entries[path] = FileEntry(path, etype, size, mode, uid, gid, linkname, self.digest, self.index, mtime)
        if etype == "dir" and path not in fs._children:
            fs._children[path] = set()
        self.added.add(path)
        return entry

    def done(self) -> None:
        self.fs.whiteouts[self.index] = self.whiteouts
        self.fs.layer_entries.append(self.count)


def _walk_layer(
    layer: _Layer,
    stream: ByteStream,
    *,
    deferred: list[_Op] | None,
    on_layer_file: Callable[[LayerFile], None] | None,
    layer_file_filter: Callable[[FileEntry], bool] | None,
    max_file_bytes: int,
    layer_file_limit: int,
    max_entries: int,
    strict_links: bool,
    max_path_bytes: int = 256 * 1024 * 1024,
) -> None:
    """Read one layer's tar; apply each member now, or record it in ``deferred`` (out of order)."""
    subject = layer.subject
    wants = layer.wants
    reader = TarReader(stream, subject)
    count = 0
    for m in reader:
        count += 1
        if count > max_entries:
            raise SourceError(f"layer has more than {max_entries} entries (limit)", subject=subject)
        name = m.name
        if layer.fs.path_bytes + layer.fs.deferred_bytes > max_path_bytes:  # Limits.max_path_bytes
            raise SourceError(
                f"the image's paths add up to more than {max_path_bytes} bytes (limit)", subject=subject
            )
        if len(name) > PATH_MAX or len(m.linkname) > PATH_MAX:
            what = "path" if len(name) > PATH_MAX else f"link target of {name[:120]!r}"
            raise SourceError(f"archive member {what} is longer than {PATH_MAX} bytes", subject=subject)
        if name[:1] in ("/", ".") or "/." in name or "//" in name:
            # "./x", "a/../b", "/abs", ".wh.x", "a/.wh..wh..opq", dot files: the careful way
            path = member_path(name, subject)
            if not path:
                continue  # the root directory itself
            parent, _, base = path.rpartition("/")
            if base.startswith(".wh."):
                if base == ".wh..wh..opq":
                    op = _Op(parent, "opaque")
                elif base.startswith(".wh..wh."):
                    continue  # .wh..wh.plnk etc. are aufs bookkeeping, not deletions
                else:
                    op = _Op(f"{parent}/{base[4:]}" if parent else base[4:], "whiteout")
                if deferred is None:
                    layer.apply(op)
                else:
                    deferred.append(op)
                    layer.fs.deferred_bytes += len(op.path)
                continue
        else:  # a plain relative name (no "." component, so no whiteout either)
            path = name[:-1] if name[-1:] == "/" else name
            if not path:
                continue
        etype = cast(EntryType, m.type)
        linkname = m.linkname
        if etype == "symlink":
            if strict_links and symlink_escapes(path, linkname):
                raise SourceError(f"symlink {path} points outside the image root ({linkname[:120]!r})", subject=subject)
        elif etype == "hardlink":
            linkname = member_path(m.linkname, subject)
        else:
            linkname = ""
        if deferred is None:
            if etype == "hardlink":
                op = _Op(path, "put", etype, m.size, m.mode, m.uid, m.gid, m.mtime, linkname)
                entry = layer.apply(op)
            else:
                entry = layer.put(path, etype, m.size, m.mode, m.uid, m.gid, m.mtime, linkname)
            if entry is None or etype != "file":
                continue
        else:
            op = _Op(path, "put", etype, m.size, m.mode, m.uid, m.gid, m.mtime, linkname)
            deferred.append(op)
            layer.fs.deferred_bytes += len(path) + len(linkname)
            if etype != "file":
                continue
            entry = FileEntry(path, etype, m.size, m.mode, m.uid, m.gid, linkname, layer.digest, layer.index, m.mtime)
        want = wants(entry.path)
        show = on_layer_file is not None and (layer_file_filter is None or layer_file_filter(entry))
        if not want and not show:
            continue
        prefix = b""
        if want:
            prefix = _read_n(reader, min(max_file_bytes, m.size))
            if deferred is None:
                layer.fs._content[entry.path] = prefix
                if m.size > max_file_bytes:
                    layer.fs.truncated.add(entry.path)
            else:
                op.content, op.truncated = prefix, m.size > max_file_bytes
        if show:
            assert on_layer_file is not None
            lf = LayerFile(entry, reader, prefix, layer_file_limit)
            on_layer_file(lf)
            lf._stream = None  # the tar stream moves on: a kept LayerFile must not read other files
            lf._remaining = min(lf._remaining, max(len(prefix) - lf._pos, 0))
    layer.count += count


def _read_n(reader: TarReader, n: int) -> bytes:
    parts: list[bytes] = []
    while n > 0:
        chunk = reader.read(n)
        if not chunk:
            break
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def squash(
    image: Image,
    wants: Callable[[str], bool],
    on_layer_file: Callable[[LayerFile], None] | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    *,
    layer_file_limit: int | None = None,
    layer_file_filter: Callable[[FileEntry], bool] | None = None,
    strict_links: bool = True,
) -> SquashedFS:
    """Walk every layer of ``image`` once and return the squashed filesystem.

    ``wants(path)`` decides which regular files have their content captured (at most
    ``max_file_bytes`` each). ``on_layer_file`` is called for every regular file of every layer
    with a reader bounded by ``layer_file_limit`` (default ``max_file_bytes``), except files for
    which ``layer_file_filter(entry)`` is false (a cheap pre-check by path). Each layer is
    read to its end so its digests are verified; any hostile content (absolute or ``..``
    member paths, symlinks climbing out of the root when ``strict_links``, hard links to
    missing files, decompression bombs, truncation, digest mismatch) raises SourceError naming
    the image and the layer.

    Layers are read in the order the source stores them most cheaply (``Image.read_order()``:
    application order, except in a gzipped archive whose layers are stored out of order); a
    layer read early is kept as metadata plus captured content and applied in its turn, so the
    result is always the application-order squash. ``on_layer_file`` sees layers in read order.
    """
    fs = SquashedFS()
    limit = max_file_bytes if layer_file_limit is None else layer_file_limit
    pending: dict[int, tuple[_Layer, list[_Op]]] = {}
    next_index = 0
    for i in image.read_order():
        desc = image.layers[i]
        layer = _Layer(fs, i, desc.digest, image.layer_subject(i), wants)
        deferred: list[_Op] | None = None if i == next_index else []
        with image.open_layer(i) as stream:
            _walk_layer(
                layer,
                stream,
                deferred=deferred,
                on_layer_file=on_layer_file,
                layer_file_filter=layer_file_filter,
                max_file_bytes=max_file_bytes,
                layer_file_limit=limit,
                max_entries=image.limits.max_layer_entries,
                strict_links=strict_links,
                max_path_bytes=image.limits.max_path_bytes,
            )
            stream.drain()
        if deferred is None:
            layer.done()
            next_index += 1
        else:
            pending[i] = (layer, deferred)
        while next_index in pending:
            later, ops = pending.pop(next_index)
            for op in ops:
                later.apply(op)
                fs.deferred_bytes -= len(op.path) + len(op.linkname)
            later.done()
            next_index += 1
    return fs


class DirFS:
    """:class:`ImageFS` over an unpacked root filesystem directory; never leaves ``root``.

    Symlinks are resolved by this class (chroot-style), never by the OS, and the final open uses
    ``O_NOFOLLOW``, so a link pointing at ``/etc/shadow`` of the host reads the tree's own file.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise SourceError("not a directory", subject=str(root))

    def _lstat_entry(self, path: str) -> FileEntry | None:
        if not path:
            st = os.lstat(self.root)
        else:
            try:
                st = os.lstat(os.path.join(self.root, path))
            except (OSError, ValueError):
                return None
        return self._entry(path, st)

    def _entry(self, path: str, st: os.stat_result) -> FileEntry:
        m = st.st_mode
        linkname = ""
        etype: EntryType
        if stat.S_ISREG(m):
            etype = "file"
        elif stat.S_ISDIR(m):
            etype = "dir"
        elif stat.S_ISLNK(m):
            etype = "symlink"
            try:
                linkname = os.readlink(os.path.join(self.root, path))
            except OSError:
                linkname = ""
        else:
            etype = "other"
        size = st.st_size if etype == "file" else 0
        return FileEntry(path, etype, size, stat.S_IMODE(m), st.st_uid, st.st_gid, linkname, "", -1, int(st.st_mtime))

    def _lookup(self, path: str) -> FileEntry | None:
        # intermediate components are checked one by one by resolve(), so a parent symlink
        # never makes the OS walk out of root: resolve() only asks about already-real parents
        return self._lstat_entry(path)

    def realpath(self, path: str) -> str | None:
        return resolve(normalise(path), self._lookup)

    def get(self, path: str) -> FileEntry | None:
        p = normalise(path)
        parent, _, name = p.rpartition("/")
        real_parent = resolve(parent, self._lookup) if parent else ""
        if real_parent is None:
            return None
        e = self._lstat_entry(f"{real_parent}/{name}" if real_parent else name)
        if e is None:
            return None
        return e if e.path == p else FileEntry(p, e.type, e.size, e.mode, e.uid, e.gid, e.linkname, "", -1, e.mtime)

    def entries(self) -> Iterator[FileEntry]:
        """Every path under root (symlinked directories not entered), sorted like SquashedFS."""
        root = str(self.root)
        out: list[FileEntry] = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            rel = os.path.relpath(dirpath, root)
            rel = "" if rel == "." else rel.replace(os.sep, "/")
            for n in (*dirnames, *filenames):
                try:
                    st = os.lstat(os.path.join(dirpath, n))
                except OSError:
                    continue
                out.append(self._entry(f"{rel}/{n}" if rel else n, st))
        out.sort(key=lambda e: e.path)
        return iter(out)

    def read(self, path: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes | None:
        real = self.realpath(path)
        if real is None or not real:
            return None
        full = os.path.join(self.root, real)
        try:
            fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None
            return fh.read(max_bytes)

    def listdir(self, path: str) -> list[str]:
        real = self.realpath(path)
        if real is None:
            return []
        full = os.path.join(self.root, real) if real else str(self.root)
        try:
            if not stat.S_ISDIR(os.lstat(full).st_mode):
                return []
            return sorted(os.listdir(full))
        except OSError:
            return []
