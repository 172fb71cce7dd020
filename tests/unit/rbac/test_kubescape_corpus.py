"""Seawall agrees with Kubescape's labelled RBAC cases (../shared/corpus/rbac/kubescape) on every
concept it implements. Where Kubernetes' own authorizer disagrees with Kubescape's rego, Kubernetes
wins; those cases are listed in EXCEPTIONS with the reason and checked to still disagree (so a
fixed corpus shows up)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from seawall.engine import scan
from seawall.policy.config import Config

CORPUS_REL = "corpus/rbac/kubescape"

#: Kubescape rule -> (seawall rule ids, what a failure is about)
MAPPED: dict[str, tuple[frozenset[str], str]] = {
    "rule-can-bind-escalate": (frozenset({"SW-RBAC-010", "SW-RBAC-011"}), "subject"),
    "rule-can-impersonate-users-groups-v1": (frozenset({"SW-RBAC-012"}), "subject"),
    "rule-can-list-get-secrets-v1": (frozenset({"SW-RBAC-006"}), "subject"),
    "rule-can-create-pod": (frozenset({"SW-RBAC-007"}), "subject"),
    "exec-into-container-v1": (frozenset({"SW-RBAC-008"}), "subject"),
    "rule-can-portforward-v1": (frozenset({"SW-RBAC-008"}), "subject"),
    "rule-can-access-proxy-subresource": (frozenset({"SW-RBAC-009"}), "subject"),
    "rule-can-create-service-account-token": (frozenset({"SW-RBAC-013"}), "subject"),
    "rule-can-modify-admission-webhooks": (frozenset({"SW-RBAC-015"}), "subject"),
    "rule-list-all-cluster-admins-v1": (frozenset({"SW-RBAC-002", "SW-RBAC-003"}), "subject"),
    "cluster-admin-role": (frozenset({"SW-RBAC-002"}), "subject"),
    "anonymous-access-enabled": (frozenset({"SW-RBAC-004"}), "binding"),
    "system-authenticated-allowed-to-take-over-cluster": (frozenset({"SW-RBAC-005"}), "subject"),
    "workload-with-cluster-takeover-roles": (frozenset({"SW-RBAC-021"}), "workload"),
    "workload-with-administrative-roles": (frozenset({"SW-RBAC-020"}), "workload"),
    "ensure-default-service-accounts-has-only-default-roles": (frozenset({"SW-RBAC-023"}), "binding"),
}

#: Concepts seawall's RBAC area does not implement (or implements elsewhere), with the reason.
NOT_RBAC_AREA: dict[str, str] = {
    "access-container-service-account-v1": "informational ('SA holds any RBAC'); SW-RBAC-020/021 judge what it holds",
    "automount-default-service-account": "token automount is a workload rule (SW-K8S family), not RBAC",
    "automount-service-account": "token automount is a workload rule (SW-K8S family), not RBAC",
    "serviceaccount-token-mount": "token automount is a workload rule (SW-K8S family), not RBAC",
    "non-existent-service-account": "workload -> missing SA is a workload rule (catalogue E.60)",
    "rule-can-update-configmap-v1": "not in seawall's RBAC rule set (CoreDNS configmap poisoning)",
    "rule-can-delete-k8s-events-v1": "not in seawall's RBAC rule set",
    "rule-excessive-delete-rights-v1": "not in seawall's RBAC rule set",
}

_SCOPE = "a RoleBinding cannot grant a cluster-scoped resource (Kubernetes scopes the request to no namespace)"
_PODS_STAR = "'pods/*' is compared literally by Kubernetes' ResourceMatches and grants no pods/exec or pods/portforward"
#: (rule, case) -> reason Kubernetes' semantics differ from Kubescape's expectation.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("exec-into-container-v1", "clusterrole"): _PODS_STAR,
    ("rule-can-portforward-v1", "clusterrole-clusterrolebinding"): _PODS_STAR,
    ("rule-can-access-proxy-subresource", "clusterrole-rolebinding"): "nodes/proxy: " + _SCOPE,
    ("rule-can-access-proxy-subresource", "role-rolebinding"): "nodes/proxy: " + _SCOPE,
    ("rule-can-modify-admission-webhooks", "clusterrole-rolebinding"): "webhook configurations: " + _SCOPE,
    ("rule-can-modify-admission-webhooks", "role-rolebinding"): "webhook configurations: " + _SCOPE,
}


def _cases(shared: Path) -> list[dict[str, str]]:
    with (shared / CORPUS_REL / "cases.tsv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _shared() -> Path:
    from support.paths import SHARED

    return SHARED


CASES = _cases(_shared())


def test_every_corpus_rule_is_mapped_or_explained() -> None:
    rules = {c["rule"] for c in CASES}
    assert rules == set(MAPPED) | set(NOT_RBAC_AREA)


def _expected_entities(rule: str, case_dir: Path, what: str) -> set[str]:
    out: set[str] = set()
    for item in json.loads((case_dir / "expected.json").read_text(encoding="utf-8")):
        msg = item.get("alertMessage", "")
        if what == "subject":
            m = re.match(r"Subject: (User|Group|ServiceAccount)-(\S+)", msg)
            if m:
                out.add(f"{m.group(1)}/{m.group(2)}")
            elif msg.startswith("system:authenticated"):
                out.add("Group/system:authenticated")
            else:
                raise AssertionError(f"unparsed alertMessage {msg!r}")
        elif what == "workload":
            m = re.match(r"(\w+): (\S+) in the following namespace", msg)
            assert m, msg
            out.add(f"{m.group(1)}/{m.group(2)}")
        else:
            m = re.match(r"the following \w+: (\S+) gives", msg) or re.match(r"\w+: (\S+) has for", msg)
            assert m, msg
            out.add(m.group(1))
    return out


def _seawall_entities(case_dir: Path, rule_ids: frozenset[str], what: str) -> set[str]:
    report = scan([str(case_dir / "input")], Config(enable=tuple(rule_ids)))
    assert not report.errors, report.errors
    out: set[str] = set()
    for f in report.findings:
        if f.rule_id not in rule_ids:
            continue
        if what == "subject":
            subj = dict(f.extra)["subject"]
            kind, _, rest = subj.partition("/")
            out.add(f"{kind}/{rest.rpartition('/')[2]}")
        elif what == "workload":
            out.add(f"{f.resource.kind}/{f.resource.name}")
        else:
            out.add(f.resource.name)
    return out


MAPPED_CASES = [c for c in CASES if c["rule"] in MAPPED]


@pytest.mark.parametrize("case", MAPPED_CASES, ids=[f"{c['rule']}/{c['test_case']}" for c in MAPPED_CASES])
def test_agrees_with_kubescape(case: dict[str, str], shared_dir: Path) -> None:
    rule_ids, what = MAPPED[case["rule"]]
    case_dir = shared_dir / CORPUS_REL / "rules" / case["rule"] / "test" / case["test_case"]
    expected = _expected_entities(case["rule"], case_dir, what)
    assert bool(expected) == (int(case["expected_failures"]) > 0)  # one subject may fail twice
    got = _seawall_entities(case_dir, rule_ids, what)
    reason = EXCEPTIONS.get((case["rule"], case["test_case"]))
    if reason:
        assert got != expected, f"documented exception no longer differs: {reason}"
    else:
        assert got == expected
