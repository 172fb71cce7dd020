"""Streaming layer decompression (gzip, zstd, plain), sniffed from magic bytes, with bounds.

Media types lie (docker-save archives call every layer ``.tar``; some registries label zstd
layers as gzip), so the compression is detected from the first bytes. Decompression is
incremental with a bounded output per call, and the total decompressed size of a layer and of
an image are capped: a 1 MB gzip bomb cannot turn into 1 TB of work.
"""

from __future__ import annotations

import io
import os
import queue
import stat
import threading
import zlib
from collections.abc import Callable
from typing import IO, Any, cast

from seawall.errors import SourceError
from seawall.sources.image.blobs import CHUNK, ByteStream, VerifyingReader, new_hasher
from seawall.sources.image.model import DEFAULT_LIMITS, LayerSpec, Limits
from seawall.sources.image.streams import ReadStream

_zlib: Any = None
_ZLIB_ERRORS: tuple[type[Exception], ...] = (zlib.error,)


def _inflate_module() -> Any:
    """ISA-L's inflate (~2.5x faster than zlib on layer-sized streams; same API) when installed,
    else zlib; imported on first use (an uncompressed layer never needs it)."""
    global _zlib, _ZLIB_ERRORS
    if _zlib is None:
        try:
            from isal import isal_zlib

            _ZLIB_ERRORS = (zlib.error, cast(type[Exception], isal_zlib.error))
            _zlib = isal_zlib
        except ImportError:  # pragma: no cover - platforms without isal wheels
            _zlib = zlib
    return _zlib


_GZIP_IN = 256 * 1024

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_OTHER_MAGIC = {b"BZh": "bzip2", b"\xfd7zXZ": "xz"}


