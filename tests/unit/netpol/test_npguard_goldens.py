"""seawall's connectivity list against every np-guard golden for plain NetworkPolicy inputs.

The corpus (../shared/corpus/netpol/np-guard, see its SOURCES.md) holds np-guard's test inputs and
expected outputs. Every case of ``connlist_cases.json`` whose input directory is in the
``k8s-netpol`` category (plain NetworkPolicy: 319 cases) is compared, in every format seawall emits
(txt, json, csv, md, dot), with and without ``--exposure`` and with focus workloads. The
``netpol+ingress/route`` (Ingress/Route traffic as ``{ingress-controller}``, 108 cases, with focus
direction and focus-workload-peer options) and ``no-netpol`` (9 cases) categories are compared too.
Comparison follows upstream: remove every ``\\n`` and ``\\r`` from both strings, then compare exactly.

The ``admin-netpol`` category (AdminNetworkPolicy / BaselineAdminNetworkPolicy, 288 cases) is
compared too, except input directories that also use OVN multi-network objects
(UserDefinedNetwork, NetworkAttachmentDefinition, MultiNetworkPolicy, VirtualMachine): seawall does
not model secondary/user-defined networks, so those 10 cases (and the whole
``multi-network(ovn-udn/nad)`` category) are out of scope.

``EXCEPTIONS`` lists goldens seawall deliberately disagrees with (Kubernetes semantics win over
np-guard's); each needs a reason, and the test checks the output still differs.
"""

from __future__ import annotations

import csv
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from seawall.netpol import analyze, load_objects
from seawall.netpol.analysis import Connectivity
from seawall.netpol.connlist import ConnlistOptions, connlist
from seawall.netpol.ports import ConnectionSet

_SHARED = Path(os.environ.get("SEAWALL_SHARED", Path(__file__).resolve().parents[3].parent / "shared"))
_CORPUS = _SHARED / "corpus" / "netpol" / "np-guard"

_IPV6 = (
    "np-guard ignores IPv6 CIDRs (warning 'IPv6 addresses are not supported'); Kubernetes accepts IPv6 "
    "ipBlocks and ANP networks, so seawall also lists connections to the IPv6 ranges"
)
#: expected_output path -> why seawall's output differs on purpose.
EXCEPTIONS: dict[str, str] = {
    "test_outputs/connlist/anp_and_banp_using_networks_with_ipv6_test_connlist_output.txt": _IPV6,
    "test_outputs/connlist/anp_banp_test_multiple_warnings_connlist_output.txt": _IPV6,
}
_MULTI_NETWORK = ("UserDefinedNetwork", "NetworkAttachmentDefinition", "MultiNetworkPolicy", "VirtualMachine")


def _cases() -> list[dict[str, Any]]:
    index = _CORPUS / "tests_index.tsv"
    if not index.is_file():  # the shared_dir fixture reports a missing corpus as an error
        return []
    with index.open(encoding="utf-8") as fh:
        rows = {r["input_dir(recursive)"]: r for r in csv.DictReader(fh, delimiter="\t")}
    cases = json.loads((_CORPUS / "connlist_cases.json").read_text(encoding="utf-8"))
    return [
        c
        for c in cases
        if c["input_dir"] in rows
        and rows[c["input_dir"]]["category"] in CATEGORIES
        and not any(k in rows[c["input_dir"]]["kinds"] for k in _MULTI_NETWORK)
    ]


CATEGORIES = ("k8s-netpol", "netpol+ingress/route", "no-netpol", "admin-netpol")
CASES = _cases()


@cache
def _analysis(input_dir: str) -> Connectivity:
    objs, _skipped = load_objects([str(_CORPUS / input_dir)])
    return analyze(objs)


def _norm(s: str) -> str:
    return s.replace("\n", "").replace("\r", "")


def test_corpus_has_the_documented_cases(shared_dir: Path) -> None:
    assert (shared_dir / "corpus" / "netpol" / "np-guard").resolve() == _CORPUS.resolve()
    cats = {
        r["input_dir(recursive)"]: r["category"]
        for r in csv.DictReader((_CORPUS / "tests_index.tsv").open(encoding="utf-8"), delimiter="\t")
    }
    plain = [c for c in CASES if cats[c["input_dir"]] == "k8s-netpol"]
    assert len({c["input_dir"] for c in plain}) == 92
    assert len(plain) == 319
    assert len(CASES) == 319 + 108 + 9 + 278


@pytest.mark.parametrize("case", CASES, ids=[Path(c["expected_output"]).name for c in CASES])
def test_matches_npguard_golden(case: dict[str, Any], shared_dir: Path) -> None:
    expected = (shared_dir / "corpus" / "netpol" / "np-guard" / case["expected_output"]).read_text(encoding="utf-8")
    opts = ConnlistOptions(
        focus_workloads=tuple(case["focus_workloads"]),
        focus_workload_peers=tuple(case["focus_workload_peers"]),
        focus_direction=case["focus_direction"],
        focus_conn=ConnectionSet.parse(case["focus_conn"]) if case["focus_conn"] else None,
        exposure=case["exposure_analysis"],
    )
    out = connlist(_analysis(case["input_dir"]), opts).render(case["format"])
    reason = EXCEPTIONS.get(case["expected_output"])
    if reason:
        assert _norm(out) != _norm(expected), f"documented exception no longer differs: {reason}"
    else:
        assert _norm(out) == _norm(expected)
