"""Agreement with checkov's RBAC examples (../shared/corpus/k8s/checkov, file names say
PASSED/FAILED). checkov judges a role by itself, so each role is evaluated as if bound in its own
scope (a Role by a RoleBinding, a ClusterRole by a ClusterRoleBinding) with seawall's matcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.engine import scan
from seawall.policy.config import Config
from seawall.rbac.capabilities import binding_capabilities
from seawall.rbac.model import Binding, RbacModel, Subject
from support.rbac import objects

CHECKS = "corpus/k8s/checkov/tests/kubernetes/checks"

#: checkov example dir -> seawall capability key (role-level)
CAPS = {
    "example_RbacEscalateRoles": "escalate",
    "example_RbacBindRoleBindings": "bind",
    "example_RbacControlWebhooks": "webhooks",
    "example_RbacApproveCertificateSigningRequests": "csr-approve",
}
#: (dir, file) -> why Kubernetes semantics (or seawall's stricter definition) differ
EXCEPTIONS = {
    ("example_RbacBindRoleBindings", "clusterrole-failed-1.yaml"):
        "the bind verb is only checked on roles/clusterroles; 'bind' on rolebindings grants nothing",
    ("example_RbacApproveCertificateSigningRequests", "clusterrole-failed-1.yaml"):
        "approval without 'create' on certificatesigningrequests: seawall's rule is create AND approve",
    ("example_RbacApproveCertificateSigningRequests", "clusterrole-failed-3.yaml"):
        "approval without 'create' on certificatesigningrequests: seawall's rule is create AND approve",
}


def _files(shared: Path, d: str) -> list[Path]:
    return sorted((shared / CHECKS / d).glob("*.yaml"))


def _role_caps(path: Path) -> set[str]:
    model = RbacModel.from_objects(objects(path.read_text(encoding="utf-8"), str(path)))
    caps: set[str] = set()
    roles = [*model.roles.values(), *(r for r in model.cluster_roles.values() if not r.builtin)]
    for role in roles:
        assert role.obj is not None
        kind = "RoleBinding" if role.kind == "Role" else "ClusterRoleBinding"
        b = Binding(kind, "synthetic", role.namespace, role.kind, role.name, "rbac.authorization.k8s.io",
                    [(0, Subject("User", "probe"))], role.obj)
        model.bindings.append(b)
        caps |= {c.key for c, _ in binding_capabilities(model, b)}
    return caps


def _shared() -> Path:
    from support.paths import SHARED

    return SHARED


CAP_CASES = [(d, p.name) for d in CAPS for p in _files(_shared(), d)]


@pytest.mark.parametrize("d,name", CAP_CASES, ids=[f"{d}/{n}" for d, n in CAP_CASES])
def test_role_capabilities_agree_with_checkov(d: str, name: str, shared_dir: Path) -> None:
    fails = "failed" in name.lower()
    got = CAPS[d] in _role_caps(shared_dir / CHECKS / d / name)
    if (d, name) in EXCEPTIONS:
        assert got != fails, EXCEPTIONS[(d, name)]
    else:
        assert got == fails


OBJ_CASES = [("example_WildcardRoles", "SW-RBAC-001"), ("example_DefaultServiceAccountBinding", "SW-RBAC-023")]
OBJ_FILES = [(d, rid, p.name) for d, rid in OBJ_CASES for p in _files(_shared(), d)]


@pytest.mark.parametrize("d,rid,name", OBJ_FILES, ids=[f"{d}/{n}" for d, _, n in OBJ_FILES])
def test_object_rules_agree_with_checkov(d: str, rid: str, name: str, shared_dir: Path) -> None:
    report = scan([str(shared_dir / CHECKS / d / name)], Config(enable=(rid,)))
    assert not report.errors
    assert bool(report.findings) == ("failed" in name.lower())
