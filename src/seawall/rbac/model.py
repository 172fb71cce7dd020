"""Roles, bindings, subjects and service accounts loaded from scanned objects.

Why a model of its own: a binding alone says nothing (its role may be in another file, be
aggregated from other ClusterRoles, or be one of the API server's built-in roles), so every RBAC
question goes through :class:`RbacModel`, which resolves references exactly once.

Aggregated ClusterRoles get the rules the aggregation controller would write: the union of the
rules of every *other* ClusterRole matched by any of the ``clusterRoleSelectors`` (sorted by name,
duplicates dropped), replacing whatever rules the manifest lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from seawall.inventory.k8s import K8sObject, PodSpecView, as_bool, as_dict, as_list, as_str

RBAC_GROUP = "rbac.authorization.k8s.io"
_ROLE_KINDS = frozenset({"Role", "ClusterRole"})
_BINDING_KINDS = frozenset({"RoleBinding", "ClusterRoleBinding"})


def _strs(value: Any) -> tuple[str, ...]:
    """Strings of a list; anything that is not a string is dropped (hostile input)."""
    return tuple(v for v in as_list(value) if isinstance(v, str))


@dataclass(frozen=True, slots=True)
class PolicyRule:
    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: Any) -> PolicyRule | None:
        d = as_dict(raw)
        if not d:
            return None
        return cls(
            verbs=_strs(d.get("verbs")),
            api_groups=_strs(d.get("apiGroups")),
            resources=_strs(d.get("resources")),
            resource_names=_strs(d.get("resourceNames")),
            non_resource_urls=_strs(d.get("nonResourceURLs")),
        )

    def compact(self) -> str:
        parts = []
        if self.api_groups:
            parts.append("apiGroups=" + ",".join(g or '""' for g in self.api_groups))
        if self.resources:
            parts.append("resources=" + ",".join(self.resources))
        if self.resource_names:
            parts.append("resourceNames=" + ",".join(self.resource_names))
        if self.non_resource_urls:
            parts.append("nonResourceURLs=" + ",".join(self.non_resource_urls))
        parts.append("verbs=" + ",".join(self.verbs))
        return "{" + " ".join(parts) + "}"


def object_ref(kind: str, namespace: str, name: str) -> str:
    """How findings name a role or binding: ``Kind ns/name`` (``Kind name`` when cluster-scoped)."""
    return f"{kind} {namespace + '/' if namespace else ''}{name}"


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str  # User | Group | ServiceAccount (anything else never matches)
    name: str
    namespace: str = ""  # ServiceAccount only; defaulted to the binding's namespace

    def display(self) -> str:
        if self.kind == "ServiceAccount":
            return f"ServiceAccount {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"


@dataclass(slots=True)
class Role:
    kind: str  # Role | ClusterRole
    name: str
    namespace: str  # "" for ClusterRoles
    rules: list[PolicyRule]
    labels: dict[str, str] = field(default_factory=dict)
    selectors: list[dict[str, Any]] | None = None  # aggregationRule.clusterRoleSelectors
    obj: K8sObject | None = None  # None for built-in roles
    builtin: bool = False

    def ref(self) -> str:
        return object_ref(self.kind, self.namespace, self.name)


@dataclass(slots=True)
class Binding:
    kind: str  # RoleBinding | ClusterRoleBinding
    name: str
    namespace: str  # "" for ClusterRoleBindings
    role_kind: str
    role_name: str
    role_api_group: str
    subjects: list[tuple[int, Subject]]  # (index in .subjects, subject)
    obj: K8sObject

    def ref(self) -> str:
        return object_ref(self.kind, self.namespace, self.name)


@dataclass(slots=True)
class ServiceAccount:
    namespace: str
    name: str
    automount: bool | None
    obj: K8sObject | None = None  # None when only referenced (e.g. the implicit "default")


def match_selector(selector: Any, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics; a malformed selector matches nothing."""
    sel = as_dict(selector)
    if selector is not None and not isinstance(selector, dict):
        return False
    for k, v in as_dict(sel.get("matchLabels")).items():
        if labels.get(k) != as_str(v) or k not in labels:
            return False
    for expr in as_list(sel.get("matchExpressions")):
        e = as_dict(expr)
        key, op, values = as_str(e.get("key")), as_str(e.get("operator")), set(_strs(e.get("values")))
        if op == "In":
            if key not in labels or labels[key] not in values:
                return False
        elif op == "NotIn":
            if key in labels and labels[key] in values:
                return False
        elif op == "Exists":
            if key not in labels:
                return False
        elif op == "DoesNotExist":
            if key in labels:
                return False
        else:
            return False
    return True


