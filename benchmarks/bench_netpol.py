"""NetworkPolicy connectivity: seawall against network-config-analyzer (np-guard's Python analyzer).

Two measurements:

1. The np-guard corpus cases (../shared/corpus/netpol/np-guard): every plain-NetworkPolicy input
   directory with a txt connlist golden and no focus/exposure option, timed on the cases nca accepts
   (it rejects a few valid inputs). Best of --repeat runs, wall and CPU (user+sys of the child)
   separately, per case, then summed. Two tables:
   a. one process per case, the way a user runs one cluster:
        seawall netpol matrix DIR --format connlist          (console script; and python -m seawall.netpol)
        nca --connectivity --resource_list DIR --output_format txt_no_fw_rules --output_endpoints deployments
      Small cases are start-up bound: the interpreter and the imports cost most of a seawall run;
   b. one process for all cases, each analysed as a cluster of its own:
        seawall netpol matrix --each DIR... --format connlist
        nca --scheme FILE   (a scheme with one networkConfig and one connectivityMap query per case)
   seawall rows come twice: as this editable checkout runs (every module compiled from source, as
   PYTHONDONTWRITEBYTECODE is set here) and with compiled bytecode (.pyc), as a pip-installed
   seawall and nca's own virtualenv run. Every seawall output is checked against np-guard's golden
   and every --each section against the one-case output (a mismatch is a PROBLEM: exit code 1);
   every nca --scheme listing is compared with nca's one-case run, and differences are NOTEs (nca
   2.1 carries state between the networkConfigs of one scheme: on this corpus, 11 of the 35 listings
   differ, each matching the one-case run when alone in a scheme).
   (every process under ``unshare -n``, seawall too, so both pay the same wrapper; install nca with
   ``python3 -m venv /work/peers/nca && /work/peers/nca/bin/pip install network-config-analyzer``).
2. A synthetic cluster (default 2,000 pods in 50 namespaces, 500 policies mixing pod/namespace
   selectors, matchExpressions, named ports, endPort and ipBlocks): seawall's in-process analysis
   time (load + analyze + every pair's connections), then both CLIs on it (nca with a timeout).

    python benchmarks/bench_netpol.py [--repeat 5] [--pods 2000] [--policies 500] [--nca-timeout 300]
                                      [--skip-cases] [--skip-synthetic] [--skip-nca-synthetic]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import measure, peer_bin, table

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "netpol" / "np-guard"
SEAWALL = [sys.executable, "-m", "seawall"]
SEAWALL_CLI = Path(sys.executable).parent / "seawall"  # the console script, as users run it
LEAN = [sys.executable, "-m", "seawall.netpol"]


def corpus_cases() -> list[Path]:
    with (CORPUS / "tests_index.tsv").open(encoding="utf-8") as fh:
        cats = {r["input_dir(recursive)"]: r["category"] for r in csv.DictReader(fh, delimiter="\t")}
    dirs: list[str] = []
    for c in json.loads((CORPUS / "connlist_cases.json").read_text(encoding="utf-8")):
        if cats.get(c["input_dir"]) != "k8s-netpol" or c["format"] != "txt":
            continue
        if c["focus_workloads"] or c["exposure_analysis"] or c["focus_direction"] or c["focus_conn"]:
            continue
        if c["input_dir"] not in dirs:
            dirs.append(c["input_dir"])
    return [CORPUS / d for d in dirs]


# -- synthetic cluster ------------------------------------------------------------------------------

def synthetic(out: Path, pods: int, policies: int, seed: int = 7) -> None:
    """Write a reproducible cluster: pods spread over namespaces, policies of every shape."""
    rnd = random.Random(seed)
    n_ns = max(1, pods // 40)
    apps = [f"app{i}" for i in range(max(1, pods // 10))]
    docs: list[str] = []
    for n in range(n_ns):
        team = f"team{n % 7}"
        env = "prod" if n % 3 else "dev"
        meta = f"metadata:\n  name: ns{n}\n  labels: {{team: {team}, env: {env}}}\n"
        docs.append(f"apiVersion: v1\nkind: Namespace\n{meta}")
    for i in range(pods):
        ns = f"ns{i % n_ns}"
        app = apps[i % len(apps)]
        tier = ("web", "api", "db", "cache")[i % 4]
        docs.append(
            f"""apiVersion: v1
