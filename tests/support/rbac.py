"""Build Kubernetes objects from inline YAML for RBAC/isolation tests (real parser, no mocks)."""

from __future__ import annotations

from seawall.inventory.k8s import K8sObject
from seawall.sources.manifests import parse_manifest_text


def objects(text: str, path: str = "inline.yaml") -> list[K8sObject]:
    pf = parse_manifest_text(text, path)
    assert not pf.errors, pf.errors
    return pf.objects
