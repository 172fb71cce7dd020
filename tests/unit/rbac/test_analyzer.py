"""The RBAC analyzer end to end through ``seawall.engine.scan``: each rule fails on a risky
fixture, passes on its narrowed twin, and points at the binding subject's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.engine import scan
from seawall.model.finding import Severity
from seawall.policy.config import Config

RB = "rbac.authorization.k8s.io"


def _scan(tmp_path: Path, text: str, rules: str = "SW-RBAC-*") -> list:  # type: ignore[type-arg]
    f = tmp_path / "rbac.yaml"
    f.write_text(text, encoding="utf-8")
    report = scan([str(f)], Config(enable=tuple(rules.split())))
    assert not report.errors, report.errors
    return report.findings


def grant(rules: str, *, kind: str = "ClusterRoleBinding", ns: str = "team",
          subject: str = "{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}") -> str:
    rkind = "ClusterRole"
    bmeta = f"{{name: b, namespace: {ns}}}" if kind == "RoleBinding" else "{name: b}"
    return f"""apiVersion: {RB}/v1
kind: {rkind}
metadata: {{name: r}}
rules: {rules}
---
apiVersion: {RB}/v1
kind: {kind}
metadata: {bmeta}
roleRef: {{kind: {rkind}, name: r, apiGroup: {RB}}}
subjects:
- {subject}
"""


CASES = [
    # rule id, failing rules, passing rules
    ("SW-RBAC-006", "[{apiGroups: [''], resources: [secrets], verbs: [watch]}]",
     "[{apiGroups: [''], resources: [secrets], verbs: [get], resourceNames: [one]}]"),
    ("SW-RBAC-007", "[{apiGroups: [apps], resources: [deployments], verbs: [create]}]",
     "[{apiGroups: [apps], resources: [deployments], verbs: [get, list]}]"),
    ("SW-RBAC-008", "[{apiGroups: [''], resources: ['*/exec'], verbs: [create]}]",
     "[{apiGroups: [''], resources: ['pods/*'], verbs: [create]}]"),
    ("SW-RBAC-009", "[{apiGroups: [''], resources: [nodes/proxy], verbs: [get]}]",
     "[{apiGroups: [''], resources: [nodes], verbs: [get]}]"),
    ("SW-RBAC-010", "[{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate]}]",
     "[{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [update]}]"),
    ("SW-RBAC-011", "[{apiGroups: ['*'], resources: [clusterroles], verbs: [bind]}]",
     "[{apiGroups: [''], resources: [clusterroles], verbs: [bind]}]"),
    ("SW-RBAC-012", "[{apiGroups: [''], resources: [serviceaccounts], verbs: [impersonate]}]",
     "[{apiGroups: [''], resources: [serviceaccounts], verbs: [get]}]"),
    ("SW-RBAC-013", "[{apiGroups: [''], resources: [serviceaccounts/token], verbs: [create]}]",
     "[{apiGroups: [''], resources: [serviceaccounts], verbs: [create]}]"),
    ("SW-RBAC-014", "[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests,"
     " certificatesigningrequests/approval, signers], verbs: [create, update, approve]}]",
     "[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create]}]"),
    ("SW-RBAC-015", "[{apiGroups: [admissionregistration.k8s.io], resources: [validatingwebhookconfigurations],"
     " verbs: [delete]}]",
     "[{apiGroups: [admissionregistration.k8s.io], resources: [validatingwebhookconfigurations], verbs: [get]}]"),
    ("SW-RBAC-016", "[{apiGroups: [''], resources: [persistentvolumes], verbs: [create]}]",
     "[{apiGroups: [''], resources: [persistentvolumeclaims], verbs: [create]}]"),
    ("SW-RBAC-002", "[{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]",
     "[{apiGroups: ['*'], resources: ['*'], verbs: [get]}]"),
]


@pytest.mark.parametrize("rid,bad,good", CASES, ids=[c[0] for c in CASES])
def test_rule_fails_and_passes(tmp_path: Path, rid: str, bad: str, good: str) -> None:
    found = [f for f in _scan(tmp_path, grant(bad), rid)]
    assert [f.rule_id for f in found] == [rid]
    f = found[0]
    assert f.resource.kind == "ClusterRoleBinding" and f.resource.name == "b"
    assert f.location.line == 11  # the subject entry
    assert f.location.pointer == "/subjects/0"
    assert "User alice" in f.message or "alice" in f.message
    assert dict(f.extra)["subject"] == "User/alice"
    assert _scan(tmp_path, grant(good), rid) == []


def test_rolebinding_is_namespace_admin_not_cluster_admin(tmp_path: Path) -> None:
    text = grant("[{apiGroups: [''], resources: ['*'], verbs: ['*']}]", kind="RoleBinding")
    ids = {f.rule_id for f in _scan(tmp_path, text, "SW-RBAC-002 SW-RBAC-003")}
    assert ids == {"SW-RBAC-003"}


def test_rolebinding_cannot_grant_cluster_scoped_permissions(tmp_path: Path) -> None:
    text = grant("[{apiGroups: [''], resources: [nodes/proxy, persistentvolumes], verbs: ['*']}]", kind="RoleBinding")
    assert _scan(tmp_path, text, "SW-RBAC-016") == []
    assert _scan(tmp_path, text, "SW-RBAC-009") == []


def test_anonymous_and_authenticated(tmp_path: Path) -> None:
    anon = grant("[{apiGroups: [''], resources: [pods], verbs: [list]}]",
                 subject="{kind: Group, name: system:unauthenticated, apiGroup: rbac.authorization.k8s.io}")
    [f] = _scan(tmp_path, anon, "SW-RBAC-004")
    assert f.severity == Severity.CRITICAL
    public = grant("[{nonResourceURLs: [/healthz, /version], verbs: [get]}]",
                   subject="{kind: User, name: system:anonymous, apiGroup: rbac.authorization.k8s.io}")
    [f] = _scan(tmp_path, public, "SW-RBAC-004")
    assert f.severity == Severity.LOW
    authd = grant("[{apiGroups: [''], resources: [pods], verbs: [get]}]",
                  subject="{kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}")
    assert [f.rule_id for f in _scan(tmp_path, authd, "SW-RBAC-005")] == ["SW-RBAC-005"]
    cm = grant("[{apiGroups: [''], resources: [configmaps], verbs: [get]}]",
               subject="{kind: Group, name: system:serviceaccounts, apiGroup: rbac.authorization.k8s.io}")
    assert _scan(tmp_path, cm, "SW-RBAC-005") == []


def test_missing_role_and_missing_service_account(tmp_path: Path) -> None:
    text = f"""apiVersion: {RB}/v1
