"""Checks on a single Role/ClusterRole: wildcards in its rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from seawall.inventory.k8s import K8sObject, as_dict, as_list
from seawall.rbac.model import RBAC_GROUP
from seawall.rules.registry import Violation, rule

ACCESS_RISK = ("3.3.1",)
ACCESS_CM = ("4.3.1",)


@rule(
    id="SW-RBAC-001",
    title="RBAC rule uses a wildcard",
    severity="medium",
    category="access",
    description="""A Role or ClusterRole rule with '*' in verbs, resources or apiGroups grants every
    present and future verb, resource (including every subresource such as pods/exec) or API group,
    including those added later by CRDs. Least privilege needs explicit lists.""",
    remediation="""List exactly what is needed, e.g.:
  rules:
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get", "list", "watch"]""",
    risk=(*ACCESS_RISK, "3.3.2"),
    countermeasure=ACCESS_CM,
    target="object",
    kinds=("Role", "ClusterRole"),
    tools={
        "checkov": "CKV_K8S_49",
        "kubescape": "C-0187",
        "kube-linter": "wildcard-in-rules",
        "trivy": ["KSV-0044", "KSV-0045", "KSV-0046", "KSV-0112"],
    },
    cis=("5.1.3",),
)
def wildcard_in_rules(obj: K8sObject, _ctx: Any) -> Iterator[Violation]:
    if obj.api_group != RBAC_GROUP:
        return
    if isinstance(obj.data.get("aggregationRule"), dict) and obj.kind == "ClusterRole":
        return  # its rules are written by the aggregation controller; the sources are checked
    for i, raw in enumerate(as_list(obj.data.get("rules"))):
        r = as_dict(raw)
        for field in ("verbs", "resources", "apiGroups", "nonResourceURLs"):
            if "*" in as_list(r.get(field)):
                where = as_list(r.get(field)).index("*")
                yield Violation(
                    f"{obj.kind} {obj.name} rule {i} has '*' in {field}",
                    f"/rules/{i}/{field}/{where}",
                    evidence=f"{field}: *",
                )