kind: Pod
metadata:
  name: pod{i}
  namespace: {ns}
  labels: {{app: {app}, tier: {tier}, shard: s{i % 13}}}
spec:
  containers:
  - name: c
    image: registry.example/{app}:1
    ports:
    - {{name: http, containerPort: {8000 + i % 50}}}
    - {{name: metrics, containerPort: 9090}}
    - {{name: dns, containerPort: 53, protocol: UDP}}
"""
        )
    for p in range(policies):
        ns = f"ns{p % n_ns}"
        app = rnd.choice(apps)
        tier = rnd.choice(("web", "api", "db", "cache"))
        shape = p % 6
        if shape == 0:
            body = f"""  podSelector: {{matchLabels: {{app: {app}}}}}
  ingress:
  - from: [{{podSelector: {{matchLabels: {{tier: web}}}}}}]
    ports: [{{port: http}}, {{port: {8000 + p % 50}, endPort: {8010 + p % 50}}}]
"""
        elif shape == 1:
            body = f"""  podSelector: {{matchLabels: {{tier: {tier}}}}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector: {{matchLabels: {{team: team{p % 7}}}}}
      podSelector: {{matchExpressions: [{{key: shard, operator: In, values: [s1, s2, s3]}}]}}
  egress:
  - to: [{{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: {app}}}}}}}]
    ports: [{{port: dns, protocol: UDP}}, {{port: 443}}]
  - to: [{{ipBlock: {{cidr: 10.{p % 250}.0.0/16, except: [10.{p % 250}.{p % 200}.0/24]}}}}]
"""
        elif shape == 2:
            body = """  podSelector: {}
  policyTypes: [Ingress]
"""
        elif shape == 3:
            body = f"""  podSelector: {{matchExpressions: [{{key: app, operator: NotIn, values: [{app}]}}]}}
  ingress:
  - from:
    - namespaceSelector: {{matchLabels: {{env: prod}}}}
    - ipBlock: {{cidr: 172.{16 + p % 16}.0.0/12}}
    ports: [{{port: metrics}}, {{protocol: SCTP}}]
"""
        elif shape == 4:
            body = f"""  podSelector: {{matchLabels: {{app: {app}, tier: {tier}}}}}
  egress:
  - to: [{{podSelector: {{matchExpressions: [{{key: tier, operator: Exists}}]}}}}]
    ports: [{{port: {5000 + p % 100}, protocol: TCP}}, {{port: 53, protocol: UDP}}]
"""
        else:
            body = f"""  podSelector: {{matchLabels: {{shard: s{p % 13}}}}}
  ingress:
  - from: [{{podSelector: {{}}}}]
  - from: [{{ipBlock: {{cidr: 192.168.{p % 256}.0/24}}}}]
    ports: [{{port: 443}}]
