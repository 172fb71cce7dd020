"""Layer walk speed and memory: seawall's squash vs. a Python tarfile walk of the same layers.

    .venv/bin/python benchmarks/bench_layers.py [IMAGE ...]

Without arguments it uses the Debian minbase image the test suite caches (docker-save archive
and OCI layout, built by tests/support/images.py). For each image it prints the best of N wall
times for: seawall ``squash`` (digests and diff_ids verified, whiteouts applied) and a
``tarfile`` stream walk over the same verified, decompressed layer streams (so the ratio isolates
the tar parsing and squashing), plus seawall's peak traced Python allocation.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _best(fn: object, n: int) -> float:
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t)
    return best


def _synthetic(tmp: Path, mb: int) -> str:
    """An OCI layout with one gzip layer of ``mb`` MB: 1 MiB files of varied bytes plus small ones."""
    import io
    import os

    from support.images import write_oci_layout

    raw = tmp / f"layer-{mb}.tar"
    block = os.urandom(1 << 16) * 16  # 1 MiB, compressible 16x
    with tarfile.open(raw, "w") as tf:
        for i in range(mb):
            ti = tarfile.TarInfo(f"data/{i // 100}/blob{i}.bin")
            ti.size = len(block)
            tf.addfile(ti, io.BytesIO(block))
            for j in range(10):
                small = tarfile.TarInfo(f"etc/conf{i}/f{j}.conf")
                small.size = 64
                tf.addfile(small, io.BytesIO(b"x" * 64))
    out = tmp / f"oci-{mb}"
    write_oci_layout(out, [raw.read_bytes()], compression="gzip")
    raw.unlink()
    return str(out)


def main() -> int:
    from seawall.inventory.imagefs import squash
    from seawall.sources.image import open_image

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("images", nargs="*")
    ap.add_argument("-n", type=int, default=3, help="repetitions (best is reported)")
    ap.add_argument(
        "--synthetic",
        metavar="MB",
        type=int,
        nargs="*",
        help="also build gzip OCI images of these sizes (e.g. 50 1000) in a temp dir to show flat memory",
    )
    args = ap.parse_args()
    images = args.images
    if args.synthetic:
        import tempfile

        tmp = tempfile.mkdtemp(prefix="seawall-bench-")
        images = [*images, *(_synthetic(Path(tmp), mb) for mb in args.synthetic)]
    if not images:
        from support.images import debian_images

        deb = debian_images()
        images = [str(deb["docker"]), str(deb["oci"])]

    for ref in images:
        with open_image(ref) as img:
            compressed = sum(d.size for d in img.layers)

        def walk_seawall(ref: str = ref) -> int:
            with open_image(ref) as img:
                return len(squash(img, lambda p: p == "var/lib/dpkg/status"))

        def walk_tarfile(ref: str = ref) -> int:
            n = 0
            with open_image(ref) as img:
                for i in range(len(img.layers)):
                    with img.open_layer(i) as s, tarfile.open(fileobj=s, mode="r|") as tf:
                        for _ in tf:
                            n += 1
            return n

        files = walk_seawall()
        t_sw = _best(walk_seawall, args.n)
        t_tf = _best(walk_tarfile, args.n)
        with open_image(ref) as img:
            tracemalloc.start()
            squash(img, lambda p: p == "var/lib/dpkg/status")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        line = (
            f"{ref}\n  {len(img.layers)} layers, {compressed / 1e6:.0f} MB stored, {files} paths\n"
            f"  seawall squash   {t_sw:6.3f} s   (peak Python allocations {peak / 1e6:.1f} MB)\n"
            f"  tarfile walk     {t_tf:6.3f} s   ratio seawall/tarfile {t_sw / t_tf:.2f}"
        )
        print(line)
    if args.synthetic:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
