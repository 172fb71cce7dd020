"""Escalation paths: shortest route from a workload's token to cluster-admin."""

from __future__ import annotations

import pytest

from seawall.rbac.graph import EscalationGraph, render
from seawall.rbac.model import RbacModel
from support.rbac import objects

HDR = "apiVersion: rbac.authorization.k8s.io/v1\n"


def role(kind: str, name: str, rules: str, ns: str = "") -> str:
    meta = f"{{name: {name}, namespace: {ns}}}" if ns else f"{{name: {name}}}"
    return f"{HDR}kind: {kind}\nmetadata: {meta}\nrules: {rules}\n"


def bind(kind: str, name: str, role_kind: str, role_name: str, subjects: str, ns: str = "") -> str:
    meta = f"{{name: {name}, namespace: {ns}}}" if ns else f"{{name: {name}}}"
    return (f"{HDR}kind: {kind}\nmetadata: {meta}\nsubjects: {subjects}\n"
            f"roleRef: {{kind: {role_kind}, name: {role_name}, apiGroup: rbac.authorization.k8s.io}}\n")


def sa(ns: str, name: str) -> str:
    return f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: {ns}}}\n"


def pod(ns: str, name: str, sa_name: str, automount: str = "") -> str:
    am = f"  automountServiceAccountToken: {automount}\n" if automount else ""
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n"
            f"  serviceAccountName: {sa_name}\n{am}  containers: [{{name: c, image: x}}]\n")


def graph(*docs: str) -> EscalationGraph:
    return EscalationGraph(RbacModel.from_objects(objects("---\n".join(docs))))


API_SA = "[{kind: ServiceAccount, name: api, namespace: prod}]"
CREATE_PODS = "[{apiGroups: [''], resources: [pods], verbs: [create]}]"


def test_issue_example_create_pods_in_kube_system_to_admin_sa() -> None:
    g = graph(
        pod("prod", "api", "api"), sa("prod", "api"), sa("kube-system", "ops"),
        role("Role", "spawn", CREATE_PODS, "kube-system"),
        bind("RoleBinding", "spawn", "Role", "spawn", API_SA, "kube-system"),
        bind("ClusterRoleBinding", "ops", "ClusterRole", "cluster-admin",
             "[{kind: ServiceAccount, name: ops, namespace: kube-system}]"),
    )
    view = g.model.workloads[0]
    path = g.workload_path(view)
    assert path is not None
    assert render(path) == ("pod prod/api -> sa prod/api -> create pods in kube-system -> sa kube-system/ops"
                            " -> * on * cluster-wide -> cluster-admin")


def test_create_pods_in_kube_system_uses_builtin_controller_sa_when_input_has_none() -> None:
    g = graph(
        pod("prod", "api", "api"),
        role("Role", "spawn", CREATE_PODS, "kube-system"),
        bind("RoleBinding", "spawn", "Role", "spawn", API_SA, "kube-system"),
    )
    path = g.workload_path(g.model.workloads[0])
    assert path is not None and "sa kube-system/clusterrole-aggregation-controller (built-in)" in path


def test_create_pods_in_own_namespace_without_privileged_sa_is_not_a_path() -> None:
    g = graph(
        pod("prod", "api", "api"), sa("prod", "api"), sa("prod", "worker"),
        role("Role", "spawn", CREATE_PODS, "prod"),
        bind("RoleBinding", "spawn", "Role", "spawn", API_SA, "prod"),
    )
    assert g.workload_path(g.model.workloads[0]) is None