def sniff_compression(head: bytes) -> str:
    """ "gzip", "zstd" or "plain" from the first bytes; bzip2/xz are named so they can be refused."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    for magic, name in _OTHER_MAGIC.items():
        if head.startswith(magic):
            return name
    return "plain"


class _Prefixed(ReadStream):
    """A stream that first returns ``prefix`` (bytes already read for sniffing), then ``src``."""

    def __init__(self, prefix: bytes, src: ByteStream) -> None:
        super().__init__()
        self._prefix = prefix
        self._src = src

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            if size is None or size < 0:
                out, self._prefix = self._prefix, b""
                return out + self._src.read(-1)
            out, self._prefix = self._prefix[:size], self._prefix[size:]
            return out
        data: bytes = self._src.read(-1 if size is None else size)
        return data


class _GzipReader:
    """Multi-member gzip decompression with bounded output per call and truncation detection."""

    def __init__(self, src: IO[bytes], subject: str) -> None:
        self._src = src
        self._subject = subject
        self._zlib = _inflate_module()  # here, not in the prefetch thread
        self._d: Any = None
        self._pending = b""
        self._in_member = False
        self._eof = False

    def read(self, n: int) -> bytes:
        while not self._eof:
            d = self._d
            if d is not None and d.unconsumed_tail:
                buf = d.unconsumed_tail
            elif self._pending:
                buf, self._pending = self._pending, b""
            else:
                buf = self._src.read(_GZIP_IN)
                if not buf:
                    if self._in_member:
                        raise SourceError(
                            "compressed layer is truncated (gzip stream ends early)", subject=self._subject
                        )
                    self._eof = True
                    break
            if not self._in_member:
                stripped = buf.lstrip(b"\0")  # zero padding after the last member is tolerated
                if not stripped:
                    continue
                if not stripped.startswith(GZIP_MAGIC):
                    raise SourceError("garbage after the end of the gzip stream", subject=self._subject)
                buf = stripped
                d = self._d = self._zlib.decompressobj(zlib.MAX_WBITS | 16)
                self._in_member = True
            try:
                out: bytes = d.decompress(buf, n)
            except _ZLIB_ERRORS as err:
                raise SourceError(f"corrupt gzip data ({err})", subject=self._subject) from None
            if d.eof:
                self._in_member = False
                self._pending = d.unused_data
            if out:
                return out
        return b""


class _ZstdFrames:
    """Follows zstd frame and block headers in the compressed bytes passing through.

    The zstandard stream decoder returns EOF quietly when its input stops inside a frame, so
    this walks the frame structure (RFC 8878: frame header, 3-byte block headers, optional
    checksum, skippable frames) and reports a stream that ends mid-frame. It only reads sizes
    and hops over block contents: the cost does not depend on the data.
    """

    _MAGIC = 0xFD2FB528

    def __init__(self, src: ByteStream, subject: str) -> None:
        self._src = src
        self._subject = subject
        self._state = "magic"
        self._need = 4
        self._buf = b""
        self._skip = 0
        self._after = ""
        self._checksum = False
        self.frames = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._src.read(size)
        if data:
            self._feed(data)
        else:
            self._end()
        return data

    def _bad(self, what: str) -> SourceError:
        return SourceError(f"corrupt zstd data ({what})", subject=self._subject)

    def _goto_skip(self, n: int, then: str) -> None:
        if n:
            self._skip, self._after = n, then
        self._state = then if not n else "skip"
        self._need = {"magic": 4, "block": 3, "fhd": 1, "skipsize": 4, "checksum": 4}[then]

    def _feed(self, data: bytes) -> None:
        pos, end = 0, len(data)
        while pos < end:
            if self._state == "skip":
                k = min(self._skip, end - pos)
                self._skip -= k
                pos += k
                if not self._skip:
                    self._goto_skip(0, self._after)
                continue
            take = min(self._need - len(self._buf), end - pos)
            self._buf += data[pos : pos + take]
            pos += take
            if len(self._buf) < self._need:
                return
            header, self._buf = self._buf, b""
            self._header(header)

    def _header(self, h: bytes) -> None:
        state = self._state
        if state == "magic":
            magic = int.from_bytes(h, "little")
            if magic == self._MAGIC:
                self._goto_skip(0, "fhd")
            elif magic & 0xFFFFFFF0 == 0x184D2A50:
                self._goto_skip(0, "skipsize")
            else:
                raise self._bad("not a zstd frame")
        elif state == "fhd":
            d = h[0]
            fcs_flag, single, self._checksum, did_flag = d >> 6, (d >> 5) & 1, bool(d & 4), d & 3
            if d & 8:
                raise self._bad("reserved frame header bit set")
            rest = (0 if single else 1) + (0, 1, 2, 4)[did_flag] + ((1 if single else 0), 2, 4, 8)[fcs_flag]
            self.frames += 1
            self._goto_skip(rest, "block")
        elif state == "block":
            v = int.from_bytes(h, "little")
            last, btype, bsize = v & 1, (v >> 1) & 3, v >> 3
            if btype == 3:
                raise self._bad("reserved block type")
            then = ("checksum" if self._checksum else "magic") if last else "block"
            self._goto_skip(1 if btype == 1 else bsize, then)
        elif state == "checksum":
            self._goto_skip(0, "magic")
        elif state == "skipsize":
            self._goto_skip(int.from_bytes(h, "little"), "magic")

    def _end(self) -> None:
        if self._state != "magic" or self._buf or not self.frames:
            raise SourceError("compressed layer is truncated (zstd stream ends inside a frame)", subject=self._subject)


class _ZstdReader:
    def __init__(self, src: IO[bytes], subject: str) -> None:
        import zstandard

        self._subject = subject
        self._zerr = zstandard.ZstdError
        self._r = zstandard.ZstdDecompressor().stream_reader(src, read_size=CHUNK, read_across_frames=True)

    def read(self, n: int) -> bytes:
        try:
            data: bytes = self._r.read(n)
            return data
        except self._zerr as err:
            raise SourceError(f"corrupt zstd data ({err})", subject=self._subject) from None


class _PlainReader:
    def __init__(self, src: IO[bytes]) -> None:
        self._src = src

    def read(self, n: int) -> bytes:
        return self._src.read(n)


class LayerStream(ReadStream):
    """The decompressed tar of one layer; raises SourceError on any integrity or bound failure.

    Digest checks happen when EOF is reached: call :meth:`drain` after the tar reader is done so
    the trailing padding (and anything hidden after the end-of-archive marker) is read too.
    """

    def __init__(
        self,
        raw: IO[bytes],
        spec: LayerSpec,
        *,
        subject: str,
        limits: Limits = DEFAULT_LIMITS,
        total_counter: list[int] | None = None,
    ) -> None:
        super().__init__()
        desc = spec.descriptor
        self.subject = subject
        self.compression = "plain"
        self._limits = limits
        self._total = total_counter if total_counter is not None else [0]
        self._verifier = VerifyingReader(
            raw, desc.digest, desc.size if spec.verify_descriptor else -1, subject, verify=spec.verify_descriptor
        )
        # the descriptor digest already binds the bytes to the manifest; the diff_id (a second
        # hash over the uncompressed stream) is checked when it is the only check or when asked
        self.bytes_out = 0
        self._eof = False
        #: the layer is an uncompressed byte range of a file, parsed and hashed in place
        self.in_place = False
        #: how much a parser should ask for per read (see tarstream.TarReader)
        self.read_size = CHUNK
        self._prefetch: _Prefetcher | None = None
        self._region: _RegionReader | None = None
        # the descriptor digest already binds compressed bytes to the manifest; a second hash of
        # the uncompressed stream runs when it is the only check (docker-save) or when asked
        check_diff = bool(spec.diff_id) and (not spec.verify_descriptor or limits.verify_diff_ids)
        if check_diff and spec.verify_descriptor and spec.diff_id == desc.digest:
            check_diff = False  # an uncompressed layer: the same hash over the same bytes
        self._diff_id = spec.diff_id
        self._diff_hasher = new_hasher(spec.diff_id) if check_diff else None
        region = file_region(raw)
        if region is not None and self._open_region(region, spec, limits):
            return
        head = self._verifier.read(8) or b""
        self.compression = sniff_compression(head)
        src = _Prefixed(head, self._verifier)
        self._reader: _GzipReader | _ZstdReader | _PlainReader
        if self.compression == "gzip":
            self._reader = _GzipReader(src, subject)  # type: ignore[arg-type]
        elif self.compression == "zstd":
            self._reader = _ZstdReader(_ZstdFrames(src, subject), subject)  # type: ignore[arg-type]
        elif self.compression == "plain":
            self._reader = _PlainReader(src)  # type: ignore[arg-type]
        else:
            raise SourceError(f"{self.compression}-compressed layers are not supported by OCI", subject=subject)

        if desc.size < 0 or desc.size >= limits.prefetch_min_bytes:
            self._prefetch = _Prefetcher(self._pull)

    def _open_region(self, region: tuple[int, int, int], spec: LayerSpec, limits: Limits) -> bool:
        """Use an uncompressed layer stored in a regular file in place (see :class:`_RegionReader`);
        False (nothing consumed) when the layer is compressed."""
        fd, offset, size = region
        try:
            head = os.pread(fd, 8, offset) if size else b""
        except OSError:
            return False  # the stream path reports the error the usual way
        if sniff_compression(head) != "plain":
            return False
        desc = spec.descriptor
        if spec.verify_descriptor and desc.size >= 0 and size != desc.size:
            if size < desc.size:
                why = f"blob {desc.digest[:19]} is truncated: {size} of {desc.size} bytes"
            else:
                why = f"blob {desc.digest[:19]} is longer than the {desc.size} bytes its descriptor says"
            raise SourceError(why, subject=self.subject)
        self._count(size)
        # uncompressed: the descriptor digest and the diff_id are hashes of the same bytes
        checks: list[tuple[str, str]] = []  # (expected digest, "descriptor" | "diff_id")
        if spec.verify_descriptor:
            checks.append((desc.digest, "descriptor"))
        if self._diff_hasher is not None:
            checks.append((spec.diff_id, "diff_id"))
        threaded = size >= limits.prefetch_min_bytes
        self._region = _RegionReader(fd, offset, size, checks, self.subject, threaded=threaded)
        self._diff_hasher = None
        self.in_place = True
        self.read_size = _IN_PLACE_READ
        return True

    def _count(self, n: int) -> None:
        self.bytes_out += n
        self._total[0] += n
        if self.bytes_out > self._limits.max_layer_bytes:
            raise SourceError(
                f"layer decompresses to more than {self._limits.max_layer_bytes} bytes (limit; gzip bomb?)",
                subject=self.subject,
            )
        if self._total[0] > self._limits.max_total_bytes:
            raise SourceError(
                f"image decompresses to more than {self._limits.max_total_bytes} bytes (limit)", subject=self.subject
            )

    def read(self, size: int | None = -1) -> bytes:
        n = CHUNK if size is None or size < 0 else max(size, 1)
        if self._region is not None:
            return self._region.read(n)
        if self._prefetch is not None:
            return self._prefetch.read(n)
        return self._pull(n)

    def skip(self, n: int) -> int:
        """Move ``n`` bytes forward without handing them out; the bytes skipped (fewer only at
        EOF). Skipped bytes are still verified: in place by the hashing thread, else read."""
        if self._region is not None:
            return self._region.skip(n)
        done = 0
        while done < n:
            chunk = self.read(min(n - done, CHUNK))
            if not chunk:
                break
            done += len(chunk)
        return done

    def _pull(self, n: int) -> bytes:
        """Read, verify, decompress, bound and hash up to ``n`` bytes (maybe in the prefetch thread)."""
        if self._eof:
            return b""
        data = self._reader.read(n)
        if not data:
            self._finish()
            return b""
        self._count(len(data))
        if self._diff_hasher is not None:
            self._diff_hasher.update(data)
        return data

    def _finish(self) -> None:
        self._eof = True
        self._verifier.drain()  # compressed bytes after the end of the stream still count
        if self._diff_hasher is not None:
            algo = self._diff_id.split(":", 1)[0]
            got = f"{algo}:{self._diff_hasher.hexdigest()}"
            if got != self._diff_id:
                raise SourceError(
                    f"diff_id mismatch: config says {self._diff_id}, uncompressed layer is {got}",
                    subject=self.subject,
                )

    def drain(self) -> None:
        """Read everything left (bounded by the limits) so every digest check runs."""
        if self._region is not None:
            self._region.finish()
            return
        while self.read(CHUNK):
            pass

    def close(self) -> None:
        try:
            if self._region is not None:
                self._region.close()
            if self._prefetch is not None:
                self._prefetch.close()
            self._verifier.close()
        finally:
            super().close()


def file_region(raw: Any) -> tuple[int, int, int] | None:
    """``(fd, offset, size)`` when the blob ``raw`` is a byte range of a regular file it has open
    (an archive member of a plain tar, a blob file of an OCI layout), else None (a registry
    response, a member of a gzipped archive)."""
    region = getattr(raw, "region", None)
    if callable(region):
        got: tuple[int, int, int] | None = region()
        return got
    if isinstance(raw, io.BufferedReader | io.FileIO):
        try:
            fd = raw.fileno()
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return None
            pos = raw.tell()
        except (OSError, ValueError):
            return None
        return fd, pos, max(st.st_size - pos, 0)
    return None


#: 4 MiB: fewer blocks mean fewer GIL hand-offs between the hash thread and the parser (each costs
#: a thread wake-up); larger blocks no longer fit in L2 and cost more CPU than they save
_HASH_BLOCK = 4 * 1024 * 1024
#: read size for a parser of an in-place layer: small files come with their header, larger
#: data is skipped by moving the offset (a 1 MiB read would copy most of the layer)
_IN_PLACE_READ = 64 * 1024


class _RegionReader:
    """An uncompressed layer stored in a regular file, parsed in place and hashed alongside.

    Why: a ``docker save`` archive (and an OCI layout with uncompressed layers) holds the layer
    tar as plain bytes in a file, so nothing has to flow through a queue. The tar parser reads
    at an offset with ``pread`` (headers and the few files a cataloger wants) and skips file
    data by moving the offset, while every byte is still hashed: by a second thread that reads
    the whole byte range in 4 MiB blocks into one reused buffer (``preadv`` and hashlib release
    the GIL, so the hash runs on another core; the parser's own reads release the GIL often, so
    the hash thread gets it back quickly between blocks). With
    ``threaded=False`` the hash runs in :meth:`finish` instead. Memory: one block buffer,
    whatever the layer size. The digests are compared in :meth:`finish`; a mismatch or a file
    that ends early is a SourceError.
    """

    def __init__(
        self, fd: int, offset: int, size: int, checks: list[tuple[str, str]], subject: str, *, threaded: bool
    ) -> None:
        self._fd = fd
        self._start = self._pos = offset
        self._end = offset + size
        self._checks = checks
        self._hashers = [new_hasher(digest) for digest, _ in checks]
        self._subject = subject
        self._error: BaseException | None = None
        self._stop = False
        self._finished = False
        self._thread: threading.Thread | None = None
        if self._hashers and threaded:
            self._thread = threading.Thread(target=self._hash_in_thread, name="seawall-layer-hash", daemon=True)
            self._thread.start()

    def _truncated(self) -> SourceError:
        return SourceError("layer is truncated (the file ends early)", subject=self._subject)

    def _hash_in_thread(self) -> None:
        try:
            self._hash_all()
        except BaseException as err:  # re-raised by finish() in the caller's thread
            self._error = err

    def _hash_all(self) -> None:
        pos, end, fd, hashers = self._start, self._end, self._fd, self._hashers
        buf = memoryview(bytearray(min(_HASH_BLOCK, max(end - pos, 1))))
        block = len(buf)
        while pos < end and not self._stop:
            try:
                n = _preadinto(fd, buf if end - pos >= block else buf[: end - pos], pos)
            except OSError as err:
                raise SourceError(f"cannot read the layer ({err.strerror or err})", subject=self._subject) from None
            if n <= 0:
                raise self._truncated()
            part = buf[:n]
            for h in hashers:
                h.update(part)
            pos += n

    def read(self, n: int) -> bytes:
        left = self._end - self._pos
        if left <= 0:
            self.finish()
            return b""
        try:
            data = os.pread(self._fd, min(n, left), self._pos)
        except OSError as err:
            raise SourceError(f"cannot read the layer ({err.strerror or err})", subject=self._subject) from None
        if not data:
            raise self._truncated()
        self._pos += len(data)
        return data

    def skip(self, n: int) -> int:
        k = min(n, max(self._end - self._pos, 0))
        self._pos += k
        return k

    def finish(self) -> None:
        """Wait for the hash (or compute it now) and compare every digest."""
        if self._finished:
            return
        self._finished = True
        self._pos = self._end
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            if self._error is not None:
                raise self._error
        elif self._hashers:
            self._hash_all()
        for (expected, kind), h in zip(self._checks, self._hashers, strict=True):
            got = f"{expected.split(':', 1)[0]}:{h.hexdigest()}"
            if got == expected:
                continue
            if kind == "descriptor":
                raise SourceError(f"digest mismatch: expected {expected}, content is {got}", subject=self._subject)
            raise SourceError(
                f"diff_id mismatch: config says {expected}, uncompressed layer is {got}", subject=self._subject
            )

    def close(self) -> None:
        self._stop = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


def _preadinto(fd: int, buf: memoryview, offset: int) -> int:
    if _preadv is not None:
        return int(_preadv(fd, [buf], offset))
    data = os.pread(fd, len(buf), offset)  # pragma: no cover - platforms without preadv
    buf[: len(data)] = data
    return len(data)


_preadv = getattr(os, "preadv", None)


class _Prefetcher:
    """Runs read+verify+decompress+hash in a thread, one bounded queue ahead of the tar parser.

    File and socket reads, hashlib, ISA-L and zstd release the GIL, so on a multi-core machine
    that work overlaps with header parsing. At most ``depth`` chunks are in flight (memory stays
    bounded); an error in the thread is re-raised at the reader's next ``read``.
    """

    def __init__(self, pull: Callable[[int], bytes], depth: int = 4) -> None:
        self._q: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._cur = b""
        self._off = 0
        self._done = False
        self._t = threading.Thread(target=self._run, args=(pull,), name="seawall-layer", daemon=True)
        self._t.start()

    def _run(self, pull: Callable[[int], bytes]) -> None:
        try:
            while not self._stop.is_set():
                data = pull(CHUNK)
                self._put(data)
                if not data:
                    return
        except BaseException as err:  # handed to the consumer, raised there
            self._put(err)

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read(self, n: int) -> bytes:
        if self._off >= len(self._cur):
            if self._done:
                return b""
            item = self._q.get()
            if isinstance(item, BaseException):
                self._done = True
                raise item
            if not item:
                self._done = True
                return b""
            self._cur, self._off = item, 0
        if self._off == 0 and n >= len(self._cur):
            out, self._cur = self._cur, b""
            return out
        out = self._cur[self._off : self._off + n]
        self._off += len(out)
        return out

    def close(self) -> None:
        self._stop.set()
        while True:  # unblock a producer waiting on a full queue
            try:
                self._q.get_nowait()
            except queue.Empty:
                break
        self._t.join(timeout=10)