kind: RoleBinding
metadata: {{name: orphan, namespace: team}}
roleRef: {{kind: Role, name: gone, apiGroup: {RB}}}
subjects: [{{kind: ServiceAccount, name: ghost}}]
---
apiVersion: {RB}/v1
kind: ClusterRoleBinding
metadata: {{name: builtin}}
roleRef: {{kind: ClusterRole, name: system:node-proxier, apiGroup: {RB}}}
subjects: [{{kind: ServiceAccount, name: ghost, namespace: team}}]
---
apiVersion: {RB}/v1
kind: ClusterRoleBinding
metadata: {{name: wrongkind}}
roleRef: {{kind: Role, name: gone, apiGroup: {RB}}}
subjects: [{{kind: User, name: x}}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: real, namespace: team}}
"""
    found = _scan(tmp_path, text, "SW-RBAC-017 SW-RBAC-018")
    got = sorted((f.rule_id, f.resource.name) for f in found)
    assert got == [("SW-RBAC-017", "orphan"), ("SW-RBAC-017", "wrongkind")]
    assert "ClusterRoleBinding can only reference a ClusterRole" in next(
        f.message for f in found if f.resource.name == "wrongkind")
    # the built-in system:node-proxier grants the (missing) SA: it is an orphaned subject
    text2 = text.replace("system:node-proxier", "view")
    found2 = _scan(tmp_path, text2, "SW-RBAC-018")
    assert [(f.resource.name, dict(f.extra)["subject"]) for f in found2] == [("builtin", "ServiceAccount/team/ghost")]


WORKLOAD = f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: prod}}
spec:
  template:
    spec:
      serviceAccountName: api
      containers: [{{name: c, image: x}}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: api, namespace: prod}}
---
apiVersion: {RB}/v1
kind: ClusterRole
metadata: {{name: r}}
rules: RULES
---
apiVersion: {RB}/v1
kind: ClusterRoleBinding
metadata: {{name: b}}
roleRef: {{kind: ClusterRole, name: r, apiGroup: {RB}}}
subjects: [{{kind: ServiceAccount, name: api, namespace: prod}}]
"""


