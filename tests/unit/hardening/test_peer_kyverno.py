"""Agreement with Kyverno policy tests (kyverno-policies/<dir>/.kyverno-test/kyverno-test.yaml).

Each test lists, per policy rule, resource names that must pass or fail. A resource fails the
policy when any of its rules fails (``skip`` results are ignored). Kyverno is not among the peer
ids seawall rules carry, but its fixtures are real, independent expectations for the same
concepts. Deliberate differences are in EXCEPTIONS with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from seawall.engine import scan
from seawall.policy.config import Config

#: policy directory -> seawall rules that together implement the concept
KYVERNO: dict[str, tuple[str, ...]] = {
    "best-practices/disallow-cri-sock-mount": ("SW-K8S-050",),
    "best-practices/disallow-default-namespace": ("SW-K8S-080",),
    "best-practices/disallow-helm-tiller": ("SW-K8S-066",),
    "best-practices/disallow-latest-tag": ("SW-K8S-020",),
    "best-practices/require-drop-all": ("SW-K8S-004",),
    "best-practices/require-drop-cap-net-raw": ("SW-K8S-005",),
    "best-practices/require-pod-requests-limits": ("SW-K8S-012", "SW-K8S-014", "SW-K8S-015"),
    "best-practices/require-probes": ("SW-K8S-016", "SW-K8S-017"),
    "best-practices/require-ro-rootfs": ("SW-K8S-001",),
    "best-practices/restrict-node-port": ("SW-K8S-082",),
    "best-practices/restrict-service-external-ips": ("SW-K8S-084",),
    "best-practices/check-deprecated-apis": ("SW-K8S-092",),
    "other/require-image-checksum": ("SW-K8S-021",),
    "other/imagepullpolicy-always": ("SW-K8S-022",),
    "other/restrict-automount-sa-token": ("SW-K8S-030",),
    "other/disallow-secrets-from-env-vars": ("SW-K8S-040",),
    "other/require-non-root-groups": ("SW-K8S-010",),
    "other/ensure-readonly-hostpath": ("SW-K8S-052",),
    "other/restrict-loadbalancer": ("SW-K8S-083",),
    "other/require-ingress-https": ("SW-K8S-089",),
    "other/ingress-host-match-tls": ("SW-K8S-089",),
    "other/restrict-deprecated-registry": ("SW-K8S-024",),
    "other/prevent-bare-pods": ("SW-K8S-061",),
    "other/require-cpu-limits": ("SW-K8S-013",),
    "other/ensure-probes-different": ("SW-K8S-019",),
    "other/restrict-sa-automount-sa-token": ("SW-K8S-033",),
}

_UNSET_GROUP = (
    "Kyverno's check-runasgroup also fails a pod that leaves runAsGroup unset; SW-K8S-010 is about "
    "an explicit root group (0). An unset runAsGroup is reported by SW-K8S-009 (GID below 10000)"
)
_PULL = (
    "the image is ':latest' or untagged, so the API server defaults imagePullPolicy to Always; Kyverno "
    "(like Polaris) wants the field written out, seawall follows the effective policy like checkov"
)
_PROBES = (
    "Kyverno's require-probes accepts any one probe; seawall reports a missing liveness and a missing "
    "readiness probe separately, as checkov (CKV_K8S_8/9), kube-linter and Polaris do"
)

#: (policy dir, kind, name) -> (seawall fails it?, reason)
EXCEPTIONS: dict[tuple[str, str, str], tuple[bool, str]] = {
    ("best-practices/require-probes", "Pod", "goodpod03"): (True, _PROBES),
    ("best-practices/require-probes", "Pod", "goodpod04"): (True, _PROBES),
    ("other/imagepullpolicy-always", "Pod", "myapp-pod-2"): (False, _PULL),
    ("other/imagepullpolicy-always", "Deployment", "mydeploy1"): (False, _PULL),
    **{
        ("other/require-non-root-groups", kind, f"bad{kind.lower()}{n}"): (False, _UNSET_GROUP)
        for kind in ("Pod", "Deployment", "CronJob")
        for n in ("01", "05", "13")
    },
    ("other/require-ingress-https", "Ingress", "badingress01"): (
        False, "it has spec.tls; Kyverno also demands the GCE-specific annotation "
        "kubernetes.io/ingress.allow-http: 'false', which is controller configuration, not TLS"),
    ("other/require-ingress-https", "Ingress", "badingress02"): (False, "has TLS; see badingress01"),
    ("other/require-ingress-https", "Ingress", "badingress03"): (False, "has TLS; see badingress01"),
    ("other/ensure-probes-different", "Deployment", "mydeploy-1"): (
        True, "the probes run the same check (tcpSocket 8080) with different timings; Kyverno compares "
        "whole probe objects, seawall compares the check itself like kube-score's pod-probes-identical: a "
        "failing readiness check then also kills the pod"),
    ("other/restrict-sa-automount-sa-token", "ServiceAccount", "bad-svc"): (
        False, "Kyverno wants automount disabled on every ServiceAccount; SW-K8S-033 covers the namespace's "
        "`default` account (CKV_K8S_41): a dedicated account may legitimately mount its token"),
}

ROOT = Path(__file__).resolve().parents[3]
POLICIES = ROOT.parent / "shared" / "corpus" / "k8s" / "kyverno-policies"


def _verdicts(policy_dir: str) -> dict[tuple[str, str], bool]:
    spec = yaml.safe_load((POLICIES / policy_dir / ".kyverno-test" / "kyverno-test.yaml").read_text())
    out: dict[tuple[str, str], bool] = {}
    for r in spec["results"]:
        if r["result"] == "skip":
            continue
        for name in r.get("resources", []):
            key = (str(r.get("kind")), str(name).split("/")[-1])
            out[key] = out.get(key, False) or r["result"] == "fail"
    return out


def _cases() -> list[tuple[str, str, str]]:
    return [(d, k, n) for d in KYVERNO for (k, n) in sorted(_verdicts(d))]


_reports: dict[str, set[tuple[str, str]]] = {}


def _failing(policy_dir: str) -> set[tuple[str, str]]:
    if policy_dir not in _reports:
        test_dir = POLICIES / policy_dir / ".kyverno-test"
        spec = yaml.safe_load((test_dir / "kyverno-test.yaml").read_text())
        report = scan([str(test_dir / r) for r in spec["resources"]], Config())
        assert not report.errors, report.errors
        rules = KYVERNO[policy_dir]
        _reports[policy_dir] = {(f.resource.kind, f.resource.name) for f in report.findings if f.rule_id in rules}
    return _reports[policy_dir]


@pytest.mark.parametrize(("policy_dir", "kind", "name"), _cases(), ids=lambda v: str(v))
def test_agrees_with_kyverno_result(policy_dir: str, kind: str, name: str, corpus: Path) -> None:
    kyverno_fails = _verdicts(policy_dir)[(kind, name)]
    expected = EXCEPTIONS[(policy_dir, kind, name)][0] if (policy_dir, kind, name) in EXCEPTIONS else kyverno_fails
    assert ((kind, name) in _failing(policy_dir)) is expected


def test_exceptions_are_real_disagreements() -> None:
    for (policy_dir, kind, name), (ours, reason) in EXCEPTIONS.items():
        assert reason and _verdicts(policy_dir)[(kind, name)] is not ours