def _rule(verbs: str, groups: str, resources: str, names: str = "") -> PolicyRule:
    return PolicyRule(
        verbs=tuple(verbs.split()),
        api_groups=tuple("" if g == '""' else g for g in groups.split()),
        resources=tuple(resources.split()),
        resource_names=tuple(names.split()),
    )


_RW = "create delete deletecollection patch update"
_RO = "get list watch"
#: What the built-in ``edit`` role grants; ``admin`` aggregates it and adds namespace RBAC.
_EDIT: tuple[PolicyRule, ...] = (
    _rule(_RW + " " + _RO, '""', "pods pods/attach pods/exec pods/portforward pods/proxy secrets services "
          "configmaps persistentvolumeclaims serviceaccounts replicationcontrollers endpoints"),
    _rule("create", '""', "serviceaccounts/token"),
    _rule("impersonate", '""', "serviceaccounts"),
    _rule(_RW + " " + _RO, "apps batch autoscaling networking.k8s.io policy",
          "deployments statefulsets daemonsets replicasets jobs cronjobs horizontalpodautoscalers "
          "ingresses networkpolicies poddisruptionbudgets"),
)
#: The API server's default user-facing ClusterRoles, abridged to the permissions that matter for
#: security analysis (pkg/registry/rbac/... bootstrappolicy). A manifest that defines a ClusterRole
#: of the same name replaces the built-in one.
BUILTIN_CLUSTER_ROLES: dict[str, list[PolicyRule]] = {
    "cluster-admin": [
        _rule("*", "*", "*"),
        PolicyRule(verbs=("*",), non_resource_urls=("*",)),
    ],
    "admin": [*_EDIT, _rule(_RW + " " + _RO, RBAC_GROUP, "roles rolebindings")],  # edit + RBAC in its namespace
    "edit": list(_EDIT),
    "view": [
        _rule(_RO, '""', "pods services configmaps persistentvolumeclaims serviceaccounts endpoints "
              "replicationcontrollers"),
        _rule(_RO, "apps batch autoscaling networking.k8s.io policy",
              "deployments statefulsets daemonsets replicasets jobs cronjobs horizontalpodautoscalers "
              "ingresses networkpolicies poddisruptionbudgets"),
    ],
    "system:discovery": [
        PolicyRule(verbs=("get",), non_resource_urls=(
            "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz",
            "/version", "/version/")),
    ],
    "system:basic-user": [
        _rule("create", "authorization.k8s.io", "selfsubjectaccessreviews selfsubjectrulesreviews"),
        _rule("create", "authentication.k8s.io", "selfsubjectreviews"),
    ],
    "system:public-info-viewer": [
        PolicyRule(verbs=("get",), non_resource_urls=("/healthz", "/livez", "/readyz", "/version", "/version/")),
    ],
}


def is_builtin_role_name(name: str) -> bool:
    """Roles the API server creates itself (so a binding to them is not 'missing')."""
    return name in BUILTIN_CLUSTER_ROLES or name.startswith("system:")