def test_workload_rules(tmp_path: Path) -> None:
    admin = WORKLOAD.replace("RULES", "[{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]")
    ids = sorted(f.rule_id for f in _scan(tmp_path, admin, "SW-RBAC-019 SW-RBAC-020 SW-RBAC-021"))
    assert ids == ["SW-RBAC-020", "SW-RBAC-021"]  # direct admin: no separate path finding
    pods = WORKLOAD.replace("RULES", "[{apiGroups: [''], resources: [pods], verbs: [create]}]")
    found = {f.rule_id: f for f in _scan(tmp_path, pods, "SW-RBAC-019 SW-RBAC-020 SW-RBAC-021")}
    assert sorted(found) == ["SW-RBAC-019", "SW-RBAC-021"]
    path = found["SW-RBAC-019"]
    assert path.message.startswith("escalation path: deployment prod/api -> sa prod/api -> create pods in ")
    assert path.location.line == 7  # serviceAccountName
    off = pods.replace("serviceAccountName: api", "serviceAccountName: api\n      automountServiceAccountToken: false")
    assert _scan(tmp_path, off, "SW-RBAC-019 SW-RBAC-020 SW-RBAC-021") == []
    sa_off = pods.replace("metadata: {name: api, namespace: prod}\n---\napiVersion: rbac",
                          "metadata: {name: api, namespace: prod}\nautomountServiceAccountToken: false\n---\n"
                          "apiVersion: rbac")
    assert sa_off != pods
    assert _scan(tmp_path, sa_off, "SW-RBAC-019 SW-RBAC-020 SW-RBAC-021") == []


def test_hostile_manifests_do_not_break_the_analyzer(tmp_path: Path) -> None:
    text = f"""apiVersion: {RB}/v1
kind: ClusterRoleBinding
metadata: {{name: x}}
roleRef: [1, 2]
subjects: {{a: b}}
---
apiVersion: {RB}/v1
kind: RoleBinding
metadata: {{name: y, namespace: [bad]}}
roleRef: {{kind: null, name: 5}}
subjects: [{{kind: ServiceAccount, name: s, namespace: null}}]
---
apiVersion: {RB}/v1
kind: ClusterRole
metadata: {{name: z}}
rules: [{{apiGroups: [null], resources: ['*'], verbs: ['*', 7]}}]
aggregationRule: {{clusterRoleSelectors: [null, "x", {{matchLabels: null}}]}}
---
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec: {{serviceAccountName: [x], automountServiceAccountToken: "true", containers: null}}
"""
    found = _scan(tmp_path, text)
    assert all(f.rule_id.startswith("SW-RBAC-") for f in found)


def test_subject_escalation_paths(tmp_path: Path) -> None:
    spawn = grant("[{apiGroups: [''], resources: [pods], verbs: [create]}]", kind="RoleBinding", ns="kube-system")
    [f] = _scan(tmp_path, spawn, "SW-RBAC-022")
    assert f.message == ("escalation path: User alice -> create pods in kube-system -> "
                         "sa kube-system/clusterrole-aggregation-controller (built-in) -> "
                         "escalate and update clusterroles -> cluster-admin")
    assert f.location.pointer == "/subjects/0"
    # plain cluster-admin is SW-RBAC-002, not an "equivalent"
    admin = grant("[{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]")
    assert _scan(tmp_path, admin, "SW-RBAC-022") == []
    same_ns = grant("[{apiGroups: [''], resources: [pods], verbs: [create]}]", kind="RoleBinding", ns="team")
    assert _scan(tmp_path, same_ns, "SW-RBAC-022") == []


def test_default_service_account_bound(tmp_path: Path) -> None:
    text = grant("[{apiGroups: [''], resources: [configmaps], verbs: [get]}]", kind="RoleBinding",
                 subject="{kind: ServiceAccount, name: default}")
    [f] = _scan(tmp_path, text, "SW-RBAC-023")
    assert dict(f.extra)["subject"] == "ServiceAccount/team/default"
    boot = "labels: {kubernetes.io/bootstrapping: rbac-defaults}"
    defaults = text.replace("metadata: {name: b, namespace: team}", f"metadata: {{name: b, namespace: team, {boot}}}")
    assert defaults != text
    assert _scan(tmp_path, defaults, "SW-RBAC-023") == []


@pytest.mark.parametrize("role,severity", [("system:discovery", Severity.LOW), ("system:something", Severity.CRITICAL),
                                           ("not-in-input", Severity.CRITICAL)])
def test_anonymous_bound_to_roles_outside_the_input(tmp_path: Path, role: str, severity: Severity) -> None:
    text = f"""apiVersion: {RB}/v1
kind: ClusterRoleBinding
metadata: {{name: anon}}
roleRef: {{kind: ClusterRole, name: {role}, apiGroup: {RB}}}
subjects: [{{kind: User, name: system:anonymous, apiGroup: {RB}}}]
"""
    [f] = _scan(tmp_path, text, "SW-RBAC-004")
    assert f.severity == severity


def test_api_server_default_bindings_are_not_reported(tmp_path: Path) -> None:
    text = grant("[{apiGroups: [''], resources: [secrets], verbs: [get]}]")
    boot = "labels: {kubernetes.io/bootstrapping: rbac-defaults}"
    assert _scan(tmp_path, text, "SW-RBAC-006")
    text = text.replace("metadata: {name: b}", f"metadata: {{name: b, {boot}}}")
    assert _scan(tmp_path, text, "SW-RBAC-006") == []
