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
            return Result(name, timeout, usage.ru_maxrss / 1024, -9, "timed out")
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    rc = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace").strip().splitlines() if proc.stderr else []
    return Result(name, seconds, usage.ru_maxrss / 1024, rc, err[-1][:160] if err and rc not in (0, 1) else "")


def table(results: list[Result], reference: str = "seawall") -> str:
    ref = next((r for r in results if r.name == reference), None)
    lines = [f"{'tool':<28} {'wall s':>9} {'peak MiB':>9} {'rc':>4}  {'time ratio':>10}  note"]
    for r in results:
        ratio = f"{r.seconds / ref.seconds:.1f}x" if ref and ref.seconds > 0 else "-"
        lines.append(f"{r.name:<28} {r.seconds:>9.2f} {r.peak_mib:>9.0f} {r.returncode:>4}  {ratio:>10}  {r.note}")
    return "\n".join(lines)
