"""Registry scan throughput: ``seawall registry scan`` at several concurrencies, and a rough peer.

    .venv/bin/python benchmarks/bench_registry_scan.py [--copies N]

Starts the test suite's real docker-registry (TLS + htpasswd) on 127.0.0.1, pushes the cached
Debian minbase image and the Debian + Python/npm app image (tests/support/images.py) into N
repositories each (2N images, real layers), then times ``seawall registry scan`` (packages,
image rules, secrets; vulnerabilities "not checked" unless ``--db``) with concurrency 1, 2 and 4,
cold and with ``--resume`` (a second run that finds every digest done).

Peer: Trivy cannot reach a loopback registry from inside ``unshare -n``, so the closest offline
equivalent is timed instead — ``trivy image --input ARCHIVE`` (secret scanner + CycloneDX package
inventory, ``--cache-backend memory``: cold) run once per image, sequentially. It reads local
archives, not a registry, so the ratio is indicative only. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import Result, measure, peer_bin, table  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--copies", type=int, default=3, help="repositories per image (default 3)")
    ap.add_argument("--db", help="vulnerability database to use (default: none, 'not checked')")
    args = ap.parse_args()

    from support.images import app_images, debian_images
    from support.registry import start_registry

    deb, app = debian_images(), app_images()
    reg = start_registry(auth="htpasswd", tls=True)
    results: list[Result] = []
    try:
        for i in range(args.copies):
            reg.push(f"oci:{deb['oci']}:bookworm", f"bench/debian{i}:12.{i}")
            reg.push(f"oci:{app['oci']}:app", f"bench/app{i}:1.{i}.0")
        images = 2 * args.copies
        env = {"SEAWALL_REGISTRY_USERNAME": reg.username, "SEAWALL_REGISTRY_PASSWORD": reg.password}
        seawall = str(ROOT / ".venv" / "bin" / "seawall")
        with tempfile.TemporaryDirectory() as tmp:
            base = [seawall, "registry", "scan", f"{reg.host}/bench/*", "--ca-file", str(reg.ca_file), "-q",
                    "-f", "json", "-o", os.devnull]
            if args.db:
                base += ["--db", args.db]
            else:
                base += ["--db", str(Path(tmp) / "none.db")]
            for n in (1, 2, 4):
                r = measure(f"seawall -j{n}", [*base, "--concurrency", str(n)], offline=False, env=env)
                results.append(r)
            state = Path(tmp) / "state.jsonl"
            results.append(measure("seawall -j4 (resume: record)", [*base, "--concurrency", "4", "--resume",
                                   str(state)], offline=False, env=env))
            results.append(measure("seawall -j4 (resume: all done)", [*base, "--concurrency", "4", "--resume",
                                   str(state)], offline=False, env=env))
            trivy = peer_bin("trivy", "trivy")
            if trivy is not None:
                archives = [deb["docker"], app["docker"]] * args.copies
                start = time.perf_counter()
                peak, rc = 0.0, 0
                for a in archives:
                    r = measure("trivy", [str(trivy), "image", "--input", str(a), "--skip-db-update", "--offline-scan",
                                          "--scanners", "secret", "--format", "cyclonedx", "--cache-backend", "memory",
                                          "--disable-telemetry", "-o", os.devnull, "--quiet"],
                                env={"TRIVY_CACHE_DIR": str(Path(tmp) / "trivy-cache")})
                    peak, rc = max(peak, r.peak_mib), rc or r.returncode
                results.append(Result("trivy (archives, sequential)", time.perf_counter() - start, peak, rc,
                                      "local archives, not a registry"))
        print(f"{images} images ({args.copies}x Debian minbase, {args.copies}x Debian+Python+npm app), "
              f"registry {reg.host} (TLS + htpasswd)")
        print(table(results, reference="seawall -j4"))
    finally:
        reg.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
