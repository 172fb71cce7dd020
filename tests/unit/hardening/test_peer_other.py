"""Agreement with kube-score and Kyverno fixtures for rules those tools cover.

kube-score (score/testdata/pod-probes-*.yaml): the file name says whether liveness and
readiness probes are identical. Kyverno (.kyverno-test/kyverno-test.yaml) lists per resource
name whether its policy passes or fails; Kyverno is not one of the peer ids a rule carries, but
its fixtures pin the semantics of SW-K8S-054 and SW-K8S-090.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from seawall.engine import Report

ScanPath = Callable[[Path], Report]

ROOT = Path(__file__).resolve().parents[3]
KUBE_SCORE = ROOT.parent / "shared" / "corpus" / "k8s" / "kube-score" / "score" / "testdata"


@pytest.mark.parametrize("name", sorted(p.name for p in KUBE_SCORE.glob("pod-probes-*.yaml")))
def test_identical_probes_agree_with_kube_score(name: str, scan_path: ScanPath) -> None:
    report = scan_path(KUBE_SCORE / name)
    got = any(f.rule_id == "SW-K8S-019" for f in report.findings)
    assert got == ("identical" in name)


def _kyverno_results(test_dir: Path) -> dict[str, str]:
    spec = yaml.safe_load((test_dir / "kyverno-test.yaml").read_text())
    out: dict[str, str] = {}
    for r in spec["results"]:
        for name in r["resources"]:
            out[name] = r["result"]
    return out


@pytest.mark.parametrize(
    ("rid", "policy_dir", "message_part"),
    [
        ("SW-K8S-054", "other/require-emptydir-requests-limits", "emptyDir"),
        ("SW-K8S-090", "best-practices/disallow-empty-ingress-host", "has no host"),
        ("SW-K8S-090", "other/restrict-ingress-wildcard", "wildcard host"),
    ],
)
def test_agrees_with_kyverno_test_results(rid: str, policy_dir: str, message_part: str, corpus: Path,
                                          scan_path: ScanPath) -> None:
    test_dir = corpus / "kyverno-policies" / policy_dir / ".kyverno-test"
    results = _kyverno_results(test_dir)
    report = scan_path(test_dir)
    failing = {f.resource.name for f in report.findings if f.rule_id == rid and message_part in f.message}
    for name, result in results.items():
        if result == "skip":
            assert name not in failing, name  # skipped resources have nothing to check
        else:
            assert (name in failing) == (result == "fail"), name


#: chainsaw "good" files that still produce a finding, with the reason.
CHAINSAW_EXCEPTIONS: dict[tuple[str, str], tuple[set[str], str]] = {
    ("SW-K8S-054", "pod-good.yaml"): (
        {"goodpod08"},
        "goodpod08's init containers write to `medium: Memory` emptyDirs without a sizeLimit or a memory "
        "limit; Kyverno's policy only bounds disk-backed emptyDirs (ephemeral-storage), but tmpfs pages are "
        "node RAM, so seawall asks for a memory bound",
    ),
    ("SW-K8S-090", "good-ingress.yaml"): (
        {"ingress-wildcard-host"},
        "this Kyverno policy only forbids *empty* hosts; its good example uses a wildcard host, which "
        "SW-K8S-090 also reports (Kyverno's separate restrict-ingress-wildcard policy agrees)",
    ),
}


@pytest.mark.parametrize(
    ("rid", "policy_dir"),
    [
        ("SW-K8S-054", "other/require-emptydir-requests-limits"),
        ("SW-K8S-090", "best-practices/disallow-empty-ingress-host"),
        ("SW-K8S-090", "other/restrict-ingress-wildcard"),
    ],
)
def test_agrees_with_kyverno_chainsaw_files(rid: str, policy_dir: str, corpus: Path, scan_path: ScanPath) -> None:
    for path in sorted((corpus / "kyverno-policies" / policy_dir / ".chainsaw-test").glob("*.yaml")):
        report = scan_path(path)
        failing = {f.resource.name for f in report.findings if f.rule_id == rid}
        names = {
            str((d.get("metadata") or {}).get("name"))
            for d in yaml.safe_load_all(path.read_text())
            if isinstance(d, dict) and "kind" in d
        }
        if (rid, path.name) in CHAINSAW_EXCEPTIONS:
            assert failing == CHAINSAW_EXCEPTIONS[(rid, path.name)][0]
        elif "bad" in path.name:
            assert failing == names, path.name
        else:
            assert failing == set(), path.name
