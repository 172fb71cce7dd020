"""Metadata of the sensitive-workload isolation findings (NIST SP 800-190 4.3.4 and 4.5.2).

No open-source scanner automates these; they need a user-declared sensitivity label (see
:mod:`seawall.isolation.sensitivity`).
"""

from __future__ import annotations

from seawall.rules.registry import declare

RISK = ("3.3.4", "3.5.2")
CM = ("4.3.4", "4.5.2")

declare(
    id="SW-ISO-001", title="Namespace mixes sensitivity levels", severity="medium", category="isolation",
    description="""A namespace holds workloads of different sensitivity levels. Namespaces are the unit of
    RBAC, quotas, network-policy defaults and Pod Security admission, so the sensitive workloads inherit
    the weakest settings their neighbours need.""",
    remediation="""Move the sensitive workloads into their own namespace and label it:
  apiVersion: v1
  kind: Namespace
  metadata:
    name: payments-restricted
    labels: {seawall.io/sensitivity: high}""",
    risk=RISK, countermeasure=CM,
)
declare(
    id="SW-ISO-002", title="Sensitive workload not pinned to dedicated nodes", severity="medium",
    category="isolation",
    description="""A sensitive workload needs both a node selection (nodeSelector or required node
    affinity) and a toleration for the taint that keeps everything else off those nodes; otherwise the
    scheduler places it next to arbitrary workloads that share its host kernel.""",
    remediation="""Taint and label the dedicated nodes, then pin and tolerate:
  kubectl taint nodes NODE dedicated=sensitive:NoSchedule
  kubectl label nodes NODE dedicated=sensitive
  spec:
    nodeSelector: {dedicated: sensitive}
    tolerations:
    - {key: dedicated, operator: Equal, value: sensitive, effect: NoSchedule}""",
    risk=RISK, countermeasure=CM,
)
declare(
    id="SW-ISO-003", title="Sensitive workload shares a service account with other workloads", severity="medium",
    category="isolation",
    description="""The sensitive workload runs as a service account that workloads of another sensitivity
    level also use: compromising any of them yields a token with the same identity and permissions.""",
    remediation="""Give the sensitive workload its own service account:
  apiVersion: v1
  kind: ServiceAccount
  metadata: {name: payments-api, namespace: payments}
  ---
  spec:
    serviceAccountName: payments-api""",
    risk=("3.3.4", "3.3.1"), countermeasure=("4.3.4", "4.3.1"),
)
declare(
    id="SW-ISO-004", title="Sensitive workload without a sandboxed runtime", severity="high",
    category="isolation",
    description="""The configuration requires a sandboxed runtime (gVisor, Kata Containers) for this
    sensitivity level, but the workload runs on the shared host kernel.""",
    remediation="""Run it under a sandboxed RuntimeClass:
  spec:
    runtimeClassName: gvisor""",
    risk=("3.5.2", "3.3.4"), countermeasure=("4.5.2", "4.3.4"),
)
declare(
    id="SW-ISO-005", title="Sensitive workload reachable from non-sensitive workloads", severity="high",
    category="isolation",
    description="""Under the NetworkPolicies in the input, non-sensitive workloads may open connections to
    a sensitive one: a compromised low-value workload becomes a stepping stone to it.""",
    remediation="""Allow ingress only from the workloads that need it:
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: only-frontend, namespace: payments}
  spec:
    podSelector: {matchLabels: {app: payments-api}}
    policyTypes: [Ingress]
    ingress:
    - from: [{podSelector: {matchLabels: {app: checkout}}}]""",
    risk=("3.3.4", "3.3.3"), countermeasure=("4.3.4", "4.3.3"),
)