"""
        head = f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np{p}\n  namespace: {ns}\n"
        docs.append(f"{head}spec:\n{body}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "cluster.yaml").write_text("---\n".join(docs), encoding="utf-8")


def in_process(directory: Path) -> dict[str, float | int]:
    from seawall.netpol import analyze, load_objects

    t0 = time.perf_counter()
    objs, _ = load_objects([str(directory)])
    t1 = time.perf_counter()
    conn = analyze(objs)
    t2 = time.perf_counter()
    pairs = sum(1 for _ in conn.pairs())
    t3 = time.perf_counter()
    return {
        "objects": len(objs),
        "workloads": len(conn.workloads),
        "policies": len(conn.policies),
        "allowed_pairs": pairs,
        "load_s": round(t1 - t0, 2),
        "analyze_s": round(t2 - t1, 2),
        "all_pairs_s": round(t3 - t2, 2),
        "total_s": round(t3 - t0, 2),
    }


# -- np-guard corpus: one process per case, and one process for all cases ---------------------------

#: Bytecode cache for the ".pyc" rows (filled by one untimed warm-up run): a pip-installed seawall has
#: compiled bytecode, as nca's virtualenv has; this environment sets PYTHONDONTWRITEBYTECODE and the
#: checkout is an editable install, so the plain rows compile every imported module on every run.
PYC_ENV = {"PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "seawall-bench-netpol-pycache"),
           "PYTHONDONTWRITEBYTECODE": ""}
NCA_ARGS = ["--output_format", "txt_no_fw_rules", "--output_endpoints", "deployments"]


@dataclass
class Timing:
    """Best wall and best CPU (user+sys of the child) over the repetitions, plus the last output."""

    wall: float = 0.0
    cpu: float = 0.0
    rc: int = 0
    out: str = ""

    def __iadd__(self, other: Timing) -> Timing:
        self.wall += other.wall
        self.cpu += other.cpu
        self.rc = self.rc or other.rc
        return self


def run_best(argv: list[str], repeat: int, env: dict[str, str] | None = None, offline: bool = False,
             before: Callable[[], None] | None = None) -> Timing:
    """Run ``argv`` ``repeat`` times (``before`` untimed ahead of each run); best wall, best CPU."""
    if offline and shutil.which("unshare"):
        argv = ["unshare", "-n", *argv]
    best = Timing(float("inf"), float("inf"))
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})})
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.stdout.close()
        _pid, status, usage = os.wait4(proc.pid, 0)  # wait4, not wait(): it returns the child's rusage
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        best.wall = min(best.wall, wall)
        best.cpu = min(best.cpu, usage.ru_utime + usage.ru_stime)
        best.rc, best.out = proc.returncode, out.decode("utf-8", errors="replace")
    return best


def golden_outputs(cases: list[Path]) -> dict[Path, str]:
    """The txt golden of each case (connlist_cases.json), newlines removed as np-guard compares."""
    out: dict[Path, str] = {}
    for c in json.loads((CORPUS / "connlist_cases.json").read_text(encoding="utf-8")):
        d = CORPUS / c["input_dir"]
        if d in cases and d not in out and c["format"] == "txt" and not (
            c["focus_workloads"] or c["exposure_analysis"] or c["focus_direction"] or c["focus_conn"]
        ):
            out[d] = (CORPUS / c["expected_output"]).read_text(encoding="utf-8")
    return out


def _norm(text: str) -> str:
    return text.replace("\n", "").replace("\r", "")


def _sections(text: str) -> dict[str, str]:
    """``--each`` output -> {PATH: that PATH's listing}."""
    parts = re.split(r"^==> (.+) <==\n", text, flags=re.M)
    return {parts[i]: parts[i + 1].rstrip("\n") for i in range(1, len(parts), 2)}


def _nca_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if " => " in line]


def write_scheme(cases: list[Path], work: Path) -> tuple[Path, list[Path]]:
    """An nca scheme file running the connectivity query of every case (one networkConfig each,
    the directory read recursively as ``nca --resource_list DIR`` does), each to its own file."""
    outputs = [work / f"case{i}.txt" for i in range(len(cases))]
    lines = ["networkConfigList:"]
    for i, d in enumerate(cases):
        lines += [f"  - name: case{i}", "    resourceList:", f"      - {json.dumps(str(d) + '**')}"]
    lines.append("queries:")
    for i, out in enumerate(outputs):
        lines += [
            f"  - name: connectivity{i}",
            f"    connectivityMap: [case{i}]",
            "    outputConfiguration:",
            "      outputFormat: txt_no_fw_rules",
            "      outputEndpoints: deployments",
            f"      outputPath: {json.dumps(str(out))}",
        ]
    scheme = work / "scheme.yaml"
    scheme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return scheme, outputs


