"""Read a large input set on two cores: a forked child scans files from the back of the list.

The per-file phase (read, parse, per-object and pod rules, Finding building, the secrets and
Dockerfile handlers) dominates a big scan and is independent from file to file. The parent scans
files from the front while a forked child (same config, rules and plugins: fork copies
them) takes files from the back into its own :class:`~seawall.engine.ScanRun`s, one per batch;
each batch comes back pickled through a pipe while both still work, and the batches are appended
after the parent's results in input order, so every list (findings, errors, skipped, warnings,
objects, workloads) ends up in the same order as a serial scan.

Only POSIX fork is used (no re-import, no pickled config). Anything unusual falls back to the
serial path: no fork, stdin, a directory claimed as a unit, a file claimed by a handler that
is not known to be per-file (image archives), other threads running, or a failed child (its
part is then scanned again in the parent, so nothing is lost or duplicated).
"""

from __future__ import annotations

import dataclasses
import gc
import io
import os
import pickle
import signal
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from seawall.inventory.k8s import K8sObject, PodSpecView
from seawall.model.finding import Finding, Location, Resource
from seawall.sources.files import InputPath

if TYPE_CHECKING:
    from seawall.engine import ScanRun

#: Below this many input files a fork costs more than it saves.
MIN_FILES = 200

#: Handlers whose ``scan`` only reads the one file and records into the run (findings, errors,
#: warnings, skipped, list/dict entries of ``inventory.extra``): safe to run in the child.
PER_FILE_HANDLERS = frozenset({"secrets", "dockerfile"})


