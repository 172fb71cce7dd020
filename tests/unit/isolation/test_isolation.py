"""Isolation of sensitive workloads through ``seawall.engine.scan`` (real manifests, real
NetworkPolicy analysis from seawall.netpol)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seawall.engine import scan
from seawall.errors import PolicyError
from seawall.isolation.sensitivity import DEFAULT_LABEL, SensitivityConfig
from seawall.policy.config import Config

LABEL = DEFAULT_LABEL


def deploy(name: str, ns: str = "pay", *, level: str | None = None, sa: str = "", extra: str = "",
           ns_label: str = LABEL) -> str:
    labels = f"{{app: {name}" + (f", {ns_label}: {level}" if level is not None else "") + "}"
    sa_line = f"      serviceAccountName: {sa}\n" if sa else ""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {labels}}}
    spec:
{sa_line}{extra}      containers: [{{name: c, image: x, ports: [{{containerPort: 8080}}]}}]
"""


def namespace(name: str, level: str | None = None, label: str = LABEL) -> str:
    labels = f", labels: {{{label}: {level}}}" if level else ""
    return f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}{labels}}}\n"


PINNED = """      nodeSelector: {dedicated: sensitive}
      tolerations: [{key: dedicated, operator: Equal, value: sensitive, effect: NoSchedule}]
"""
DENY_ALL = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: pay}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


def run(tmp_path: Path, *docs: str, config: dict[str, Any] | None = None) -> list[Any]:
    f = tmp_path / "m.yaml"
    f.write_text("---\n".join(docs), encoding="utf-8")
    cfg = Config(enable=("SW-ISO-*",), sections={"sensitivity": config} if config else {})
    report = scan([str(f)], cfg)
    assert not report.errors, report.errors
    return report.findings


def ids(findings: list[Any]) -> list[tuple[str, str]]:
    return sorted((f.rule_id, f.resource.name) for f in findings)


def test_nothing_without_sensitivity_labels(tmp_path: Path) -> None:
    assert run(tmp_path, deploy("a"), deploy("b", sa="x"), deploy("c", sa="x")) == []


def test_non_sensitive_levels_are_ignored(tmp_path: Path) -> None:
    assert run(tmp_path, deploy("a", level="public"), deploy("b")) == []


def test_all_findings_for_an_unprotected_sensitive_workload(tmp_path: Path) -> None:
    found = run(tmp_path, namespace("pay"), deploy("api", level="high", sa="shared"), deploy("web", sa="shared"))
    assert ids(found) == [("SW-ISO-001", "pay"), ("SW-ISO-002", "api"), ("SW-ISO-003", "api"),
                          ("SW-ISO-005", "api")]
    msg = {f.rule_id: f.message for f in found}
    assert "((unlabelled): 1, high: 1)" in msg["SW-ISO-001"]
    assert "pay/web[Deployment]" in msg["SW-ISO-005"]
    sa = next(f for f in found if f.rule_id == "SW-ISO-003")
    assert sa.location.line == 13 and sa.location.pointer == "/spec/template/spec/serviceAccountName"


def test_protected_sensitive_workload_passes(tmp_path: Path) -> None:
    found = run(tmp_path, namespace("pay", "high"), deploy("api", sa="api", extra=PINNED), DENY_ALL)
    assert found == []


def test_namespace_label_is_inherited_and_can_be_overridden(tmp_path: Path) -> None:
    found = run(tmp_path, namespace("pay", "high"), deploy("api", extra=PINNED), deploy("docs", level="public"),
                DENY_ALL)
    assert ids(found) == [("SW-ISO-001", "pay"), ("SW-ISO-003", "api")]  # both run as 'default'


def test_label_key_is_configurable(tmp_path: Path) -> None:
    docs = (deploy("api", level="confidential", ns_label="data-classification"), deploy("web"))
    assert run(tmp_path, *docs) == []
    found = run(tmp_path, *docs, config={"label": "data-classification"})
    assert ("SW-ISO-002", "api") in ids(found)


@pytest.mark.parametrize(
    "extra,nodes,fails",
    [
        ("", "", True),
        ("      nodeSelector: {dedicated: sensitive}\n", "", True),  # pinned but not reserved
        ("      tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]\n", "", True),  # not pinned
        (PINNED, "", False),
        ("      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms:"
         " [{matchExpressions: [{key: pool, operator: In, values: [secure]}]}]}}}\n"
         "      tolerations: [{key: pool, operator: Exists}]\n", "", False),
        ("      nodeSelector: {dedicated: sensitive}\n"
         "      tolerations: [{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute}]\n", "", True),
        (PINNED, "taints: [{key: dedicated, value: sensitive, effect: NoSchedule}]", False),
        (PINNED, "taints: [{key: other, value: x, effect: NoSchedule}]", True),  # tolerated taint absent
        (PINNED, "taints: []", True),
    ],
)
def test_dedicated_nodes(tmp_path: Path, extra: str, nodes: str, fails: bool) -> None:
    docs = [namespace("pay", "high"), deploy("api", extra=extra), DENY_ALL]
    if nodes:
        docs.append(f"apiVersion: v1\nkind: Node\nmetadata: {{name: n1, labels: {{dedicated: sensitive}}}}\n"
                    f"spec: {{{nodes}}}\n")
    assert (("SW-ISO-002", "api") in ids(run(tmp_path, *docs))) is fails