def test_two_hop_path_is_shortest() -> None:
    g = graph(
        pod("prod", "api", "api"), sa("prod", "api"), sa("prod", "deployer"), sa("kube-system", "x"),
        role("Role", "tok", "[{apiGroups: [''], resources: [serviceaccounts/token], verbs: [create],"
             " resourceNames: [deployer]}]", "prod"),
        bind("RoleBinding", "tok", "Role", "tok", API_SA, "prod"),
        role("ClusterRole", "impersonator", "[{apiGroups: [''], resources: [groups], verbs: [impersonate]}]"),
        bind("ClusterRoleBinding", "dep", "ClusterRole", "impersonator",
             "[{kind: ServiceAccount, name: deployer, namespace: prod}]"),
    )
    path = g.workload_path(g.model.workloads[0])
    assert path == ["pod prod/api", "sa prod/api", "create serviceaccounts/token in prod", "sa prod/deployer",
                    "impersonate users or group system:masters", "cluster-admin"]


@pytest.mark.parametrize(
    "rules,kind,escalates",
    [
        ("[{apiGroups: [''], resources: [nodes/proxy], verbs: [get]}]", "ClusterRoleBinding", True),
        ("[{apiGroups: [''], resources: [nodes/proxy], verbs: [get]}]", "RoleBinding", False),  # cluster-scoped
        ("[{apiGroups: [''], resources: [secrets], verbs: [list]}]", "RoleBinding:kube-system", True),
        ("[{apiGroups: [''], resources: [secrets], verbs: [get], resourceNames: [x]}]",
         "RoleBinding:kube-system", False),
        ("[{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [escalate, update]}]",
         "ClusterRoleBinding", True),
        ("[{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [escalate]}]",
         "ClusterRoleBinding", False),  # escalate alone modifies nothing
        ("[{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind],"
         " resourceNames: [cluster-admin]}, {apiGroups: [rbac.authorization.k8s.io],"
         " resources: [clusterrolebindings], verbs: [create]}]", "ClusterRoleBinding", True),
        ("[{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create]},"
         " {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]},"
         " {apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve],"
         " resourceNames: [kubernetes.io/kube-apiserver-client]}]", "ClusterRoleBinding", True),
        ("[{apiGroups: [admissionregistration.k8s.io], resources: [mutatingwebhookconfigurations],"
         " verbs: [create]}]", "ClusterRoleBinding", True),
        ("[{apiGroups: [''], resources: [pods/*], verbs: ['*']}]", "ClusterRoleBinding", False),
        ("[{apiGroups: [''], resources: [pods], verbs: [get, list, watch]}]", "ClusterRoleBinding", False),
    ],
)
def test_single_permission_escalations(rules: str, kind: str, escalates: bool) -> None:
    bkind, _, ns = kind.partition(":")
    ns = ns or ("prod" if bkind == "RoleBinding" else "")
    rkind = "ClusterRole"
    g = graph(pod("prod", "api", "api"), sa("prod", "api"), sa("kube-system", "x"), role(rkind, "r", rules),
              bind(bkind, "b", rkind, "r", API_SA, ns))
    assert (g.workload_path(g.model.workloads[0]) is not None) is escalates


def test_unmounted_token_has_no_path() -> None:
    g = graph(pod("prod", "api", "api", automount="false"), sa("prod", "api"),
              bind("ClusterRoleBinding", "b", "ClusterRole", "cluster-admin", API_SA))
    assert g.workload_path(g.model.workloads[0]) is None
    assert g.can_escalate("prod", "api")


def test_exec_into_privileged_pod_then_admin() -> None:
    g = graph(
        pod("prod", "api", "api"), sa("prod", "api"), sa("tools", "admin-bot"), pod("tools", "bot", "admin-bot"),
        role("Role", "ex", "[{apiGroups: [''], resources: [pods/exec], verbs: [create]}]", "tools"),
        bind("RoleBinding", "ex", "Role", "ex", API_SA, "tools"),
        bind("ClusterRoleBinding", "adm", "ClusterRole", "cluster-admin",
             "[{kind: ServiceAccount, name: admin-bot, namespace: tools}]"),
    )
    path = g.workload_path(next(v for v in g.model.workloads if v.owner.name == "api"))
    assert path is not None and "exec into pods in tools" in path and "sa tools/admin-bot" in path
