"""Risky capabilities as data: which API requests amount to each dangerous power.

Each capability is a list of alternatives; an alternative is a set of requests that must *all*
be allowed (CSR abuse needs both ``create`` and the approval subresource). Requests are
evaluated with :mod:`seawall.rbac.matcher`, so a RoleBinding never grants the cluster-scoped
ones, ``pods/*`` grants no ``pods/exec``, and ``resourceNames`` never restrict ``create``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from seawall.rbac.matcher import Request, binding_allows, scoped
from seawall.rbac.model import RBAC_GROUP, Binding, PolicyRule, RbacModel

#: (verb, api group, resource, subresource, name)
Req = tuple[str, str, str, str, str]

#: The signer whose certificates authenticate to the API server (any user, any group).
CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client"

POD_CONTROLLERS: tuple[tuple[str, str], ...] = (
    ("", "pods"),
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
)


@dataclass(frozen=True, slots=True)
class Capability:
    key: str
    summary: str  # "read secrets": used in messages as "<subject> can <summary>"
    alternatives: tuple[tuple[Req, ...], ...]


def _each(verbs: str, group: str, resources: str, sub: str = "") -> tuple[tuple[Req, ...], ...]:
    return tuple(((v, group, r, sub, ""),) for v in verbs.split() for r in resources.split())


CAPABILITIES: dict[str, Capability] = {
    c.key: c
    for c in (
        Capability("read-secrets", "read secrets (get/list/watch)", _each("get list watch", "", "secrets")),
        Capability(
            "create-pods",
            "create pods or pod controllers (and so run as any service account of the namespace)",
            tuple(((v, g, r, "", ""),) for g, r in POD_CONTROLLERS for v in ("create",)),
        ),
        Capability(
            "modify-pods",
            "update pods or pod controllers (and so run code as their service accounts)",
            tuple(((v, g, r, "", ""),) for g, r in POD_CONTROLLERS for v in ("update", "patch")),
        ),
        Capability(
            "exec",
            "exec, attach, port-forward or add ephemeral containers in pods",
            _each("create", "", "pods", "exec") + _each("create", "", "pods", "attach")
            + _each("create", "", "pods", "portforward") + _each("update patch", "", "pods", "ephemeralcontainers"),
        ),
        Capability("nodes-proxy", "use nodes/proxy (the kubelet API of every node)",
                   _each("get create", "", "nodes", "proxy")),
        Capability("escalate", "escalate roles/clusterroles", _each("escalate", RBAC_GROUP, "roles clusterroles")),
        Capability("bind", "bind roles/clusterroles", _each("bind", RBAC_GROUP, "roles clusterroles")),
        Capability(
            "impersonate",
            "impersonate users, groups or service accounts",
            _each("impersonate", "", "users groups serviceaccounts")
            + _each("impersonate", "authentication.k8s.io", "uids userextras"),
        ),
        Capability("sa-token", "create service account tokens (serviceaccounts/token)",
                   _each("create", "", "serviceaccounts", "token")),
        Capability(
            "csr-approve",
            "create and approve certificate signing requests",
            tuple(
                (("create", "certificates.k8s.io", "certificatesigningrequests", "", ""),
                 (v, "certificates.k8s.io", "certificatesigningrequests", "approval", ""),
                 ("approve", "certificates.k8s.io", "signers", "", signer))
                for v in ("update", "patch")
                for signer in (CLIENT_SIGNER, "kubernetes.io/*")
            ),
        ),
        Capability(
            "webhooks",
            "create, change or delete admission webhook configurations",
            _each("create update patch delete", "admissionregistration.k8s.io",
                  "validatingwebhookconfigurations mutatingwebhookconfigurations"),
        ),
        Capability("create-pv", "create persistent volumes (any host path or storage)",
                   _each("create", "", "persistentvolumes")),
    )
}


def request(r: Req, namespace: str) -> Request:
    verb, group, resource, sub, name = r
    return scoped(verb, resource, namespace, subresource=sub, api_group=group, name=name)


def binding_capabilities(model: RbacModel, b: Binding) -> Iterator[tuple[Capability, PolicyRule]]:
    """Capabilities ``b`` grants its subjects within its own scope, each with one granting rule."""
    for cap in CAPABILITIES.values():
        for alt in cap.alternatives:
            rules = [binding_allows(model, b, request(r, b.namespace)) for r in alt]
            if all(rules):
                first = rules[0]
                assert first is not None
                yield cap, first
                break


def is_admin_rule(rule: PolicyRule, *, core_counts: bool = True) -> bool:
    """``*`` verbs on ``*`` resources in all groups (or, with ``core_counts``, the core group).

    Every core resource with every verb (secrets, pods, service accounts, impersonation) is as
    good as administrator, which is why the core group counts by default.
    """
    groups = {"*", ""} if core_counts else {"*"}
    return (
        "*" in rule.verbs
        and "*" in rule.resources
        and bool(groups.intersection(rule.api_groups))
        and not rule.resource_names
    )
