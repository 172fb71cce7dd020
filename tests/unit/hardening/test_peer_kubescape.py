"""Agreement with Kubescape's rule tests (kubescape-regolibrary/rules/<rule>/test/<case>/).

Each case has ``input/*.yaml`` and ``expected.json``: the alerts Kubescape raises, each naming
the offending objects (``alertObject.k8sApiObjects``). The set of (kind, name) that seawall's
mapped rule reports over the same inputs must equal the set Kubescape alerts on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from seawall.engine import Report, scan
from seawall.policy.config import Config
from seawall.rules.registry import REGISTRY

ScanPath = Callable[[Path], Report]

#: Kubescape rule directory -> (seawall rule, Kubescape control id the rule carries)
KUBESCAPE: dict[str, tuple[str, str]] = {
    "immutable-container-filesystem": ("SW-K8S-001", "C-0017"),
    "resources-cpu-requests": ("SW-K8S-012", "C-0268"),
    "resources-cpu-limits": ("SW-K8S-013", "C-0270"),
    "resources-memory-requests": ("SW-K8S-014", "C-0269"),
    "resources-memory-limits": ("SW-K8S-015", "C-0271"),
    "configured-liveness-probe": ("SW-K8S-016", "C-0056"),
    "configured-readiness-probe": ("SW-K8S-017", "C-0018"),
    "image-not-pinned-to-digest": ("SW-K8S-021", "C-0306"),
    "image-pull-policy-is-not-set-to-always": ("SW-K8S-022", "C-0075"),
    "rule-identify-old-k8s-registry": ("SW-K8S-024", "C-0253"),
    "container-image-repository": ("SW-K8S-023", "C-0078"),
    "automount-service-account": ("SW-K8S-030", "C-0034"),
    "automount-default-service-account": ("SW-K8S-033", "C-0189"),
    "deprecated-service-account-field": ("SW-K8S-032", "C-0294"),
    "rule-secrets-in-env-var": ("SW-K8S-040", "C-0207"),
    "rule-credentials-in-env-var": ("SW-K8S-041", "C-0012"),
    "duplicate-env-var": ("SW-K8S-042", "C-0295"),
    "containers-mounting-docker-socket": ("SW-K8S-050", "C-0074"),
    "drop-capability-netraw": ("SW-K8S-005", "C-0199"),
    "insecure-capabilities": ("SW-K8S-006", "C-0046"),
    "set-seccomp-profile-RuntimeDefault": ("SW-K8S-007", "C-0210"),
    "linux-hardening": ("SW-K8S-072", "C-0055"),
    "naked-pods": ("SW-K8S-061", "C-0073"),
    "mismatching-selector": ("SW-K8S-064", "C-0296"),
    "rule-access-dashboard-wl-v1": ("SW-K8S-068", "C-0014"),
    "sudo-in-container-entrypoint": ("SW-K8S-070", "C-0062"),
    "pods-in-default-namespace": ("SW-K8S-080", "C-0061"),
    "configmap-in-default-namespace": ("SW-K8S-080", "C-0061"),
    "service-in-default-namespace": ("SW-K8S-080", "C-0061"),
    "ingress-in-default-namespace": ("SW-K8S-080", "C-0061"),
    "ingress-no-tls": ("SW-K8S-089", "C-0263"),
    "rule-credentials-configmap": ("SW-K8S-091", "C-0012"),
}

#: Kubescape control inputs (``data.json`` postureControlInputs) -> (rule, seawall setting).
SETTINGS: dict[str, tuple[str, str]] = {
    "imageDigestExemptRepositories": ("SW-K8S-021", "exempt_repositories"),
    "imageRepositoryAllowList": ("SW-K8S-023", "allowed_registries"),
}

_ENVFROM = (
    "Kubescape's C-0012 also alerts on `envFrom.secretRef` (a Secret imported whole into the "
    "environment). That is not a plain-text credential in the manifest; seawall reports it as "
    "SW-K8S-040 (secret consumed as env var), which the test checks instead"
)
_LOCALHOST = (
    "C-0210 accepts only RuntimeDefault; seawall (like checkov CKV_K8S_31 and the PSS restricted "
    "profile) also accepts a Localhost profile, which is a deliberately chosen custom profile"
)

#: (rule dir, case) -> (seawall's set of (kind, name), reason, rule that reports it instead or "")
EXCEPTIONS: dict[tuple[str, str], tuple[set[tuple[str, str]], str, str]] = {
    ("rule-credentials-in-env-var", "pod-envfrom-secretref"): (set(), _ENVFROM, "SW-K8S-040"),
    ("rule-credentials-in-env-var", "pod-initcontainer-envfrom-secretref"): (set(), _ENVFROM, "SW-K8S-040"),
    ("rule-credentials-in-env-var", "workloads-envfrom-secretref"): (set(), _ENVFROM, "SW-K8S-040"),
    ("rule-credentials-in-env-var", "workloads-initcontainer-envfrom-secretref"): (set(), _ENVFROM, "SW-K8S-040"),
    ("rule-credentials-in-env-var", "cronjob-envfrom-secretref"): (set(), _ENVFROM, "SW-K8S-040"),
    ("rule-credentials-in-env-var", "cronjob-initcontainer-envfrom-secretref"): (set(), _ENVFROM, "SW-K8S-040"),
    ("rule-credentials-in-env-var", "pod"): (
        set(), "the alert is for `some-name: my_key_value`: Kubescape matches sensitive words inside "
        "*values*; a value that merely contains 'key' is not a credential, and the name is not one", ""),
    ("rule-credentials-in-env-var", "deployment"): (
        set(), "the alert is for `some-name: JWT`: the three letters JWT are a word, not a token "
        "(a real JWT, eyJ...eyJ..., is caught by the value patterns)", ""),
    ("linux-hardening", "issue-container-with-capabilities-no-seccomp"): (
        set(), "container main-app drops ALL capabilities; Kubescape no longer counts a capability drop as "
        "Linux hardening, Polaris' linuxHardening does (its success.drop_capabilities.yaml) and so does "
        "seawall. A missing seccomp profile is reported separately by SW-K8S-007", "SW-K8S-007"),
    ("set-seccomp-profile-RuntimeDefault", "pod"): (set(), _LOCALHOST, ""),
    ("set-seccomp-profile-RuntimeDefault", "workloads"): (set(), _LOCALHOST, ""),
}

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT.parent / "shared" / "corpus" / "k8s" / "kubescape-regolibrary" / "rules"


def _cases() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for rule_dir in KUBESCAPE:
        for case in sorted((RULES / rule_dir / "test").iterdir()):
            if (case / "expected.json").is_file() and (case / "input").is_dir():
                out.append((rule_dir, case.name))
    return out


def _alerted(expected: Path) -> set[tuple[str, str]]:
    alerts = json.loads(expected.read_text() or "[]") or []
    return {
        (str(o.get("kind")), str((o.get("metadata") or {}).get("name")))
        for a in alerts
        for o in (a.get("alertObject") or {}).get("k8sApiObjects") or []
    }


@pytest.mark.parametrize(("rule_dir", "case"), _cases(), ids=lambda v: str(v))
def test_agrees_with_kubescape_case(rule_dir: str, case: str, corpus: Path, scan_path: ScanPath) -> None:
    base = corpus / "kubescape-regolibrary" / "rules" / rule_dir / "test" / case
    rid = KUBESCAPE[rule_dir][0]
    config = _config(base / "data.json")
    report = scan([str(base / "input")], config) if config else scan_path(base / "input")
    got = {(f.resource.kind, f.resource.name) for f in report.findings if f.rule_id == rid}
    alerted = _alerted(base / "expected.json")
    if (rule_dir, case) in EXCEPTIONS:
        ours, _reason, instead = EXCEPTIONS[(rule_dir, case)]
        assert got == ours
        assert ours != alerted, "stale exception: seawall now agrees"
        if instead:
            assert alerted <= {(f.resource.kind, f.resource.name) for f in report.findings if f.rule_id == instead}
        return
    assert got == alerted


def _config(data_json: Path) -> Config | None:
    """The seawall settings equivalent to a case's Kubescape control inputs, if it has any."""
    if not data_json.is_file():
        return None
    inputs = json.loads(data_json.read_text()).get("postureControlInputs") or {}
    settings: dict[str, dict[str, object]] = {}
    for key, value in inputs.items():
        if key in SETTINGS:
            rid, setting = SETTINGS[key]
            settings.setdefault(rid, {})[setting] = value
    return Config(settings=settings) if settings else None


def test_cases_exist_for_every_mapping() -> None:
    assert {d for d, _c in _cases()} == set(KUBESCAPE)


def test_rule_metadata_carries_kubescape_ids() -> None:
    for rid, control in KUBESCAPE.values():
        assert control in REGISTRY.get(rid).meta.tool_ids().get("kubescape", []), rid