def _nca_batch_differences(nca: Path, cases: list[Path], outputs: list[Path], single: dict[Path, Timing],
                           work: Path) -> list[str]:
    """Cases whose nca --scheme listing differs from nca's one-case run; each is re-run alone in a
    scheme of its own to tell a batch effect (state carried between the networkConfigs of one
    process) from a difference between the two entry points."""
    notes = []
    for d, out in zip(cases, outputs, strict=True):
        batch, alone_case = _nca_lines(out.read_text(encoding="utf-8")), _nca_lines(single[d].out)
        if batch == alone_case:
            continue
        sub = work / f"alone-{d.name}"
        sub.mkdir()
        scheme, (alone_out,) = write_scheme([d], sub)
        run_best([str(nca), "--scheme", str(scheme)], 1, offline=True)
        alone = _nca_lines(alone_out.read_text(encoding="utf-8")) if alone_out.exists() else []
        lines = len(set(batch) ^ set(alone_case))
        why = ("alone in a scheme it matches the one-case run: state carried over from the cases before it"
               if alone == alone_case else "differs even alone in a scheme")
        notes.append(f"nca --scheme listing of {d.name} differs from nca's one-case run ({lines} lines); {why}")
    return notes


def _row(name: str, t: Timing, n: int, ref: Timing | None, note: str) -> str:
    ratio = f"{ref.wall / t.wall:5.1f}x {ref.cpu / t.cpu:5.1f}x" if ref and t.wall and t.cpu else f"{'-':>6} {'-':>6}"
    return f"{name:<44} {t.wall * 1000 / n:9.1f} {t.cpu * 1000 / n:9.1f} {t.wall:8.2f} {ratio}  {note}"


def _table(title: str, rows: list[tuple[str, Timing, str]], n: int, ref: Timing | None) -> str:
    head = f"{'':<44} {'wall ms':>9} {'CPU ms':>9} {'wall s':>8} {'nca/this':>13}"
    sub = f"{title:<44} {'per case':>9} {'per case':>9} {'total':>8} {'wall   CPU':>13}"
    return "\n".join([sub, head, *(_row(name, t, n, ref, note) for name, t, note in rows)])


