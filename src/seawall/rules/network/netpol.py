"""Metadata of the findings the network-policy analyzer builds (``seawall.analyzers.netpol``).

NIST SP 800-190 3.3.3/4.3.3 (poorly separated inter-container traffic: segment east-west traffic)
and 3.4.2/4.4.2 (unbounded network access from containers: control egress). The analyzer computes
Kubernetes' exact NetworkPolicy semantics (:mod:`seawall.netpol`) once per scan and reports against
it, so "selected by a policy" means what the API server and the CNI enforce, not a label guess.
"""

from __future__ import annotations

from typing import Any

from seawall.rules.registry import declare

SEG = (("3.3.3",), ("4.3.3",))
EGRESS = (("3.4.2",), ("4.4.2",))
BOTH = (("3.3.3", "3.4.2"), ("4.3.3", "4.4.2"))


def _d(
    id: str,
    title: str,
    severity: str,
    description: str,
    remediation: str,
    nist: tuple[tuple[str, ...], tuple[str, ...]],
    tools: dict[str, Any] | None = None,
    cis: tuple[str, ...] = (),
    nsa: tuple[str, ...] = (),
) -> None:
    declare(
        id=id,
        title=title,
        severity=severity,
        category="network",
        description=description,
        remediation=remediation,
        risk=nist[0],
        countermeasure=nist[1],
        tools=tools,
        cis=cis,
        nsa=nsa,
        tags=("network-policy",),
    )


_DENY_INGRESS = """Add a default-deny ingress policy to the namespace, then allow what is needed:
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: default-deny-ingress, namespace: NAMESPACE}
  spec:
    podSelector: {}
    policyTypes: [Ingress]"""

_DENY_EGRESS = """Add a default-deny egress policy to the namespace (keep DNS), then allow what is needed:
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: default-deny-egress, namespace: NAMESPACE}
  spec:
    podSelector: {}
    policyTypes: [Egress]
    egress:
    - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]"""

_d(
    "SW-NET-001",
    "Namespace has no NetworkPolicy",
    "high",
    """No NetworkPolicy exists in a namespace that runs workloads (or is declared): every pod in it
    accepts connections from every pod of the cluster and from outside, and may connect anywhere.""",
    _DENY_INGRESS + "\n" + _DENY_EGRESS.split("\n", 1)[1],
    BOTH,
    tools={"kubescape": ["C-0206", "C-0049", "C-0054"], "trivy": "KSV-0038"},
    cis=("5.3.2",),
    nsa=("network-policies",),
)
_d(
    "SW-NET-002",
    "Namespace without default-deny ingress",
    "medium",
    """No NetworkPolicy in the namespace selects all of its pods (podSelector: {}) for Ingress, so any
    workload not named by a specific policy, including every new one, accepts traffic from anywhere.""",
    _DENY_INGRESS,
    SEG,
    tools={"kubescape": "C-0030"},
    cis=("5.3.2",),
)
_d(
    "SW-NET-003",
    "Namespace without default-deny egress",
    "medium",
    """No NetworkPolicy in the namespace selects all of its pods (podSelector: {}) for Egress, so a
    compromised container can open connections to any pod, the nodes and the internet.""",
    _DENY_EGRESS,
    EGRESS,
    tools={"kubescape": "C-0030"},
)
_d(
    "SW-NET-004",
    "Workload not selected by any NetworkPolicy",
    "medium",
    """No NetworkPolicy's podSelector matches the workload's pods: its ingress and egress are both
    unrestricted (a pod is isolated in a direction only once some policy selects it for it).""",
    """Select the pods with a NetworkPolicy (or add a namespace default-deny), e.g.:
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: APP, namespace: NAMESPACE}
  spec:
    podSelector: {matchLabels: {app: APP}}
    policyTypes: [Ingress, Egress]
    ingress: [{from: [{podSelector: {matchLabels: {app: CLIENT}}}], ports: [{port: 8080}]}]""",
    BOTH,
    tools={
        "kubescape": "C-0260",
        "checkov": "CKV2_K8S_6",
        "kube-linter": "non-isolated-pod",
        "polaris": "missingNetworkPolicy",
        "kube-score": "pod-networkpolicy",
    },
)
_d(
    "SW-NET-005",
    "Workload isolated in one direction only",
    "low",
    """NetworkPolicies select the workload for Ingress but not Egress (or the reverse): the other
    direction is wide open.""",
    """Add the missing direction to a policy that selects the workload (policyTypes: [Ingress, Egress])
with the egress/ingress rules it needs, or add a namespace default-deny for that direction.""",
    BOTH,
    tools={"kubescape": "C-0030", "polaris": "missingNetworkPolicy"},
)
_d(
    "SW-NET-006",
    "NetworkPolicy rule allows all traffic",
    "high",
    """A rule with no peers (empty from/to) and no ports admits every source or destination, in and
    outside the cluster, on every port: the policy isolates nothing in that direction.""",
    """Name the peers and ports the workload needs instead of an empty rule:
  ingress:
  - from: [{podSelector: {matchLabels: {app: CLIENT}}}]
    ports: [{port: 8080, protocol: TCP}]""",
    BOTH,
)
_d(
    "SW-NET-007",
    "Egress allowed to the whole internet (0.0.0.0/0)",
    "medium",
    """An egress rule allows an ipBlock of 0.0.0.0/0 (or ::/0): the selected pods may send data to any
    address outside the cluster, the classic exfiltration path.""",
    """Restrict egress to the external CIDRs the workload needs:
  egress:
  - to: [{ipBlock: {cidr: 203.0.113.0/24}}]
    ports: [{port: 443, protocol: TCP}]""",
    EGRESS,
)
_d(
    "SW-NET-008",
    "NetworkPolicy selects no pod",
    "low",
    """The policy's podSelector matches no workload in its namespace: it protects nothing (often a
    label typo), and the workload it was meant for is unprotected.""",
    """Fix spec.podSelector to match the labels of the intended pods (kubectl get pods -n NAMESPACE
--show-labels), or delete the policy.""",
    SEG,
    tools={
        "kubescape": "C-0299",
        "kube-linter": "dangling-networkpolicy",
        "kube-score": "networkpolicy-targets-pod",
    },
)
_d(
    "SW-NET-009",
    "Sensitive workload reachable from every namespace",
    "high",
    """A workload labelled sensitive (seawall.io/sensitivity, configurable) accepts connections from
    any pod of any namespace: it is not isolated for Ingress, or a rule admits an empty
    namespaceSelector or every peer. Sensitive traffic must be separated from the rest (4.3.3).""",
    """Allow ingress only from the namespaces and pods that need the workload:
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: CLIENT_NS}}
      podSelector: {matchLabels: {app: CLIENT}}""",
    SEG,
)
_d(
    "SW-NET-010",
    "Invalid NetworkPolicy field",
    "medium",
    """A selector, ipBlock, peer or port of the policy is malformed (unknown operator, In without
    values, bad CIDR, ipBlock combined with a selector, endPort below port). The API server rejects
    it; if it came from a template, the protection it was meant to give does not exist.""",
    """Fix the field so that `kubectl apply --dry-run=server -f FILE` accepts the policy.""",
    SEG,
)

RULE_IDS = tuple(f"SW-NET-{i:03d}" for i in range(1, 11))
