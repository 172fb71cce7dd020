"""Side-by-side timing of command lines: wall time and peak RSS of each child (via wait4).

Peers run inside ``unshare -n`` (no network namespace) so none of them can phone home. Used by
every ``benchmarks/bench_*.py`` script; not part of the test suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PEERS_DIR = Path(os.environ.get("SEAWALL_PEERS", "/work/peers"))


@dataclass
class Result:
    name: str
    seconds: float
    peak_mib: float
    returncode: int
    note: str = ""
    cpu: float = 0.0  # user + sys seconds of the child (and the children it reaped)


def peer_bin(venv: str, exe: str) -> Path | None:
    """The executable of a peer installed in ``$SEAWALL_PEERS/<venv>`` (None if absent)."""
    p = PEERS_DIR / venv / "bin" / exe
    return p if p.exists() else None


def measure(
    name: str,
    argv: list[str],
    *,
    offline: bool = True,
    timeout: float = 3600,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
) -> Result:
    if offline and shutil.which("unshare"):
        argv = ["unshare", "-n", *argv]
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}, cwd=cwd
    )
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            return Result(name, timeout, usage.ru_maxrss / 1024, -9, "timed out", usage.ru_utime + usage.ru_stime)
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    rc = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace").strip().splitlines() if proc.stderr else []
    note = err[-1][:160] if err and rc not in (0, 1) else ""
    return Result(name, seconds, usage.ru_maxrss / 1024, rc, note, usage.ru_utime + usage.ru_stime)


def best_of(
    repeat: int,
    name: str,
    argv: list[str],
    *,
    offline: bool = True,
    timeout: float = 3600,
    env: dict[str, str] | None = None,
) -> Result:
    """:func:`measure` ``repeat`` times; the run with the least wall time (the least disturbed by
    the machine's other load), its CPU seconds and the highest peak memory seen."""
    runs = [measure(name, argv, offline=offline, timeout=timeout, env=env) for _ in range(max(1, repeat))]
    best = min(runs, key=lambda r: r.seconds)
    best.peak_mib = max(r.peak_mib for r in runs)
    return best


def table(results: list[Result], reference: str = "seawall") -> str:
    ref = next((r for r in results if r.name == reference), None)
    lines = [f"{'tool':<34} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'rc':>4}  {'time ratio':>10}  note"]
    for r in results:
        ratio = f"{r.seconds / ref.seconds:.2f}x" if ref and ref.seconds > 0 else "-"
        lines.append(
            f"{r.name:<34} {r.seconds:>8.2f} {r.cpu:>8.2f} {r.peak_mib:>9.0f} {r.returncode:>4}  {ratio:>10}  {r.note}"
        )
    return "\n".join(lines)