class RbacModel:
    """Every RBAC object of a scan, with references resolved."""

    def __init__(self) -> None:
        self.roles: dict[tuple[str, str], Role] = {}  # (namespace, name) of Roles
        self.cluster_roles: dict[str, Role] = {}
        self.bindings: list[Binding] = []
        self.service_accounts: dict[tuple[str, str], ServiceAccount] = {}
        self.namespaces: set[str] = set()
        self.namespace_objects: dict[str, K8sObject] = {}
        self.token_secrets: dict[tuple[str, str], list[K8sObject]] = {}  # (ns, sa) -> legacy tokens
        self.workloads: list[PodSpecView] = []
        self._mounted: tuple[list[PodSpecView], int, list[tuple[PodSpecView, ServiceAccount]]] | None = None

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def from_objects(cls, objects: Iterable[K8sObject], workloads: Iterable[PodSpecView] | None = None) -> RbacModel:
        m = cls()
        objs = list(objects)
        for o in objs:
            m._add(o)
        if workloads is None:
            workloads = [v for v in (o.pod_view() for o in objs) if v is not None]
        m.workloads = list(workloads)
        for v in m.workloads:
            m.namespaces.add(v.owner.effective_namespace)
        for name, rules in BUILTIN_CLUSTER_ROLES.items():
            m.cluster_roles.setdefault(name, Role("ClusterRole", name, "", list(rules), builtin=True))
        m._aggregate()
        m.namespaces.update({"default", "kube-system"})
        return m

    def _add(self, o: K8sObject) -> None:
        ns = o.effective_namespace
        if ns:
            self.namespaces.add(ns)
        if o.api_group == RBAC_GROUP and o.kind in _ROLE_KINDS:
            rules = [r for r in (PolicyRule.parse(x) for x in as_list(o.data.get("rules"))) if r is not None]
            labels = {k: as_str(v) for k, v in o.labels.items() if isinstance(k, str)}
            if o.kind == "Role":
                self.roles[(ns, o.name)] = Role("Role", o.name, ns, rules, labels, obj=o)
            else:
                agg = o.data.get("aggregationRule")
                selectors = None
                if isinstance(agg, dict):
                    # a selector that is not a map selects nothing
                    selectors = [s for s in as_list(agg.get("clusterRoleSelectors")) if isinstance(s, dict)]
                self.cluster_roles[o.name] = Role("ClusterRole", o.name, "", rules, labels, selectors, obj=o)
        elif o.api_group == RBAC_GROUP and o.kind in _BINDING_KINDS:
            ref = as_dict(o.data.get("roleRef"))
            subjects: list[tuple[int, Subject]] = []
            bns = ns if o.kind == "RoleBinding" else ""
            for i, raw in enumerate(as_list(o.data.get("subjects"))):
                s = as_dict(raw)
                kind, name = as_str(s.get("kind")), as_str(s.get("name"))
                if not kind or not name:
                    continue
                sns = as_str(s.get("namespace"))
                if kind == "ServiceAccount" and not sns:
                    sns = bns
                subjects.append((i, Subject(kind, name, sns if kind == "ServiceAccount" else "")))
            self.bindings.append(
                Binding(o.kind, o.name, bns, as_str(ref.get("kind")), as_str(ref.get("name")),
                        as_str(ref.get("apiGroup")), subjects, o)
            )
        elif o.kind == "ServiceAccount" and o.api_version == "v1":
            self.service_accounts[(ns, o.name)] = ServiceAccount(
                ns, o.name, as_bool(o.data.get("automountServiceAccountToken")), o
            )
        elif o.kind == "Namespace" and o.api_version == "v1":
            self.namespaces.add(o.name)
            self.namespace_objects[o.name] = o
        elif o.kind == "Secret" and o.api_version == "v1" and as_str(o.data.get("type")) == (
            "kubernetes.io/service-account-token"
        ):
            sa = as_str(o.annotations.get("kubernetes.io/service-account.name"))
            if sa:
                self.token_secrets.setdefault((ns, sa), []).append(o)

    def _aggregate(self) -> None:
        """Fill aggregated ClusterRoles as the controller does, to a fixed point (bounded).

        Selections are computed once (labels never change); each round recomputes the unions, so
        aggregated roles selecting aggregated roles settle after as many rounds as their nesting.
        """
        aggregated = [r for r in self.cluster_roles.values() if r.selectors is not None]
        if not aggregated:
            return
        picks: dict[str, list[Role]] = {}
        for role in aggregated:
            chosen = {
                other.name: other
                for other in self.cluster_roles.values()
                if other.name != role.name and not other.builtin
                and any(match_selector(sel, other.labels) for sel in role.selectors or [])
            }
            picks[role.name] = [chosen[n] for n in sorted(chosen)]
        for _ in range(min(len(aggregated), 32) + 1):
            changed = False
            for role in aggregated:
                new: list[PolicyRule] = []
                seen: set[PolicyRule] = set()
                for other in picks[role.name]:
                    for r in other.rules:
                        if r not in seen:
                            seen.add(r)
                            new.append(r)
                if new != role.rules:
                    role.rules = new
                    changed = True
            if not changed:
                break

    # -- lookups ---------------------------------------------------------------------------
    def role_for(self, b: Binding) -> Role | None:
        """The role a binding grants, or None (missing, wrong kind, or invalid reference).

        As the API server's resolver: a RoleBinding's ``Role`` is looked up in its own namespace;
        a ClusterRoleBinding can only reference a ClusterRole.
        """
        if b.role_api_group not in (RBAC_GROUP, ""):
            return None
        if b.role_kind == "ClusterRole":
            return self.cluster_roles.get(b.role_name)
        if b.role_kind == "Role" and b.kind == "RoleBinding":
            return self.roles.get((b.namespace, b.role_name))
        return None

    def service_account(self, namespace: str, name: str) -> ServiceAccount:
        return self.service_accounts.get((namespace, name)) or ServiceAccount(namespace, name, None)

    def mounted_tokens(self) -> list[tuple[PodSpecView, ServiceAccount]]:
        """The workloads that get an API token, each with the service account it runs as (in
        workload order); computed once and shared by the escalation graph and the analyzer."""
        memo = self._mounted
        if memo is not None and memo[0] is self.workloads and memo[1] == len(self.workloads):
            return memo[2]
        out = []
        for v in self.workloads:
            sa = self.service_account(v.owner.effective_namespace, workload_sa_name(v))
            if token_mounted(v, sa):
                out.append((v, sa))
        self._mounted = (self.workloads, len(self.workloads), out)
        return out

    def known_service_accounts(self) -> set[tuple[str, str]]:
        """SAs in the input, referenced by workloads or bindings, plus each namespace's default."""
        out = set(self.service_accounts)
        for ns in self.namespaces:
            out.add((ns, "default"))
        for v in self.workloads:
            out.add((v.owner.effective_namespace, workload_sa_name(v)))
        for b in self.bindings:
            for _, s in b.subjects:
                if s.kind == "ServiceAccount" and s.namespace:
                    out.add((s.namespace, s.name))
        return out


def workload_sa_name(view: PodSpecView) -> str:
    """The service account a pod runs as (``serviceAccountName``, the deprecated alias, default)."""
    return as_str(view.spec.get("serviceAccountName")) or as_str(view.spec.get("serviceAccount")) or "default"


def token_mounted(view: PodSpecView, sa: ServiceAccount) -> bool:
    """Whether the pod gets an API token: the pod's automount wins over the SA's; default true.

    A projected ``serviceAccountToken`` volume mounts one regardless.
    """
    pod = as_bool(view.spec.get("automountServiceAccountToken"))
    mounted = pod if pod is not None else (sa.automount if sa.automount is not None else True)
    if mounted:
        return True
    for _, vol in view.volumes:
        for src in as_list(as_dict(vol.get("projected")).get("sources")):
            if isinstance(src, dict) and isinstance(src.get("serviceAccountToken"), dict):
                return True
    return False
