"""The netpol analyzer's findings against Kubescape's labelled network-policy cases.

../shared/corpus/netpol/kubescape (see its SOURCES.md) has, per rule, input manifests and the
number of expected failures. Concepts seawall implements:

- ``dangling-networkpolicy`` (C-0299)                  -> SW-NET-008 (policy selects no pod)
- ``ensure_network_policy_configured_in_labels`` (C-0260) -> SW-NET-004 (workload selected by no policy)
- ``ingress-and-egress-blocked`` (C-0030)              -> SW-NET-004: Kubescape passes a workload that
  any policy selects, even for one direction only (case ``only-egress-policy``); seawall reports that
  half-isolation separately as SW-NET-005, so C-0030 is compared with SW-NET-004 alone.
- ``internal-networking`` (C-0206)                     -> SW-NET-001 (namespace without NetworkPolicy)

Cases whose inputs are Cilium (Clusterwide)NetworkPolicies are skipped: seawall models only
``networking.k8s.io/v1`` NetworkPolicy.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from seawall.engine import scan
from seawall.policy.config import Config

_SHARED = Path(os.environ.get("SEAWALL_SHARED", Path(__file__).resolve().parents[3].parent / "shared"))
_CORPUS = _SHARED / "corpus" / "netpol" / "kubescape"

RULE_FOR = {
    "dangling-networkpolicy": "SW-NET-008",
    "ensure_network_policy_configured_in_labels": "SW-NET-004",
    "ingress-and-egress-blocked": "SW-NET-004",
    "internal-networking": "SW-NET-001",
}


def _cases() -> list[dict[str, str]]:
    path = _CORPUS / "cases.tsv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


CASES = [c for c in _cases() if "cilium" not in c["input_files"]]


def test_cases_present(shared_dir: Path) -> None:
    assert (shared_dir / "corpus" / "netpol" / "kubescape" / "cases.tsv").is_file()
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[f"{c['rule']}/{c['test_case']}" for c in CASES])
def test_failures_match_kubescape(case: dict[str, str], shared_dir: Path) -> None:
    rules = shared_dir / "corpus" / "netpol" / "kubescape" / "rules"
    inputs = rules / case["rule"] / "test" / case["test_case"] / "input"
    report = scan([str(inputs)], Config())
    rid = RULE_FOR[case["rule"]]
    hits = [f for f in report.findings if f.rule_id == rid]
    assert len(hits) == int(case["expected_failures"]), [f.message for f in hits]
