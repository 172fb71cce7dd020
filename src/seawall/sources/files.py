"""Find input files under the paths the user gave, and read them with hard limits.

Reading is bounded (size cap), binary content and invalid UTF-8 become one-line errors, and
symlinked directories are not followed (a scan never leaves the trees it was pointed at).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seawall.errors import InputError

DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".tox"})
MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})


@dataclass(frozen=True, slots=True)
class InputPath:
    """A file (or a directory a handler claims whole, e.g. an OCI layout) found under the inputs."""

    path: Path
    display: str  # how findings name it: relative to the cwd when possible
    is_dir: bool = False
    stdin: bool = False
    stream: bool = False  # a pipe or device named on the command line, e.g. <(helm template ...)

    @property
    def read_once(self) -> bool:
        """stdin or a named stream: read once, parsed as a manifest whatever its name, never re-read
        (a pipe's data is gone once read; a second open of a FIFO would block)."""
        return self.stdin or self.stream


def display_path(p: Path) -> str:
    try:
        return os.path.relpath(p)
    except ValueError:  # pragma: no cover - different drive on Windows
        return str(p)


def iter_inputs(paths: list[str], claims_dir: list[object] | None = None) -> Iterator[InputPath]:
    """Files under ``paths`` in a stable order; ``-`` is stdin. Missing paths raise InputError.

    ``claims_dir`` holds callables ``(Path) -> bool``: a directory one of them claims is yielded
    as a unit (``is_dir=True``) instead of being walked.
    """
    claimers: list[Callable[[Path], bool]] = [c for c in (claims_dir or []) if callable(c)]
    for raw in paths:
        if raw == "-":
            yield InputPath(Path("-"), "-", stdin=True)
            continue
        p = Path(raw)
        if not p.exists():
            raise InputError("no such file or directory", subject=raw)
        if p.is_file():
            yield InputPath(p, raw)
            continue
        if not p.is_dir():  # a pipe (``<(helm template ...)``) or a device: read once, bounded
            yield InputPath(p, raw, stream=True)
            continue
        if any(c(p) for c in claimers):
            yield InputPath(p, raw, is_dir=True)
            continue
        yield from _walk(p, claimers)


def _walk(top: Path, claimers: Sequence[Callable[[Path], bool]]) -> Iterator[InputPath]:
    """Depth-first, sorted, like ``os.walk`` top-down: a directory's claimed subdirectories, then
    its files, then its other subdirectories. ``os.scandir`` entries carry the file type, so a
    plain file or directory costs no extra ``stat`` (a 3,600-file tree walks in a third of the
    time ``os.walk`` plus ``Path.is_file``/``is_symlink`` took)."""
    top_real: Path | None = None
    stack = [top]
    while stack:
        root = stack.pop()
        try:
            with os.scandir(root) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue  # unreadable directory: os.walk skips it the same way
        shown = display_path(root)
        prefix = "" if shown == "." else shown + os.sep
        subdirs: list[Path] = []
        files: list[os.DirEntry[str]] = []
        for e in entries:
            try:
                is_dir = e.is_dir()  # follows a symlink: a link to a directory is a directory here
            except OSError:
                is_dir = False
            if not is_dir:
                files.append(e)
                continue
            if e.name in SKIP_DIRS or e.is_symlink():
                continue
            dp = root / e.name
            if any(c(dp) for c in claimers):
                yield InputPath(dp, prefix + e.name, is_dir=True)
                continue
            subdirs.append(dp)
        for e in files:
            fp = root / e.name
            if e.is_symlink():
                try:
                    if top_real is None:
                        top_real = top.resolve()
                    target = fp.resolve()
                except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
                    continue  # nothing to read, as with a dangling link
                if not target.is_relative_to(top_real):
                    continue  # never follow a link out of the tree being scanned
                if fp.is_file():
                    yield InputPath(fp, prefix + e.name)
            elif e.is_file(follow_symlinks=False):
                yield InputPath(fp, prefix + e.name)
        stack.extend(reversed(subdirs))


def read_bytes(item: InputPath, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """The file's bytes, refusing anything over ``max_bytes`` without reading it whole."""
    if item.stdin:
        data = read_at_most(sys.stdin.buffer, max_bytes, 0)
    else:
        try:
            size = item.path.stat().st_size
            if size > max_bytes:
                raise InputError(
                    f"file is {size / 1048576:.1f} MiB, over the {max_bytes / 1048576:.0f} MiB limit (--max-file-size)",
                    subject=item.display,
                )
            with item.path.open("rb") as fh:
                data = read_at_most(fh, max_bytes, size)
        except OSError as err:
            raise InputError(err.strerror or str(err), subject=item.display) from None
    if len(data) > max_bytes:
        raise InputError(f"input is over the {max_bytes / 1048576:.0f} MiB limit", subject=item.display)
    return data


def read_at_most(fh: Any, limit: int, size_hint: int) -> bytes:
    """Up to ``limit + 1`` bytes (one more than the limit tells "over"), in blocks: ``read(n)``
    reserves ``n`` bytes first, so a huge ``--max-file-size`` would fail on memory before reading
    a small file. A regular file of known size is read in one call."""
    want = min(size_hint, limit) + 1 if size_hint > 0 else min(limit + 1, 1 << 20)
    data: bytes = fh.read(want)
    if len(data) < want:
        return data  # the end: the usual case, one read
    chunks, total = [data], len(data)
    while total <= limit:
        block = fh.read(min(limit + 1 - total, 8 << 20))
        if not block:
            break
        chunks.append(block)
        total += len(block)
    return b"".join(chunks)


def decode_text(data: bytes, subject: str) -> str:
    """UTF-8 (BOM allowed) or a one-line error; NUL bytes mean a binary file."""
    if b"\x00" in data[:8192]:
        raise InputError("binary file, not YAML/JSON text", subject=subject)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError(f"invalid UTF-8 at byte {err.start} (line {line})", subject=subject) from None
