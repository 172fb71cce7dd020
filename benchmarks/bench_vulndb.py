"""Vulnerability database benchmark: import time, warm match time for 1,000 packages, peak memory.

    .venv/bin/python benchmarks/bench_vulndb.py [--osv ../shared/data/osv] [--db /tmp/x.sqlite3]
                                                [--skip-import] [--packages 1000]

Imports every bundle in ``--osv`` (the issue's target: under 60 s on the project machine), then
matches a realistic mix of 1,000 packages (60% Debian 12 source packages, the rest PyPI, npm, Go
and crates.io names that exist in the data, each at a version taken from its own advisories so
that a good share are affected) against the warm database (target: under 0.2 s). Prints numbers
only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from seawall.vulndb.importer import update  # noqa: E402
from seawall.vulndb.match import Distro, Matcher, SimplePackage  # noqa: E402
from seawall.vulndb.store import Store, decode_ranges  # noqa: E402


def sample_packages(db: Path, n: int, seed: int = 7) -> list[SimplePackage]:
    rnd = random.Random(seed)
    con = sqlite3.connect(db)
    plan = [("Debian:12", "Debian", int(n * 0.6)), ("PyPI", "PyPI", int(n * 0.15)), ("npm", "npm", int(n * 0.05)),
            ("Go", "Go", int(n * 0.1)), ("crates.io", "crates.io", 0)]
    plan[-1] = ("crates.io", "crates.io", n - sum(p[2] for p in plan[:-1]))
    out: list[SimplePackage] = []
    for eco, pkg_eco, count in plan:
        rows = con.execute(
            "SELECT name, min(ranges) FROM affected WHERE ecosystem = ? GROUP BY name", (eco,)
        ).fetchall()
        rnd.shuffle(rows)
        for name, ranges in rows[:count]:
            versions = [ev[1] for _t, evs in decode_ranges(ranges) for ev in evs if ev[1] != "0"] or ["1.0.0"]
            version = rnd.choice(versions)
            if eco == "Debian:12":
                out.append(SimplePackage(f"lib{name}", version, pkg_eco, source_name=name, source_version=version))
            else:
                out.append(SimplePackage(name, version, pkg_eco))
    con.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--osv", type=Path, default=ROOT.parent / "shared" / "data" / "osv")
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--packages", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="seawall-bench-")) / "vulndb.sqlite3"

    if not args.skip_import:
        # timed without tracemalloc (it slows Python several-fold); memory = process max RSS
        t0 = time.perf_counter()
        res = update([str(args.osv)], db)
        took = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"import: {res.records} advisories from {len(res.sources)} bundles in {took:.1f} s "
              f"(target < 60 s); process max RSS so far {rss:.0f} MiB; db {db.stat().st_size / 2**20:.0f} MiB")

    pkgs = sample_packages(db, args.packages)
    with Store(db) as store:
        matcher = Matcher(store)
        matcher.match(pkgs, Distro("debian", "12"))  # warm the page cache and parse caches once
        times, cpu = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            result = matcher.match(pkgs, Distro("debian", "12"))
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        tracemalloc.start()  # a separate, untimed run for the allocation peak of one match
        matcher.match(pkgs, Distro("debian", "12"))
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"match: {len(pkgs)} packages -> {len(result.matches)} findings, {result.checked} checked, "
          f"{result.not_checked_packages} not checked; median {statistics.median(times):.3f} s, "
          f"min {min(times):.3f} s over {args.repeat} warm runs (target < 0.2 s); "
          f"CPU median {statistics.median(cpu):.3f} s; "
          f"python allocation peak during one match {peak / 2**20:.1f} MiB")
    cold = Matcher(Store(db))
    t0, c0 = time.perf_counter(), time.process_time()
    cold.match(pkgs, Distro("debian", "12"))
    print(f"match with a freshly opened store (OS page cache warm, store caches empty): "
          f"{time.perf_counter() - t0:.3f} s wall, {time.process_time() - c0:.3f} s CPU")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (shared with other engineers)")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
