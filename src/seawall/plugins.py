"""Import every rule family, file handler and analyzer exactly once, so the registries are full.

Adding a family: create its module and add one import line below. Nothing else registers rules.
"""

from __future__ import annotations

import importlib

_MODULES: tuple[str, ...] = (
    "seawall.rules.workload.hardening_securitycontext",
    "seawall.rules.workload.hardening_resources",
    "seawall.rules.workload.hardening_probes",
    "seawall.rules.workload.hardening_images",
    "seawall.rules.workload.hardening_serviceaccount",
    "seawall.rules.workload.hardening_env",
    "seawall.rules.workload.hardening_volumes",
    "seawall.rules.workload.hardening_pod",
    "seawall.rules.k8s.namespaces",
    "seawall.rules.k8s.services",
    "seawall.rules.k8s.ingress",
    "seawall.rules.k8s.configmaps",
    "seawall.rules.k8s.apiversions",
    "seawall.rules.rbac.roles",
    "seawall.rules.rbac.access",
    "seawall.analyzers.rbac",
    "seawall.rules.isolation.sensitive",
    "seawall.analyzers.isolation",
    "seawall.analyzers.posture",
    "seawall.rules.network.netpol",
    "seawall.analyzers.netpol",
    "seawall.secrets.handler",
    "seawall.analyzers.secrets",
    "seawall.rules.workload.pss",
    "seawall.analyzers.admission",
    "seawall.dockerfile.handler",
    "seawall.sources.image.handler",
    "seawall.rules.image.config",
    "seawall.rules.image.secrets",
    "seawall.rules.image.contents",
    "seawall.analyzers.image",
    "seawall.secrets.image",
    "seawall.analyzers.vulnerabilities",
    "seawall.analyzers.signatures",
    "seawall.rules.supply_chain.trusted_registries",
    "seawall.rules.supply_chain.runtime_config",
    "seawall.analyzers.freshness",
    "seawall.analyzers.combined",
)

_loaded = False


def load() -> None:
    global _loaded
    if _loaded:
        return
    for name in _MODULES:
        importlib.import_module(name)
    _loaded = True
