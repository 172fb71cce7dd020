"""Image archives: ``docker save`` output and OCI layouts packed in a tar, plain or gzipped.

The archive is never extracted. Its tar headers are indexed once (name -> offset and size in
the uncompressed stream) and each blob is read in place: a seek in a plain tar, a forward
decompression in a tar.gz (``gzip.GzipFile`` re-reads from the start only if a blob is asked
for out of order). Member names in the outer archive are only ever *looked up*, never joined
onto a directory, so ``../`` names cannot escape; a ``manifest.json`` that points at members
the archive does not hold is a one-line error naming the member.

A docker 25+ ``save`` writes both ``manifest.json`` and an OCI ``index.json``; the OCI view is
preferred because it carries the manifest digest.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
import zlib
from pathlib import Path
from typing import IO, Any, cast

from seawall.errors import SourceError
from seawall.sources.image.blobs import CHUNK, check_digest, parse_json_object, read_verified
from seawall.sources.image.model import (
    DEFAULT_LIMITS,
    DOCKER_LAYER,
    Descriptor,
    Image,
    LayerSpec,
    Limits,
    Platform,
)
from seawall.sources.image.oci import open_layout
from seawall.sources.image.reference import parse_reference
from seawall.sources.image.streams import ReadStream

_MAX_MEMBERS = 200_000
_PATH_MAX = 4096
_HEX_NAME = re.compile(r"(?:^|/)([a-f0-9]{64})(?:\.json|\.tar)?$")
#: what reading a corrupt archive may raise (ISA-L's error is added when ISA-L is first used)
_ERRORS: tuple[type[Exception], ...] = (
    tarfile.TarError,
    EOFError,
    zlib.error,
    OSError,
    gzip.BadGzipFile,
    ValueError,
    UnicodeError,
)


def _gzip_file(fh: IO[bytes]) -> Any:
    """A seekable gzip reader: ISA-L's (about 2.5x faster) when installed, else the stdlib's.
    ISA-L is imported here, on first use: a plain tar never needs it."""
    global _ERRORS, _SNIFF_ERRORS
    try:
        from isal import igzip, isal_zlib
    except ImportError:  # pragma: no cover
        return gzip.GzipFile(fileobj=fh, mode="rb")
    isal_error = cast(type[Exception], isal_zlib.error)
    if isal_error not in _ERRORS:
        _ERRORS = (*_ERRORS, isal_error)
        _SNIFF_ERRORS = (*_SNIFF_ERRORS, isal_error)
    return igzip.IGzipFile(fileobj=fh, mode="rb")  # type: ignore[no-untyped-call]


#: a PAX header or GNU long name in the outer archive larger than this is hostile (as in layers,
#: see tarstream): tarfile reads each one whole, so a 300 kB tar.gz holding a 300 MB PAX
#: header cost about 1 GB of memory
_MAX_META = 1024 * 1024
_META_TYPES = frozenset((tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE, b"L", b"K"))


class _MetaTooLarge(Exception):
    pass


class _BoundedTarInfo(tarfile.TarInfo):
    """A TarInfo that refuses an oversized extension header before tarfile reads it into memory."""

    def _proc_member(self, tf: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in _META_TYPES:
            total = self.size
            if self.type == tarfile.XGLTYPE:  # global headers accumulate in tf.pax_headers
                total += sum(len(k) + len(v) for k, v in tf.pax_headers.items())
            if total > _MAX_META:
                raise _MetaTooLarge(f"tar extension header of {self.size} bytes (limit {_MAX_META})")
        return cast(tarfile.TarInfo, super()._proc_member(tf))  # type: ignore[misc]


def _norm(name: str) -> str:
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return "/".join(parts)


class _MemberReader(ReadStream):
    """``size`` bytes at ``offset`` of a (possibly gzip) seekable stream, read in place."""

    def __init__(self, owner: TarBlobs, offset: int, size: int) -> None:
        super().__init__()
        self._owner = owner
        self._start = self._pos = offset
        self._end = offset + size

    def region(self) -> tuple[int, int, int] | None:
        """``(fd, offset, size)`` of the member in the archive file when the archive is a plain
        tar (layers are then parsed and hashed in place, see ``layers._RegionReader``)."""
        owner = self._owner
        if owner.compressed or self._pos != self._start:
            return None
        if owner._fh.closed:
            owner._reopen()
        return owner._fh.fileno(), self._start, self._end - self._start

    def read(self, size: int | None = -1) -> bytes:
        left = self._end - self._pos
        if left <= 0:
            return b""
        n = left if size is None or size < 0 else min(size, left)
        n = min(n, CHUNK * 4)
        data = self._owner._read_at(self._pos, n)
        if not data:
            raise SourceError("archive is truncated inside a member", subject=self._owner.subject)
        self._pos += len(data)
        return data


class TarBlobs:
    """Index of a tar/tar.gz archive's members; opens members and OCI blobs in place."""

    def __init__(self, path: Path, subject: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.subject = subject
        self.path = path
        self._fh: IO[bytes] = path.open("rb")
        try:
            head = self._fh.read(2)
            self._fh.seek(0)
            self.compressed = head == b"\x1f\x8b"
            self._stream: Any = _gzip_file(self._fh) if self.compressed else self._fh
            self.members: dict[str, tuple[int, int]] = {}
            self._index(limits)
        except BaseException:
            self._fh.close()
            raise

    def _index(self, limits: Limits) -> None:
        try:
            tf = tarfile.open(fileobj=self._stream, mode="r:", tarinfo=_BoundedTarInfo)  # noqa: SIM115
        except _MetaTooLarge as err:
            raise SourceError(str(err), subject=self.subject) from None
        except _ERRORS as err:
            raise SourceError(
                f"not a tar archive ({str(err)[:80] or type(err).__name__})", subject=self.subject
            ) from None
        count = 0
        try:
            while True:
                ti = tf.next()
                if ti is None:
                    break
                tf.members.clear()  # type: ignore[attr-defined]  # stream mode keeps every header
                count += 1
                if count > _MAX_MEMBERS:
                    raise SourceError(f"archive has more than {_MAX_MEMBERS} members", subject=self.subject)
                if ti.offset_data + ti.size > limits.max_total_bytes:
                    raise SourceError("archive is larger than the configured limit", subject=self.subject)
                # a name over PATH_MAX names nothing an image refers to; kept, 64,000 names of
                # 1 MB each (a 64 MB tar.gz) would be 64 GB of index
                if ti.isreg() and len(ti.name) <= _PATH_MAX:
                    self.members[_norm(ti.name)] = (ti.offset_data, ti.size)
        except SourceError:
            raise
        except _MetaTooLarge as err:
            raise SourceError(str(err), subject=self.subject) from None
        except _ERRORS as err:
            raise SourceError(
                f"corrupt or truncated archive ({str(err)[:80] or type(err).__name__})", subject=self.subject
            ) from None
        if not self.members:
            raise SourceError("archive holds no files", subject=self.subject)

    def _reopen(self) -> None:
        """Reopen after close(): an Image stays usable, holding no handle while idle."""
        try:
            self._fh = self.path.open("rb")
        except OSError as err:
            raise SourceError(err.strerror or str(err), subject=self.subject) from None
        self._stream = _gzip_file(self._fh) if self.compressed else self._fh

    def _read_at(self, pos: int, n: int) -> bytes:
        if self._fh.closed:
            self._reopen()
        try:
            if self._stream.tell() != pos:
                self._stream.seek(pos)
            data: bytes = self._stream.read(n)
        except _ERRORS as err:
            raise SourceError(
                f"corrupt or truncated archive ({str(err)[:80] or type(err).__name__})", subject=self.subject
            ) from None
        return data

    def has(self, name: str) -> bool:
        return _norm(name) in self.members

    def open_member(self, name: str, what: str = "") -> IO[bytes]:
        key = _norm(name)
        if key not in self.members:
            raise SourceError(
                f"archive does not contain {what + ' ' if what else ''}{name[:120]!r}", subject=self.subject
            )
        off, size = self.members[key]
        return cast(IO[bytes], _MemberReader(self, off, size))

    def offset(self, name: str) -> int:
        return self.members[_norm(name)][0]

    def read_order(self, descs: list[Descriptor]) -> list[int]:
        """Storage order of blobs, when it matters (gzip: no cheap backward seek)."""
        if not self.compressed:
            return list(range(len(descs)))
        key = {i: self.members.get(self._blob_name(d), (0, 0))[0] for i, d in enumerate(descs)}
        return sorted(key, key=lambda i: (key[i], i))

    def _blob_name(self, desc: Descriptor) -> str:
        alg, _, hexd = desc.digest.partition(":")
        return f"blobs/{alg}/{hexd}"

    def member_size(self, name: str) -> int:
        return self.members[_norm(name)][1]

    def read_file(self, rel: str, limit: int) -> bytes:
        key = _norm(rel)
        if key not in self.members:
            raise SourceError(f"archive does not contain {rel!r}", subject=self.subject)
        if self.members[key][1] > limit:
            raise SourceError(f"{rel} is over the {limit}-byte limit", subject=self.subject)
        with self.open_member(rel) as fh:
            return fh.read(limit + 1)

    def open_blob(self, desc: Descriptor) -> IO[bytes]:
        alg, _, hexd = check_digest(desc.digest, self.subject).partition(":")
        return self.open_member(f"blobs/{alg}/{hexd}", f"blob {desc.media_type or ''}".strip())

    def close(self) -> None:
        self._fh.close()


class _DockerLayers:
    """Blob source for a docker-save archive: layers are members named by manifest.json."""

    def __init__(self, tb: TarBlobs, names: dict[str, str]) -> None:
        self._tb = tb
        self._names = names  # descriptor digest -> member name

    def open_blob(self, desc: Descriptor) -> IO[bytes]:
        return self._tb.open_member(self._names[desc.digest], "layer")

    def read_order(self, descs: list[Descriptor]) -> list[int]:
        if not self._tb.compressed:
            return list(range(len(descs)))
        key = {i: self._tb.offset(self._names[d.digest]) for i, d in enumerate(descs)}
        return sorted(key, key=lambda i: (key[i], i))

    def close(self) -> None:
        self._tb.close()


_DOCKER_NAME = re.compile(
    r"^[a-f0-9]{64}(?:/(?:layer\.tar|VERSION|json)?|\.json|\.tar)?$|^(?:manifest\.json|repositories)$"
)
_OCI_NAME = re.compile(r"^(?:oci-layout|index\.json|blobs(?:/.*)?)$")
_SNIFF_BYTES = 4 * 1024 * 1024
_SNIFF_ERRORS: tuple[type[Exception], ...] = (SourceError, *_ERRORS)


def sniff_archive(path: Path) -> str | None:
    """A cheap guess — "oci-archive", "docker-archive" or None — from the first member names.

    Only the first few headers are read (a 2 GB backup.tar costs a few KB, even gzipped); a
    wrong guess is harmless because opening the archive validates it fully.
    """
    with path.open("rb") as fh:
        head = fh.read(512)
        fh.seek(0)
        if head[:2] == b"\x1f\x8b":
            stream: Any = _gzip_file(fh)
        elif len(head) == 512 and head[257:262] in (b"ustar", b"\0\0\0\0\0"):
            stream = fh
        else:
            return None
        try:
            tf = tarfile.open(fileobj=_Bounded(stream, _SNIFF_BYTES), mode="r|")  # noqa: SIM115
            for _ in range(8):
                ti = tf.next()
                if ti is None:
                    return None
                name = _norm(ti.name)
                if not name:
                    continue
                if _OCI_NAME.match(name):
                    return "oci-archive"
                if _DOCKER_NAME.match(name):
                    return "docker-archive"
                return None
        except _SNIFF_ERRORS:
            return None
    return None


class _Bounded(io.RawIOBase):
    def __init__(self, src: Any, limit: int) -> None:
        super().__init__()
        self._src = src
        self._left = limit

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        n = self._left if size is None or size < 0 else min(size, self._left)
        if n <= 0:
            raise SourceError("sniff limit reached", subject="archive")
        data: bytes = self._src.read(n)
        self._left -= len(data)
        return data


def _kind(tb: TarBlobs) -> str | None:
    if tb.has("oci-layout") and tb.has("index.json"):
        return "oci-archive"
    if tb.has("manifest.json"):
        return "docker-archive"
    return None


def open_archive(
    path: Path,
    *,
    ref: str = "",
    platform: Platform | None = None,
    limits: Limits = DEFAULT_LIMITS,
    display: str = "",
) -> Image:
    """Open a docker-save or OCI archive (tar or tar.gz)."""
    display = display or str(path)
    try:
        tb = TarBlobs(path, display, limits)
    except OSError as err:
        raise SourceError(err.strerror or str(err), subject=display) from None
    kind = _kind(tb)
    if kind == "oci-archive":
        return open_layout(tb, ref=ref, platform=platform, limits=limits, display=display, source="oci-archive")
    if kind is None:
        tb.close()
        raise SourceError("not an image archive (no manifest.json or OCI index.json)", subject=display)
    try:
        return _open_docker(tb, ref, limits, display, platform)
    except BaseException:
        tb.close()
        raise


def _open_docker(tb: TarBlobs, ref: str, limits: Limits, display: str, platform: Platform | None = None) -> Image:
    raw = tb.read_file("manifest.json", limits.max_manifest_bytes)
    try:
        entries = json.loads(raw)
    except (ValueError, RecursionError) as err:  # RecursionError: nested thousands of levels deep
        raise SourceError(f"manifest.json is not valid JSON ({str(err)[:80]})", subject=display) from None
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise SourceError("manifest.json is not a non-empty list of images", subject=display)
    entry = _pick_entry(entries, ref, display)
    cfg_name = entry.get("Config")
    layers = entry.get("Layers")
    if not isinstance(cfg_name, str) or not isinstance(layers, list) or not all(isinstance(x, str) for x in layers):
        raise SourceError("manifest.json entry has no Config or Layers", subject=display)
    if len(layers) > limits.max_layers:
        raise SourceError(f"manifest.json lists {len(layers)} layers (limit {limits.max_layers})", subject=display)
    m = _HEX_NAME.search(cfg_name)
    size = tb.member_size(cfg_name) if tb.has(cfg_name) else -1
    if m:
        cfg_digest = f"sha256:{m.group(1)}"
        raw_cfg = read_verified(
            tb.open_member(cfg_name, "config"), cfg_digest, size, limits.max_config_bytes, f"{display} config"
        )
    else:  # no digest in the name: nothing to verify against, read it bounded
        raw_cfg = tb.read_file(cfg_name, limits.max_config_bytes)
        import hashlib

        cfg_digest = "sha256:" + hashlib.sha256(raw_cfg).hexdigest()
    config = parse_json_object(raw_cfg, "image config", display)
    plat = Platform.from_json(config)
    if platform is not None and plat is not None and not platform.matches(plat):  # as for OCI layouts
        raise SourceError(f"image is for {plat}, not the requested {platform}", subject=display)
    rootfs = config.get("rootfs")
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or len(diff_ids) != len(layers):
        raise SourceError(
            f"config rootfs.diff_ids does not match the {len(layers)} layers in manifest.json", subject=display
        )
    specs: list[LayerSpec] = []
    names: dict[str, str] = {}
    for i, (name, did) in enumerate(zip(layers, diff_ids, strict=True)):
        check_digest(did, f"{display} config")
        if not tb.has(name):
            raise SourceError(f"manifest.json references missing layer {i + 1} {name[:120]!r}", subject=display)
        desc = Descriptor(DOCKER_LAYER, did, tb.member_size(name))
        names[did] = name
        specs.append(LayerSpec(desc, verify_descriptor=False, diff_id=did))
    tags = tuple(t for t in entry.get("RepoTags") or () if isinstance(t, str))
    reference = display
    if tags:
        try:
            reference = str(parse_reference(tags[0]))
        except Exception:
            reference = tags[0]
    return Image(
        reference=reference,
        digest="",
        manifest=entry,
        manifest_media_type="",
        config=config,
        config_digest=cfg_digest,
        layers=specs,
        platform=plat,
        source="docker-archive",
        blobs=_DockerLayers(tb, names),
        limits=limits,
        repo_tags=tags,
        display=display,
    )


def _pick_entry(entries: list[dict[str, Any]], ref: str, display: str) -> dict[str, Any]:
    if not ref:
        if len(entries) == 1:
            return entries[0]
        tags = [t for e in entries for t in (e.get("RepoTags") or []) if isinstance(t, str)]
        raise SourceError(
            f"archive holds {len(entries)} images; pick one with PATH:TAG (tags: {', '.join(tags[:10]) or 'none'})",
            subject=display,
        )
    for e in entries:
        for t in e.get("RepoTags") or []:
            if isinstance(t, str) and (t == ref or t.endswith(":" + ref) or t.rsplit(":", 1)[0] == ref):
                return e
    if ref.isdigit() and 0 <= int(ref) < len(entries):
        return entries[int(ref)]
    raise SourceError(f"no image tagged {ref!r} in the archive", subject=display)
