"""Where a manifest scan spends its time after the files are read: each analyzer, line
resolution, secret merging, posture, policy, the final sort and the JSON report, best of N.

    .venv/bin/python benchmarks/bench_scan_phases.py [DIR] [--reps 5] [--out report.json]

Default DIR is ../shared/corpus/k8s. The files are read once, serially, in this process; then each
repetition restores the state the reading left and runs the phases as ``engine._scan`` does (the
cyclic GC paused, as the engine pauses it; re-enabled for the JSON report, as the CLI writes it
after ``scan()`` returned). CPU is user+sys of this process plus reaped children (the JSON writer
forks one); wall is per phase. The machine's other load shows in wall, much less in CPU.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from seawall import engine, plugins  # noqa: E402
from seawall.analyzers.posture import posture  # noqa: E402
from seawall.engine import ScanRun, merge_duplicate_secrets  # noqa: E402
from seawall.policy.apply import apply_policy  # noqa: E402
from seawall.policy.config import Config  # noqa: E402
from seawall.reporters import json_report  # noqa: E402
from seawall.sources.files import iter_inputs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?", default=str(ROOT.parent / "shared" / "corpus" / "k8s"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default=os.devnull, help="where the JSON report goes (default: discarded)")
    args = ap.parse_args()

    plugins.load()
    gc.disable()
    config = Config()
    run = ScanRun(config)
    start = time.perf_counter()
    for item in iter_inputs([args.dir], [h.claims_dir for h in engine.FILE_HANDLERS]):
        run.read_one(item)
    print(f"read (serial, not timed below): {time.perf_counter() - start:.2f} s, "
          f"{len(run.report.findings)} findings", file=sys.stderr)
    rep = run.report
    saved = (list(rep.findings), dict(run._pending_lines), dict(run.inventory.extra), list(rep.errors),
             list(rep.warnings))

    cpu: dict[str, float] = {}
    wall: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        t0, c0, k0 = time.perf_counter(), time.process_time(), os.times()
        result = fn()
        k1 = os.times()
        c = time.process_time() - c0 + (k1.children_user - k0.children_user) + (k1.children_system - k0.children_system)
        cpu[name] = min(cpu.get(name, c), c)
        wall[name] = min(wall.get(name, 1e9), time.perf_counter() - t0)
        return result

    def write() -> None:
        with open(args.out, "w", encoding="utf-8") as fh:
            json_report.write(rep, rep.findings, fh)

    for _ in range(args.reps):
        rep.findings[:], pending, extra, rep.errors[:], rep.warnings[:] = (
            list(saved[0]), dict(saved[1]), dict(saved[2]), list(saved[3]), list(saved[4]))
        run._pending_lines = pending
        run.inventory.extra.clear()
        run.inventory.extra.update(extra)
        for name, fn in [*engine.ANALYZERS.items(), *engine.JOIN_ANALYZERS.items()]:
            if config.analyzer_enabled(name):
                rep.findings.extend(timed(f"analyzer {name}", lambda f=fn: list(f(run))))  # type: ignore[misc]
        timed("resolve_lines", run.resolve_lines)
        rep.findings[:] = timed("merge_duplicate_secrets", lambda: merge_duplicate_secrets(rep.findings))
        rep.posture = timed("posture", lambda: posture(run))
        timed("apply_policy", lambda: apply_policy(run))
        timed("final sort", lambda: rep.findings.sort(  # the key engine._scan sorts by
            key=lambda f: (f.location.path, f.location.line, f.rule_id, f.resource.identity())))
        rep.stats = {"files": run.inventory.files, "documents": run.inventory.documents,
                     "objects": len(run.inventory.objects), "workloads": len(run.inventory.workloads),
                     "duration_seconds": 0.0}
        gc.enable()
        timed("JSON report", write)
        gc.disable()

    print(f"{'phase (best of ' + str(args.reps) + ')':34s} {'CPU s':>7s} {'wall s':>7s}")
    for name in cpu:
        if max(cpu[name], wall[name]) >= 0.001:
            print(f"{name:34s} {cpu[name]:7.3f} {wall[name]:7.3f}")
    print(f"{'total':34s} {sum(cpu.values()):7.3f} {sum(wall.values()):7.3f}")


if __name__ == "__main__":
    main()