def run_cases(nca: Path | None, repeat: int) -> int:
    from seawall.netpol import analyze, load_objects
    from seawall.netpol.connlist import connlist

    cases = corpus_cases()
    golden = golden_outputs(cases)
    cli = [str(SEAWALL_CLI)] if SEAWALL_CLI.exists() else SEAWALL
    variants = {
        "seawall netpol matrix": ([*cli, "netpol", "matrix"], None),
        "seawall netpol matrix (.pyc)": ([*cli, "netpol", "matrix"], PYC_ENV),
        "python -m seawall.netpol matrix": ([*LEAN, "matrix"], None),
        "python -m seawall.netpol matrix (.pyc)": ([*LEAN, "matrix"], PYC_ENV),
    }
    for argv, env in variants.values():  # warm-up (writes the .pyc of the bytecode rows)
        run_best([*argv, str(cases[0]), "--format", "connlist"], 1, env)
    per_case: dict[str, dict[Path, Timing]] = {k: {} for k in (*variants, "in-process", "nca")}
    problems: list[str] = []
    notes: list[str] = []
    for d in cases:
        for name, (argv, env) in variants.items():
            t = run_best([*argv, str(d), "--format", "connlist"], repeat, env, offline=True)
            per_case[name][d] = t
            if t.rc != 0 or _norm(t.out) != _norm(golden[d]):
                problems.append(f"{name} {d.name}: rc {t.rc} or output differs from the golden")
        best = Timing(float("inf"), float("inf"))
        for _ in range(repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            connlist(analyze(load_objects([str(d)])[0])).render("connlist")
            best.wall = min(best.wall, time.perf_counter() - w0)
            best.cpu = min(best.cpu, time.process_time() - c0)
        per_case["in-process"][d] = best
        if nca is not None:
            per_case["nca"][d] = run_best([str(nca), "--connectivity", "--resource_list", str(d), *NCA_ARGS],
                                          repeat, offline=True)
    # compare on the cases both tools accept (nca 2.1 rejects a few valid inputs, see issue 6)
    common = [d for d in cases if nca is None or per_case["nca"][d].rc in (0, 1)]
    rejected = [d.name for d in cases if d not in common]
    n = len(common)

    def total(name: str) -> Timing:
        t = Timing()
        for d in common:
            t += per_case[name][d]
        return t

    ref = total("nca") if nca is not None else None
    print(f"np-guard corpus: {len(cases)} plain-NetworkPolicy cases with a txt golden; timed on the {n} "
          f"that nca accepts" + (f" (nca rejects: {', '.join(rejected)})" if rejected else ""))
    print(f"best of {repeat} per case (wall and CPU separately), summed; every process under unshare -n "
          "(~2 ms each); shared machine\n")
    rows = [(name, total(name), "one process per case") for name in variants]
    rows.append(("seawall in-process", total("in-process"), "load + analyze + render, no start-up"))
    if ref is not None:
        rows.append(("network-config-analyzer", ref, "one process per case"))
    print(_table("ONE PROCESS PER CASE", rows, n, ref))

    # -- batch: every case in one process ------------------------------------------------------
    batch_rows: list[tuple[str, Timing, str]] = []
    for name, env in (("seawall netpol matrix --each", None), ("seawall netpol matrix --each (.pyc)", PYC_ENV)):
        t = run_best([*cli, "netpol", "matrix", "--each", *map(str, common), "--format", "connlist"], repeat, env,
                     offline=True)
        sections = _sections(t.out)
        single = per_case[name.replace(" --each", "")]  # the same variant run once per case
        bad = [d.name for d in common if sections.get(str(d)) != single[d].out.rstrip("\n")
               or _norm(sections.get(str(d), "")) != _norm(golden[d])]
        if t.rc != 0 or list(sections) != [str(d) for d in common] or bad:
            problems.append(f"{name}: rc {t.rc}; sections differing from the one-case output or golden: {bad}")
        batch_rows.append((name, t, "one process, every case"))
    if nca is not None:
        with tempfile.TemporaryDirectory() as tmp:
            scheme, outputs = write_scheme(common, Path(tmp))

            def clear() -> None:  # nca appends to an existing outputPath
                for o in outputs:
                    o.unlink(missing_ok=True)

            t = run_best([str(nca), "--scheme", str(scheme)], repeat, offline=True, before=clear)
            if t.rc != 0 or not all(o.exists() for o in outputs):
                problems.append(f"nca --scheme: rc {t.rc}, or an output file is missing")
            else:
                notes.extend(_nca_batch_differences(nca, common, outputs, per_case["nca"], Path(tmp)))
            batch_rows.append(("network-config-analyzer --scheme", t, "one process, every case"))
            ref = t
    print()
    print(_table("ONE PROCESS FOR ALL CASES", batch_rows, n, ref))
    print("\n(the ratio columns divide nca's figure by the row's: the per-case table uses nca per case, the "
          "batch table nca --scheme)")
    for note in notes:
        print(f"NOTE: {note}")
    for p in problems:
        print(f"PROBLEM: {p}", file=sys.stderr)
    return 1 if problems else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pods", type=int, default=2000)
    ap.add_argument("--policies", type=int, default=500)
    ap.add_argument("--nca-timeout", type=float, default=300)
    ap.add_argument("--skip-cases", action="store_true")
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement; the best is kept (default 5)")
    ap.add_argument("--skip-nca-synthetic", action="store_true")
    args = ap.parse_args()
    nca = peer_bin("nca", "nca")
    if nca is None:
        print("network-config-analyzer not installed under $SEAWALL_PEERS/nca: timing seawall only", file=sys.stderr)
    rc = 0
    if not args.skip_cases:
        rc = run_cases(nca, args.repeat)
    if args.skip_synthetic:
        return rc
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "synthetic"
        synthetic(d, args.pods, args.policies)
        stats = in_process(d)
        print(f"\nsynthetic cluster ({args.pods} pods, {args.policies} policies), seawall in-process: {stats}")
        out = str(Path(tmp) / "out.txt")
        argv = [*SEAWALL, "netpol", "matrix", str(d), "--format", "connlist", "-o", out]
        results = [measure("seawall", argv, offline=False)]
        if nca is not None and not args.skip_nca_synthetic:
            results.append(
                measure(
                    "network-config-analyzer",
                    [str(nca), "--connectivity", "--resource_list", str(d), "--output_format", "txt_no_fw_rules",
                     "--output_endpoints", "deployments"],
                    timeout=args.nca_timeout,
                )
            )
        print(table(results))
    print("\n(shared, loaded machine: wall times vary between runs)")
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
