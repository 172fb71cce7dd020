"""Loading RBAC objects: aggregation as the controller does it, built-ins, hostile input."""

from __future__ import annotations

from seawall.rbac.matcher import Authorizer, Identity, scoped
from seawall.rbac.model import PolicyRule, RbacModel, match_selector
from support.rbac import objects

AGG = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}
  - matchExpressions: [{key: tier, operator: In, values: [extra]}]
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}   # replaced by the controller
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: b-endpoints, labels: {rbac.example.com/aggregate-to-monitoring: "true"}}
rules:
- {apiGroups: [""], resources: [endpoints], verbs: [get]}
- {apiGroups: [""], resources: [pods], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: a-pods, labels: {rbac.example.com/aggregate-to-monitoring: "true", tier: extra}}
rules:
- {apiGroups: [""], resources: [pods], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: unrelated, labels: {rbac.example.com/aggregate-to-monitoring: "false"}}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: outer}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg: outer}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: inner, labels: {agg: outer}}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg: inner}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: leaf, labels: {agg: inner}}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
"""


def test_aggregation_unions_selected_roles_and_replaces_listed_rules() -> None:
    m = RbacModel.from_objects(objects(AGG))
    rules = m.cluster_roles["monitoring"].rules
    # sorted by role name (a-pods first), duplicates dropped, listed '*' rule gone
    assert rules == [
        PolicyRule(("list",), ("",), ("pods",)),
        PolicyRule(("get",), ("",), ("endpoints",)),
    ]


def test_aggregation_reaches_a_fixed_point_through_nested_aggregated_roles() -> None:
    m = RbacModel.from_objects(objects(AGG))
    assert m.cluster_roles["outer"].rules == [PolicyRule(("get",), ("",), ("configmaps",))]


def test_aggregated_role_grants_through_bindings() -> None:
    docs = AGG + """
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: mon}
subjects: [{kind: Group, name: sre}]
roleRef: {kind: ClusterRole, name: monitoring, apiGroup: rbac.authorization.k8s.io}
"""
    authz = Authorizer(RbacModel.from_objects(objects(docs)))
    sre = Identity.group("sre")
    assert authz.allows(sre, scoped("get", "endpoints", "x"))
    assert not authz.allows(sre, scoped("get", "secrets", "x"))  # listed '*' rule was replaced


def test_label_selector_semantics() -> None:
    labels = {"a": "1", "b": "2"}
    assert match_selector({}, labels)
    assert match_selector({"matchLabels": {"a": "1"}}, labels)
    assert not match_selector({"matchLabels": {"a": "2"}}, labels)
    assert match_selector({"matchExpressions": [{"key": "c", "operator": "DoesNotExist"}]}, labels)
    assert not match_selector({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, labels)
    assert match_selector({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, labels)
    assert not match_selector({"matchExpressions": [{"key": "a", "operator": "Bogus"}]}, labels)
    assert not match_selector("garbage", labels)


def test_builtin_roles_are_available_and_replaced_by_input() -> None:
    m = RbacModel.from_objects([])
    assert m.cluster_roles["cluster-admin"].builtin
    m2 = RbacModel.from_objects(objects("""
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
"""))
    assert not m2.cluster_roles["cluster-admin"].builtin
    assert m2.cluster_roles["cluster-admin"].rules == [PolicyRule(("get",), ("",), ("pods",))]


HOSTILE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: weird}
rules:
- null
- "string rule"
- {apiGroups: null, resources: 7, verbs: [get, 3, null, {x: 1}]}
- {apiGroups: [""], resources: [pods, null], verbs: "*"}
- {apiGroups: [""], resources: [secrets], verbs: [get]}
aggregationRule: "nope"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: weird}
subjects: [null, 5, {kind: User}, {name: x}, {kind: User, name: [a]}, {kind: User, name: eve}]
roleRef: {kind: ClusterRole, name: weird}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: nulls, namespace: null}
subjects: null
roleRef: null
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: null
rules: {not: a list}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa, namespace: ns}
automountServiceAccountToken: "yes"
"""


def test_hostile_rbac_objects_load_without_crashing() -> None:
    m = RbacModel.from_objects(objects(HOSTILE))
    weird = m.cluster_roles["weird"]
    assert weird.selectors is None  # a non-map aggregationRule is ignored
    # a non-list verbs field grants nothing; non-string entries are dropped
    assert PolicyRule(("get",), (), ()) in weird.rules
    assert PolicyRule((), ("",), ("pods",)) in weird.rules
    crb = next(b for b in m.bindings if b.name == "weird")
    assert [s.name for _, s in crb.subjects] == ["eve"]
    assert [i for i, _ in crb.subjects] == [5]  # pointers keep the original index
    authz = Authorizer(m)
    assert authz.allows(Identity.for_user("eve"), scoped("get", "secrets", "x"))
    assert not authz.allows(Identity.for_user("eve"), scoped("get", "pods", "x"))
    assert m.service_accounts[("ns", "sa")].automount is None  # a string is not a boolean
