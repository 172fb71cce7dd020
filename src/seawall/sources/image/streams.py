"""The one base for image-source byte streams that are written around ``read()``.

``io.RawIOBase`` builds ``read()`` on ``readinto()``; our streams (archive members, layer
decompression, verified blobs, registry responses) naturally produce ``bytes`` from ``read()``,
and buffered readers, tarfile and gzip call ``readinto()``. This class provides the reverse
adapter once, so every stream only implements ``read()``.
"""

from __future__ import annotations

import io
from typing import Any


class ReadStream(io.RawIOBase):
    """A readable raw stream whose ``readinto()`` copies from the subclass's ``read()``."""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        mv = memoryview(b).cast("B")
        data = self.read(len(mv))
        mv[: len(data)] = data
        return len(data)
