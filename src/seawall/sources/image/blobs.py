"""Digest-verifying readers: every blob byte seawall reads is hashed on the way through.

Content addressing is the only integrity an image has, so verification is not optional and not
deferred to a separate pass: the reader hashes what it hands out and raises at EOF when the
digest (or the size) does not match the descriptor. Reading stops with an error as soon as more
bytes arrive than the descriptor announced.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import IO, Any, Protocol

from seawall.errors import SourceError
from seawall.sources.image.streams import ReadStream

_DIGEST_RE = re.compile(r"^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$")
CHUNK = 1024 * 1024


class ByteStream(Protocol):
    """Anything with ``read(n) -> bytes`` (files, HTTP responses, decompressors)."""

    def read(self, size: int = -1, /) -> bytes: ...


def check_digest(digest: str, subject: str) -> str:
    """Return ``digest`` if it is a well-formed sha256/sha512 digest, else raise SourceError.

    Digests end up in file names (OCI layouts) and URLs, so they are validated before use.
    """
    if not isinstance(digest, str) or not _DIGEST_RE.match(digest):
        raise SourceError(f"invalid or unsupported digest {str(digest)[:80]!r}", subject=subject)
    return digest


def is_digest(text: str) -> bool:
    return bool(_DIGEST_RE.match(text))


def new_hasher(digest: str) -> Any:
    return hashlib.sha512() if digest.startswith("sha512:") else hashlib.sha256()


def digest_bytes(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


class VerifyingReader(ReadStream):
    """Wraps a raw stream; raises SourceError at EOF when digest or size differ from expected.

    ``expected_size`` < 0 means unknown (only the digest is checked). More bytes than expected
    is an error as soon as it happens (a registry cannot stream us an endless blob).
    """

    def __init__(
        self, raw: IO[bytes], expected_digest: str, expected_size: int, subject: str, *, verify: bool = True
    ) -> None:
        super().__init__()
        self._raw = raw
        self._expected = expected_digest
        self._size = expected_size
        self._subject = subject
        self._verify = verify
        self._hasher = new_hasher(expected_digest) if verify else None
        self.bytes_read = 0
        self._done = False

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (1 MiB when unbounded), hashed; b"" at EOF after the checks."""
        if self._done:
            return b""
        want = CHUNK if size is None or size < 0 else size
        if self._size >= 0:
            # one extra byte lets us notice a blob longer than announced
            want = min(want, self._size - self.bytes_read + 1) or 1
        data: bytes = self._raw.read(want)
        if not data:
            self._finish()
            return b""
        n = len(data)
        self.bytes_read += n
        if self._size >= 0 and self.bytes_read > self._size:
            raise SourceError(
                f"blob {self._expected[:19]} is longer than the {self._size} bytes its descriptor says",
                subject=self._subject,
            )
        if self._hasher is not None:
            self._hasher.update(data)
        return data

    def _finish(self) -> None:
        self._done = True
        if not self._verify:
            return
        if self._size >= 0 and self.bytes_read != self._size:
            raise SourceError(
                f"blob {self._expected[:19]} is truncated: {self.bytes_read} of {self._size} bytes",
                subject=self._subject,
            )
        assert self._hasher is not None
        algo = self._expected.split(":", 1)[0]
        got = f"{algo}:{self._hasher.hexdigest()}"
        if got != self._expected:
            raise SourceError(f"digest mismatch: expected {self._expected}, content is {got}", subject=self._subject)

    def drain(self) -> None:
        """Read (and hash) everything left, so the EOF checks run."""
        while self.read(CHUNK):
            pass

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def read_verified(raw: IO[bytes], digest: str, size: int, limit: int, subject: str) -> bytes:
    """Read a small blob (manifest, config) whole, bounded by ``limit``, and verify it."""
    if size > limit:
        raise SourceError(f"blob {digest[:19]} is {size} bytes, over the {limit}-byte limit", subject=subject)
    with VerifyingReader(raw, digest, size, subject) as r:
        data = r.read(limit + 1) if size < 0 else r.read(size + 1)
        if len(data) > limit:
            raise SourceError(f"blob {digest[:19]} is over the {limit}-byte limit", subject=subject)
        r.drain()
    return data


def parse_json_object(data: bytes, what: str, subject: str) -> dict[str, Any]:
    """Decode a JSON object (manifest, config, index) or raise a one-line SourceError."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as err:
        raise SourceError(f"{what} is not valid JSON ({str(err)[:80]})", subject=subject) from None
    if not isinstance(value, dict):
        raise SourceError(f"{what} is not a JSON object", subject=subject)
    return value