SANDBOX = {"require_sandbox_for": ["high"], "sandbox_runtime_classes": ["gvisor"]}


@pytest.mark.parametrize(
    "runtime,extra_doc,fails",
    [
        ("", "", True),
        ("      runtimeClassName: runc\n", "", True),
        ("      runtimeClassName: gvisor\n", "", False),
        ("      runtimeClassName: secure\n",
         "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: secure}\nhandler: kata-qemu\n", False),
        ("      runtimeClassName: secure\n",
         "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: secure}\nhandler: runc\n", True),
    ],
)
def test_sandbox_runtime(tmp_path: Path, runtime: str, extra_doc: str, fails: bool) -> None:
    docs = [namespace("pay", "high"), deploy("api", extra=PINNED + runtime), DENY_ALL]
    if extra_doc:
        docs.append(extra_doc)
    assert (("SW-ISO-004", "api") in ids(run(tmp_path, *docs, config=SANDBOX))) is fails
    assert ("SW-ISO-004", "api") not in ids(run(tmp_path, *docs))  # only when the config demands it


def test_reachability_follows_network_policies(tmp_path: Path) -> None:
    allow_checkout = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-checkout, namespace: pay}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {app: checkout}}}]}]
"""
    base = [namespace("pay", "high"), namespace("shop"), deploy("api", sa="api", extra=PINNED),
            deploy("checkout", ns="pay", sa="co", extra=PINNED), deploy("web", ns="shop")]
    found = run(tmp_path, *base)
    assert ("SW-ISO-005", "api") in ids(found)
    assert "shop/web[Deployment]" in next(f.message for f in found if f.resource.name == "api"
                                          and f.rule_id == "SW-ISO-005")
    assert ("SW-ISO-005", "api") not in ids(run(tmp_path, *base, allow_checkout))
    # a non-sensitive checkout allowed in is reported
    low = [namespace("pay", "high"), deploy("api", sa="api", extra=PINNED),
           deploy("checkout", ns="pay", level="public", sa="co"), allow_checkout]
    found = run(tmp_path, *low)
    assert any(f.rule_id == "SW-ISO-005" and "pay/checkout[Deployment] (public)" in f.message for f in found)


@pytest.mark.parametrize(
    "section",
    [{"label": ""}, {"label": 5}, {"require_sandbox_for": {"a": 1}}, {"bogus": 1}, {"non_sensitive": [None]}],
)
def test_bad_config_is_a_policy_error(section: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(PolicyError):
        SensitivityConfig.from_section(section)
    f = tmp_path / "m.yaml"
    f.write_text(deploy("api", level="high"), encoding="utf-8")
    report = scan([str(f)], Config(sections={"sensitivity": section}))
    assert any("sensitivity" in str(e) for e in report.errors)


def test_hostile_labels_and_specs(tmp_path: Path) -> None:
    docs = [
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: pay, labels: {seawall.io/sensitivity: [x]}}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: pay, labels: {seawall.io/sensitivity: 3}}\n"
        "spec: {nodeSelector: [a], tolerations: {x: 1}, affinity: 5, runtimeClassName: [x], containers: null}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: null\nspec: null\n",
        "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec: {taints: [null, 3]}\n",
    ]
    found = run(tmp_path, *docs, config={"require_sandbox_for": ["3"]})
    assert ("SW-ISO-002", "p") in ids(found) and ("SW-ISO-004", "p") in ids(found)


def test_workload_object_label_counts_and_pod_label_wins(tmp_path: Path) -> None:
    owner_labelled = deploy("api").replace("metadata: {name: api, namespace: pay}",
                                           f"metadata: {{name: api, namespace: pay, labels: {{{LABEL}: high}}}}")
    assert ("SW-ISO-002", "api") in ids(run(tmp_path, owner_labelled))
    pod_public = deploy("api", level="public").replace(
        "metadata: {name: api, namespace: pay}", f"metadata: {{name: api, namespace: pay, labels: {{{LABEL}: high}}}}")
    assert run(tmp_path, pod_public) == []


def test_shares_connectivity_with_the_netpol_analyzer(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text("---\n".join([namespace("pay", "high"), deploy("api", sa="api", extra=PINNED), deploy("web", ns="x")]),
                 encoding="utf-8")
    report = scan([str(f)], Config())  # every analyzer, every rule
    assert not [e for e in report.errors if "isolation" in str(e)]
    assert any(x.rule_id == "SW-ISO-005" and "x/web[Deployment]" in x.message for x in report.findings)
