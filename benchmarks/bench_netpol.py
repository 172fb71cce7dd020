"""NetworkPolicy connectivity: seawall against network-config-analyzer (np-guard's Python analyzer).

Two measurements:

1. The np-guard corpus cases (../shared/corpus/netpol/np-guard): every plain-NetworkPolicy input
   directory with a txt connlist golden and no focus/exposure option. Each tool runs once per case as
   a fresh process, the way a user runs it:
     seawall netpol matrix DIR --format connlist
     nca --connectivity --resource_list DIR --output_format txt_no_fw_rules --output_endpoints deployments
   (nca under ``unshare -n``; install it with
   ``python3 -m venv /work/peers/nca && /work/peers/nca/bin/pip install network-config-analyzer``).
2. A synthetic cluster (default 2,000 pods in 50 namespaces, 500 policies mixing pod/namespace
   selectors, matchExpressions, named ports, endPort and ipBlocks): seawall's in-process analysis
   time (load + analyze + every pair's connections), then both CLIs on it (nca with a timeout).

    python benchmarks/bench_netpol.py [--pods 2000] [--policies 500] [--nca-timeout 300] [--skip-cases]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Result, measure, peer_bin, table

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "netpol" / "np-guard"
SEAWALL = [sys.executable, "-m", "seawall"]
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


def run_cases(nca: Path | None) -> None:
    from seawall.netpol import analyze, load_objects
    from seawall.netpol.connlist import connlist

    cases = corpus_cases()
    totals = {"seawall": 0.0, "seawall-lean": 0.0, "seawall-in-process": 0.0, "nca": 0.0}
    nca_failed = 0
    for d in cases:
        totals["seawall"] += measure("seawall", [*SEAWALL, "netpol", "matrix", str(d), "--format", "connlist"],
                                     offline=False).seconds
        totals["seawall-lean"] += measure("seawall-lean", [*LEAN, "matrix", str(d), "--format", "connlist"],
                                          offline=False).seconds
        t0 = time.perf_counter()
        objs, _ = load_objects([str(d)])
        connlist(analyze(objs)).render("connlist")
        totals["seawall-in-process"] += time.perf_counter() - t0
        if nca is not None:
            r = measure(
                "nca",
                [str(nca), "--connectivity", "--resource_list", str(d), "--output_format", "txt_no_fw_rules",
                 "--output_endpoints", "deployments"],
                timeout=120,
            )
            totals["nca"] += r.seconds
            nca_failed += r.returncode not in (0, 1)
    print(f"np-guard corpus: {len(cases)} plain-NetworkPolicy cases (sum of per-case wall times)")
    results = [
        Result("seawall", totals["seawall"], 0, 0, "seawall netpol matrix, one process per case"),
        Result("seawall-lean", totals["seawall-lean"], 0, 0, "python -m seawall.netpol, one process per case"),
        Result("seawall-in-process", totals["seawall-in-process"], 0, 0, "load+analyze+render, no interpreter start"),
    ]
    if nca is not None:
        note = f"one process per case; {nca_failed} case(s) rejected by nca" if nca_failed else "one process per case"
        results.append(Result("network-config-analyzer", totals["nca"], 0, 0, note))
    print(table(results))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pods", type=int, default=2000)
    ap.add_argument("--policies", type=int, default=500)
    ap.add_argument("--nca-timeout", type=float, default=300)
    ap.add_argument("--skip-cases", action="store_true")
    ap.add_argument("--skip-nca-synthetic", action="store_true")
    args = ap.parse_args()
    nca = peer_bin("nca", "nca")
    if nca is None:
        print("network-config-analyzer not installed under $SEAWALL_PEERS/nca: timing seawall only", file=sys.stderr)
    if not args.skip_cases:
        run_cases(nca)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
