"""Kubernetes' RBAC matching semantics, table by table (evaluation_helpers.go / rbac.go)."""

from __future__ import annotations

import pytest

from seawall.rbac.matcher import (
    Authorizer,
    Identity,
    Request,
    is_cluster_scoped,
    rule_allows,
    scoped,
    subject_applies,
)
from seawall.rbac.model import PolicyRule, RbacModel, Subject
from support.rbac import objects


def R(verbs: str, groups: str = '""', resources: str = "", names: str = "", urls: str = "") -> PolicyRule:
    return PolicyRule(
        tuple(verbs.split()),
        tuple("" if g == '""' else g for g in groups.split()),
        tuple(resources.split()),
        tuple(names.split()),
        tuple(urls.split()),
    )


RESOURCE_TABLE = [
    # rule resources, requested resource, subresource, allowed?
    ("*", "pods", "", True),
    ("*", "pods", "exec", True),  # '*' covers subresources
    ("pods", "pods", "exec", False),  # the parent does not cover its subresources
    ("pods/exec", "pods", "exec", True),
    ("pods/exec", "pods", "", False),
    ("*/exec", "pods", "exec", True),  # any resource's exec subresource
    ("*/exec", "nodes", "exec", True),
    ("*/exec", "pods", "", False),
    ("*/exec", "pods", "attach", False),
    ("*/log", "pods", "exec", False),
    ("pods/*", "pods", "", False),  # compared literally: grants nothing for pods itself
    ("pods/*", "pods", "exec", False),  # ... nor any real subresource
    ("pods/*", "pods", "*", True),  # only the literal (non-existent) subresource '*'
    ("*/*", "pods", "exec", False),
    ("deployments", "pods", "", False),
]


@pytest.mark.parametrize("res,resource,sub,want", RESOURCE_TABLE)
def test_resource_matching(res: str, resource: str, sub: str, want: bool) -> None:
    assert rule_allows(R("get", '""', res), Request("get", resource, sub)) is want


@pytest.mark.parametrize(
    "verbs,verb,want",
    [("*", "get", True), ("get list", "list", True), ("get", "list", False), ("GET", "get", False),
     ("", "get", False), ("*", "impersonate", True)],
)
def test_verb_matching(verbs: str, verb: str, want: bool) -> None:
    assert rule_allows(R(verbs, '""', "pods"), Request(verb, "pods")) is want


@pytest.mark.parametrize(
    "groups,group,want",
    [('""', "", True), ('""', "apps", False), ("*", "apps", True), ("*", "", True), ("apps", "", False),
     ("extensions apps", "apps", True)],
)
def test_api_group_matching(groups: str, group: str, want: bool) -> None:
    assert rule_allows(R("get", groups, "deployments"), Request("get", "deployments", api_group=group)) is want


@pytest.mark.parametrize(
    "verb,name,want",
    [
        ("get", "app-secret", True),
        ("get", "other", False),
        ("get", "", False),  # an unnamed request (e.g. every secret) is not a named one
        ("update", "app-secret", True),
        ("create", "", False),  # create carries no name: resourceNames can never allow it
        ("list", "", False),  # an unfiltered list/watch has no name
        ("watch", "", False),
        ("deletecollection", "", False),
    ],
)
def test_resource_names(verb: str, name: str, want: bool) -> None:
    rule = R("get update create list watch deletecollection", '""', "secrets", names="app-secret")
    assert rule_allows(rule, Request(verb, "secrets", name=name)) is want


@pytest.mark.parametrize(
    "urls,path,want",
    [("*", "/healthz", True), ("/healthz", "/healthz", True), ("/healthz", "/healthz/etcd", False),
     ("/healthz/*", "/healthz/etcd", True), ("/healthz*", "/healthzzz", True), ("/api/*", "/apis/x", False),
     ("/metrics", "/metrics/cadvisor", False)],
)
def test_non_resource_urls(urls: str, path: str, want: bool) -> None:
    assert rule_allows(R("get", urls=urls), Request("get", path=path)) is want


def test_resource_rules_never_match_non_resource_requests() -> None:
    assert not rule_allows(R("*", "*", "*"), Request("get", path="/healthz"))
    assert not rule_allows(R("get", urls="*"), Request("get", "pods"))


def test_cluster_scoped_requests() -> None:
    assert is_cluster_scoped("get", "nodes", "proxy")
    assert is_cluster_scoped("create", "clusterroles")
    assert not is_cluster_scoped("bind", "clusterroles")  # checked in the new binding's namespace
    assert not is_cluster_scoped("get", "secrets")
    assert scoped("get", "nodes", "prod").namespace == ""
    assert scoped("get", "secrets", "prod").namespace == "prod"


def test_subject_matching() -> None:
    sa = Identity.service_account("prod", "api")
    assert subject_applies(Subject("ServiceAccount", "api", "prod"), sa, "")
    assert subject_applies(Subject("ServiceAccount", "api", ""), sa, "prod")  # defaults to the binding's
    assert not subject_applies(Subject("ServiceAccount", "api", ""), sa, "")  # no namespace at all
    assert not subject_applies(Subject("ServiceAccount", "api", "dev"), sa, "prod")
    assert subject_applies(Subject("Group", "system:serviceaccounts:prod"), sa, "")
    assert subject_applies(Subject("Group", "system:authenticated"), sa, "")
    assert subject_applies(Subject("User", "system:serviceaccount:prod:api"), sa, "")
    assert not subject_applies(Subject("User", "api"), sa, "")
    assert subject_applies(Subject("Group", "system:unauthenticated"), Identity.for_user("system:anonymous"), "")
    assert not subject_applies(Subject("Group", "system:authenticated"), Identity.for_user("system:anonymous"), "")
    assert not subject_applies(Subject("Robot", "api"), sa, "")


SCOPE_DOCS = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: power}
rules:
- {apiGroups: [""], resources: [secrets, nodes, nodes/proxy], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb, namespace: team}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: power, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: crb}
subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: power, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: local, namespace: other}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: cross, namespace: team}
subjects: [{kind: User, name: carol, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: local, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: crb-to-role}
subjects: [{kind: User, name: dave, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: local, apiGroup: rbac.authorization.k8s.io}
"""


@pytest.mark.parametrize(
    "user,req,want",
    [
        ("alice", scoped("get", "secrets", "team"), True),  # RoleBinding -> ClusterRole: its namespace only
        ("alice", scoped("get", "secrets", "prod"), False),
        ("alice", scoped("get", "secrets", ""), False),
        ("alice", scoped("get", "nodes", "team"), False),  # cluster-scoped: only ClusterRoleBindings
        ("alice", scoped("get", "nodes", "team", subresource="proxy"), False),
        ("bob", scoped("get", "secrets", "prod"), True),
        ("bob", scoped("get", "nodes", ""), True),
        ("bob", scoped("get", "nodes", "", subresource="proxy"), True),
        ("carol", scoped("get", "configmaps", "team"), False),  # a Role is looked up in the binding's ns
        ("carol", scoped("get", "configmaps", "other"), False),
        ("dave", scoped("get", "configmaps", "other"), False),  # ClusterRoleBinding -> Role is invalid
        ("mallory", scoped("get", "secrets", "team"), False),
    ],
)
def test_binding_scope(user: str, req: Request, want: bool) -> None:
    authz = Authorizer(RbacModel.from_objects(objects(SCOPE_DOCS)))
    assert authz.allows(Identity.for_user(user), req) is want