def _fields_reducer(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    names = tuple(f.name for f in dataclasses.fields(cls))

    def reduce(obj: Any) -> tuple[Any, ...]:
        return cls, tuple(getattr(obj, n) for n in names)

    return reduce


def _view_reducer(v: PodSpecView) -> tuple[Any, ...]:
    # the container cache is rebuilt on demand; owner and spec keep their identity (pickle memo)
    return PodSpecView, (v.owner, v.spec, v.spec_present, v.metadata, v.spec_pointer, v.metadata_pointer)


def _dispatch_table() -> dict[type, Callable[[Any], tuple[Any, ...]]]:
    # Slotted frozen dataclasses pickle through a Python-level __getstate__/__setstate__; building
    # them from their field tuples is about twice as fast for the ~170k findings of a big corpus.
    from seawall.engine import ScanError

    table: dict[type, Callable[[Any], tuple[Any, ...]]] = {
        cls: _fields_reducer(cls) for cls in (Finding, Resource, Location, K8sObject, ScanError)
    }
    table[PodSpecView] = _view_reducer
    return table


def usable(run: ScanRun, items: Sequence[InputPath]) -> bool:
    """Whether ``items`` may be split between the parent and one forked child."""
    from seawall.engine import FILE_HANDLERS

    if len(items) < MIN_FILES or not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    for item in items:
        if item.read_once or item.is_dir:
            return False
        for h in FILE_HANDLERS:
            if h.name not in PER_FILE_HANDLERS and h.claims_file(item.path):
                return False
    return True


def _lists(run: ScanRun) -> list[list[Any]]:
    rep, inv = run.report, run.inventory
    return [rep.findings, rep.errors, rep.warnings, rep.skipped, rep.not_checked, inv.objects, inv.workloads]


def _sizes(run: ScanRun) -> tuple[list[int], dict[str, int]]:
    extra = {k: len(v) for k, v in run.inventory.extra.items() if isinstance(v, (dict, list))}
    return [len(x) for x in _lists(run)], extra


def _in_input_order(run: ScanRun, marks: list[tuple[list[int], dict[str, int]]]) -> None:
    """The child scans its items last-first; put every list back in first-last item order.

    ``marks[j]`` holds the list lengths after the j-th item the child scanned.
    """
    starts = [([0] * len(marks[0][0]), {}), *marks[:-1]] if marks else []
    bounds = list(zip(reversed(starts), reversed(marks), strict=True))

    def reorder(seq: list[Any], cuts: list[tuple[int, int]]) -> list[Any]:
        out: list[Any] = []
        for a, b in cuts:
            out.extend(seq[a:b])
        return out

    for i, seq in enumerate(_lists(run)):
        seq[:] = reorder(seq, [(a[0][i], b[0][i]) for a, b in bounds])
    for key, value in run.inventory.extra.items():
        cuts = [(a[1].get(key, 0), b[1].get(key, 0)) for a, b in bounds]
        if isinstance(value, list):
            value[:] = reorder(value, cuts)
        elif isinstance(value, dict):
            run.inventory.extra[key] = {k: value[k] for k in reorder(list(value), cuts)}


def _flat_findings(findings: list[Finding]) -> tuple[list[tuple[Any, ...]], list[Resource]]:
    """Findings as plain tuples plus a table of their (shared) Resources.

    Pickling a slotted frozen dataclass calls Python code per object (three per finding); a
    tuple of strings and ints pickles in C. A big corpus sends ~85k findings from the child, so
    this is the difference between ~0.35 s and ~0.1 s of the child's time.
    """
    index: dict[int, int] = {}
    table: list[Resource] = []
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    for f in findings:
        r = f.resource
        i = index.get(id(r))
        if i is None:
            i = index[id(r)] = len(table)
            table.append(r)
        loc = f.location
        append(
            (
                f.rule_id, f.title, f.severity, f.category, f.message, i,
                loc.path, loc.line, loc.pointer, loc.source,
                f.remediation, f.references, f.evidence, f.status, f.suppressed, f.extra,
            )
        )  # fmt: skip
    return rows, table


def _unflat_findings(rows: list[tuple[Any, ...]], table: list[Resource]) -> list[Finding]:
    return [
        Finding(rid, title, sev, cat, msg, table[i], Location(path, line, ptr, src), rem, refs, ev, st, sup, extra)
        for (rid, title, sev, cat, msg, i, path, line, ptr, src, rem, refs, ev, st, sup, extra) in rows
    ]


def _export(run: ScanRun) -> bytes:
    rep, inv = run.report, run.inventory
    payload = {
        "findings": _flat_findings(rep.findings),
        "errors": rep.errors,
        "warnings": rep.warnings,
        "skipped": rep.skipped,
        "not_checked": rep.not_checked,
        "objects": inv.objects,
        "workloads": inv.workloads,
        "files": inv.files,
        "documents": inv.documents,
        # dict/list entries are per-file results (e.g. secret hits by file); others are caches
        "extra": {k: v for k, v in inv.extra.items() if isinstance(v, (dict, list))},
        "pending": run._pending_lines,
        "charts": sorted(run._charts_seen),
    }
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch_table()
    pickler.dump(payload)
    return buf.getvalue()


def _merge(run: ScanRun, payload: dict[str, Any]) -> None:
    from seawall.engine import chart_warning

    rep, inv = run.report, run.inventory
    rep.findings.extend(payload["findings"])
    rep.errors.extend(payload["errors"])
    # the child warns about a Helm chart at each of its templates; keep the first, as serial does
    chart_of = {chart_warning(c): c for c in payload["charts"]}
    for w in payload["warnings"]:
        chart = chart_of.get(w)
        if chart is not None:
            if chart in run._charts_seen:
                continue
            run._charts_seen.add(chart)
        rep.warnings.append(w)
    rep.skipped.extend(payload["skipped"])
    rep.not_checked.extend(payload["not_checked"])
    inv.objects.extend(payload["objects"])
    inv.workloads.extend(payload["workloads"])
    inv.files += payload["files"]
    inv.documents += payload["documents"]
    for key, value in payload["extra"].items():
        mine = inv.extra.get(key)
        if isinstance(mine, list) and isinstance(value, list):
            mine.extend(value)
        elif isinstance(mine, dict) and isinstance(value, dict):
            for k, v in value.items():
                if isinstance(mine.get(k), list) and isinstance(v, list):
                    mine[k].extend(v)
                else:
                    mine[k] = v
        elif mine is None:
            inv.extra[key] = value
    run._pending_lines.update(payload["pending"])


#: Items per batch the child sends back; batches travel (and are unpickled) while both still scan.
BATCH = 48


def _child(run: ScanRun, items: Sequence[InputPath], claim: Callable[[], int | None], wfd: int) -> None:
    """Scan items claimed from the back; send each batch of results as soon as it is complete."""
    from seawall.engine import ScanRun as _Run

    with os.fdopen(wfd, "wb") as out:
        caches: dict[str, Any] = {}
        done = False
        while not done:
            batch = _Run(run.config)
            batch.inventory.extra.update(caches)  # e.g. the compiled secret scanner
            marks: list[tuple[list[int], dict[str, int]]] = []
            while len(marks) < BATCH:
                index = claim()
                if index is None:
                    done = True
                    break
                batch._charts_seen.clear()  # warn at every template; the merge keeps the first
                batch.read_one(items[index])
                marks.append(_sizes(batch))
            if marks:
                _in_input_order(batch, marks)
                data = _export(batch)
                out.write(len(data).to_bytes(8, "little") + data)
                out.flush()
            caches = {k: v for k, v in batch.inventory.extra.items() if not isinstance(v, (dict, list))}


class _Frames:
    """The parent's side of the pipe: collects bytes without blocking, unpickles whole frames."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = bytearray()
        self.payloads: list[dict[str, Any]] = []
        self.eof = False
        self.broken = False  # a frame did not unpickle: the child's part is scanned again
        os.set_blocking(fd, False)

    def poll(self) -> None:
        while not self.eof:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                self.eof = True
            self.buf += chunk
        self._unpickle()

    def finish(self) -> None:
        os.set_blocking(self.fd, True)
        while not self.eof:
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                self.eof = True
            self.buf += chunk
            self._unpickle()

    def _unpickle(self) -> None:
        while len(self.buf) >= 8 and not self.broken:
            size = int.from_bytes(self.buf[:8], "little")
            if len(self.buf) < 8 + size:
                return
            was = gc.isenabled()
            gc.disable()  # unpickling builds many objects; the collector would walk them repeatedly
            try:
                with memoryview(self.buf) as view, view[8 : 8 + size] as frame:
                    payload = pickle.loads(frame)
                # the findings are rebuilt now, between the parent's own files, while the child
                # still scans: at the merge (after the child is done) it would be serial time
                payload["findings"] = _unflat_findings(*payload["findings"])
                self.payloads.append(payload)
            except Exception:
                self.broken = True
                return
            finally:
                if was:
                    gc.enable()
            del self.buf[: 8 + size]


def _widen_pipe(fd: int) -> None:
    """Let a whole batch fit in the pipe (Linux: up to /proc/sys/fs/pipe-max-size, 1 MiB by
    default), so the child does not stall in ``write`` until the parent is between two files."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):  # another OS, or a lower limit: the default size
        pass


class _PipeLock:
    """A mutex between the parent and its forked child: one token byte in a pipe (the make
    jobserver's trick). Acquire reads the token, release writes it back; both processes hold the
    pipe after the fork. Unlike ``multiprocessing.Lock`` it needs no POSIX semaphore (no
    ``/dev/shm``) and no import of ``multiprocessing`` (~6 ms, a tenth of a small scan's start-up).
    """

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        os.write(self._w, b".")

    def __enter__(self) -> None:
        while not os.read(self._r, 1):  # pragma: no cover - the write end stays open
            pass

    def __exit__(self, *exc: object) -> None:
        os.write(self._w, b".")

    def close(self) -> None:
        os.close(self._r)
        os.close(self._w)


def read_split(run: ScanRun, items: Sequence[InputPath]) -> None:
    """Scan ``items`` into ``run`` with a forked child (see module doc).

    The parent takes items from the front, the child from the back, until they meet (a shared
    counter pair under a lock), so both cores stay busy whatever the files cost. The child sends
    its results in batches, which the parent unpickles between its own files.
    """
    import mmap
    import struct

    try:
        shared = mmap.mmap(-1, 16)
        lock = _PipeLock()
    except (OSError, ValueError):  # no anonymous shared memory (or no fds left): scan serially
        for item in items:
            run.read_one(item)
        return
    struct.pack_into("qq", shared, 0, 0, len(items))  # next front item, end of the front part

    def claim_back() -> int | None:
        with lock:
            front, back = struct.unpack_from("qq", shared, 0)
            if back <= front:
                return None
            struct.pack_into("q", shared, 8, back - 1)
            return int(back - 1)

    rfd, wfd = os.pipe()
    _widen_pipe(wfd)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
        code = 1
        try:
            os.close(rfd)
            gc.disable()
            _child(run, items, claim_back, wfd)
            code = 0
        finally:
            os._exit(code)
    os.close(wfd)
    reaped = False
    ok = False
    frames = _Frames(rfd)
    try:
        while True:
            with lock:
                front, back = struct.unpack_from("qq", shared, 0)
                if front >= back:
                    break
                struct.pack_into("q", shared, 0, front + 1)
            run.read_one(items[front])
            frames.poll()
        frames.finish()
        _, status = os.waitpid(pid, 0)
        reaped = True
        ok = os.waitstatus_to_exitcode(status) == 0 and not frames.buf and not frames.broken
    finally:
        os.close(rfd)
        if not reaped:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            os.waitpid(pid, 0)
        lock.close()
    front, back = struct.unpack_from("qq", shared, 0)
    shared.close()
    if not ok:  # the child failed: scan its part here, as a serial run would
        for item in items[back:]:
            run.read_one(item)
        return
    for payload in reversed(frames.payloads):  # the child's batches run from the last item back
        _merge(run, payload)
