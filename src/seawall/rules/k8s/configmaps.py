"""Credentials stored in ConfigMaps.

Why: ConfigMaps are not secret: they are readable by anyone with `get configmaps`, shown by
`kubectl describe`, not encrypted at rest by default and routinely committed to git. NIST SP
800-190 4.1.4 asks for secrets injected from the orchestrator's secret store. The name and value
heuristics are the ones the env-var rule uses, so the two never disagree; values are redacted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from seawall.inventory.k8s import K8sObject, as_dict, as_str
from seawall.rules.k8s.common import esc
from seawall.rules.registry import Violation, rule
from seawall.rules.workload.hardening_common import redact
from seawall.rules.workload.hardening_env import (
    credential_in_value,
    embedded_assignments,
    literal_value,
    sensitive_name,
)


@rule(
    id="SW-K8S-091",
    title="Credential stored in a ConfigMap",
    severity="high",
    category="secret",
    description="""A ConfigMap key whose name says it is a credential (password, token, API key,
    ...) has a literal value, a value holds a private key or token, or an embedded
    `NAME=value` line sets a credential. ConfigMaps are not protected like Secrets. The evidence
    is redacted.""",
    remediation="""
apiVersion: v1
kind: Secret            # move the value out of the ConfigMap
metadata: {name: app-creds}
stringData:
  db_password: <from your secret manager>
""",
    risk=["3.1.4"],
    countermeasure=["4.1.4"],
    target="object",
    kinds=("ConfigMap",),
    tools={"kubescape": "C-0012", "trivy": "KSV-01010", "polaris": "sensitiveConfigmapContent"},
)
def configmap_secrets(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    for section in ("data", "binaryData"):
        for key, raw in as_dict(obj.data.get(section)).items():
            k = str(key)
            value = as_str(raw)
            ptr = f"{obj.pointer}/{section}/{esc(k)}"
            why = credential_in_value(value) if section == "data" else ""
            if not why and sensitive_name(k) and literal_value(value) and section == "data":
                why = "a literal value for a credential-named key"
            if not why and section == "data":
                for name, inner in embedded_assignments(value):
                    if sensitive_name(name) and literal_value(inner):
                        why = f"a literal value for {name!r}"
                        value = inner
                        break
            if why:
                yield Violation(f"ConfigMap key {k!r} holds {why}", ptr, evidence=f"{k}={redact(value)}")
