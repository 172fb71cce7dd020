"""Read a large input set on two cores: one forked child scans the second half of the files.

The per-file phase (read, parse, per-object and pod rules, Finding building, the secrets and
Dockerfile handlers) dominates a big scan and is independent from file to file. The parent scans
the first half of the files while a forked child (same config, rules and plugins: fork copies
them) scans the second half into its own :class:`~seawall.engine.ScanRun`; the child's results
come back pickled through a pipe and are appended after the parent's, so every list (findings,
errors, skipped, warnings, objects, workloads) ends up in the same order as a serial scan.

Only POSIX fork is used (no re-import, no pickled config). Anything unusual falls back to the
serial path: no fork, stdin, a directory claimed as a unit, a file claimed by a handler that
is not known to be per-file (image archives), other threads running, or a failed child (its
half is then scanned again in the parent, so nothing is lost or duplicated).
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
        if item.stdin or item.is_dir:
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


def _export(run: ScanRun) -> bytes:
    rep, inv = run.report, run.inventory
    payload = {
        "findings": rep.findings,
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


def read_split(run: ScanRun, items: Sequence[InputPath]) -> None:
    """Scan ``items`` into ``run`` with a forked child (see module doc).

    The parent takes items from the front, the child from the back, until they meet (a shared
    counter pair under a lock), so both cores stay busy whatever the files cost.
    """
    import mmap
    import multiprocessing
    import struct

    from seawall.engine import ScanRun as _Run

    shared = mmap.mmap(-1, 16)
    struct.pack_into("qq", shared, 0, 0, len(items))  # next front item, end of the front part
    lock = multiprocessing.get_context("fork").Lock()
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
        code = 1
        try:
            os.close(rfd)
            gc.disable()
            child = _Run(run.config)
            marks: list[tuple[list[int], dict[str, int]]] = []
            while True:
                with lock:
                    front, back = struct.unpack_from("qq", shared, 0)
                    if back <= front:
                        break
                    back -= 1
                    struct.pack_into("q", shared, 8, back)
                child._charts_seen.clear()  # warn at every template; the merge keeps the first
                child.read_one(items[back])
                marks.append(_sizes(child))
            _in_input_order(child, marks)
            data = _export(child)
            with os.fdopen(wfd, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(wfd)
    reaped = False
    reader = os.fdopen(rfd, "rb")
    payload: dict[str, Any] | None = None
    try:
        while True:
            with lock:
                front, back = struct.unpack_from("qq", shared, 0)
                if front >= back:
                    break
                struct.pack_into("q", shared, 0, front + 1)
            run.read_one(items[front])
        with reader:
            data = reader.read()
        _, status = os.waitpid(pid, 0)
        reaped = True
        if os.waitstatus_to_exitcode(status) == 0 and data:
            was = gc.isenabled()
            gc.disable()  # unpickling builds ~1M objects; the collector would walk them repeatedly
            try:
                payload = pickle.loads(data)
            except Exception:
                payload = None
            finally:
                if was:
                    gc.enable()
        del data
    finally:
        reader.close()
        if not reaped:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            os.waitpid(pid, 0)
    front, back = struct.unpack_from("qq", shared, 0)
    shared.close()
    if payload is None:  # the child failed: scan its part here, as a serial run would
        for item in items[back:]:
            run.read_one(item)
        return
    _merge(run, payload)
