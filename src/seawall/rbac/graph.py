"""Privilege-escalation graph: identities -> what their permissions let them become.

Nodes are service accounts (and the sink "cluster-admin"); an edge says "holding this
permission, you can act as that node". Shortest paths (BFS from the sink over reversed edges)
answer "can this workload's token become cluster-admin, and how?".

Edges, each evaluated with the exact RBAC matcher (so scope and resourceNames are honoured):

- ``*`` on ``*`` cluster-wide, ``nodes/proxy``, escalate+update ClusterRoles, bind ClusterRole
  cluster-admin + create ClusterRoleBindings, impersonate users/groups (``system:masters``),
  CSR create+approve for the API-server client signer, mutating webhook changes, reading secrets
  in kube-system: straight to cluster-admin;
- create pods (or pod controllers) in N, create ``serviceaccounts/token`` in N, impersonate
  service accounts in N, bind/escalate roles in N: to every service account of N;
- exec into pods / update pod controllers in N: to the service accounts of N's workloads whose
  token is mounted; read secrets in N: to the SAs with legacy token Secrets in the input.

Assumption (documented): kube-system always holds controller service accounts that can become
cluster-admin (``clusterrole-aggregation-controller`` may escalate ClusterRoles), so running as an
arbitrary kube-system service account is cluster-admin even if the input does not show them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from seawall.inventory.k8s import PodSpecView
from seawall.rbac.capabilities import CAPABILITIES, CLIENT_SIGNER, POD_CONTROLLERS, request
from seawall.rbac.matcher import Authorizer, Identity, Request, scoped
from seawall.rbac.model import RBAC_GROUP, RbacModel, token_mounted, workload_sa_name

ADMIN = "cluster-admin"
BUILTIN_KUBE_SYSTEM_SA = "clusterrole-aggregation-controller"


def sa_key(namespace: str, name: str) -> str:
    return f"sa:{namespace}:{name}"


@dataclass(frozen=True, slots=True)
class Edge:
    label: str
    target: str


class EscalationGraph:
    def __init__(self, model: RbacModel, authz: Authorizer | None = None) -> None:
        self.model = model
        self.authz = authz or Authorizer(model)
        self.edges: dict[str, list[Edge]] = {}
        self._dist: dict[str, int] = {}
        self._flags: dict[tuple[tuple[int, ...], str], tuple[bool, bool, bool, bool, bool, bool, bool, bool]] = {}
        self._secrets_by_ns: dict[str, list[tuple[tuple[str, str], list[Any]]]] = {}
        for (tns, tsa), secrets in model.token_secrets.items():
            self._secrets_by_ns.setdefault(tns, []).append(((tns, tsa), secrets))
        self.labels: dict[str, str] = {ADMIN: ADMIN}
        sas = set(model.known_service_accounts())
        self.builtin_sa = (
            None if ("kube-system", BUILTIN_KUBE_SYSTEM_SA) in model.service_accounts
            else ("kube-system", BUILTIN_KUBE_SYSTEM_SA)
        )
        if self.builtin_sa:
            sas.add(self.builtin_sa)
        self.sas_by_ns: dict[str, list[tuple[str, str]]] = {}
        for ns, name in sorted(sas):
            self.sas_by_ns.setdefault(ns, []).append((ns, name))
            key = sa_key(ns, name)
            self.labels[key] = f"sa {ns}/{name}" + (" (built-in)" if (ns, name) == self.builtin_sa else "")
        self._workload_sas: dict[str, set[tuple[str, str]]] = {}  # ns -> SAs with mounted tokens
        for _, sa in model.mounted_tokens():
            self._workload_sas.setdefault(sa.namespace, set()).add((sa.namespace, sa.name))
        # the assumed built-in SA last, so that on equal length a path through the input wins
        for ns, name in sorted(sas, key=lambda k: (k == self.builtin_sa, k)):
            self._build(ns, name)
        self._next = self._shortest_to_admin()

    # -- construction ----------------------------------------------------------------------
    def _add(self, src: str, label: str, dst: str) -> None:
        if src != dst:
            self.edges.setdefault(src, []).append(Edge(label, dst))

    def _allows(self, ident: Identity, req: Request) -> bool:
        return self.authz.allows(ident, req)

    def _cap(self, ident: Identity, key: str, namespace: str) -> bool:
        for alt in CAPABILITIES[key].alternatives:
            if all(self._allows(ident, request(r, namespace)) for r in alt):
                return True
        return False

    def _build(self, ns: str, name: str) -> None:
        src = sa_key(ns, name)
        if (ns, name) == self.builtin_sa:
            self._add(src, "escalate and update clusterroles", ADMIN)
            return
        self._build_identity(src, Identity.service_account(ns, name))

    def _build_identity(self, src: str, ident: Identity) -> None:
        cluster, per_ns = self.authz.resolve(ident)
        if not cluster and not per_ns:
            return
        a = self._allows
        direct: list[tuple[bool, str]] = [
            (a(ident, Request("*", "*", api_group="*")), "* on * cluster-wide"),
            (self._cap(ident, "nodes-proxy", ""), "nodes/proxy (kubelet API: exec in any pod)"),
            (a(ident, scoped("escalate", "clusterroles", "", api_group=RBAC_GROUP))
             and any(a(ident, scoped(v, "clusterroles", "", api_group=RBAC_GROUP)) for v in ("update", "patch")),
             "escalate and update clusterroles"),
            (a(ident, Request("bind", "clusterroles", api_group=RBAC_GROUP, name=ADMIN))
             and a(ident, scoped("create", "clusterrolebindings", "", api_group=RBAC_GROUP)),
             "bind clusterrole cluster-admin and create clusterrolebindings"),
            (a(ident, scoped("impersonate", "groups", "", name="system:masters"))
             or a(ident, scoped("impersonate", "users", "")),
             "impersonate users or group system:masters"),
            (self._cap(ident, "csr-approve", ""), f"create and approve CSRs for {CLIENT_SIGNER}"),
            (any(a(ident, scoped(v, "mutatingwebhookconfigurations", "", api_group="admissionregistration.k8s.io"))
                 for v in ("create", "update", "patch")), "change mutating admission webhooks"),
            (any(a(ident, scoped(v, "secrets", "kube-system")) for v in ("get", "list")),
             "read secrets in kube-system (service-account tokens)"),
        ]
        for ok, label in direct:
            if ok:
                self._add(src, label, ADMIN)
        # namespaces without a RoleBinding for this identity all answer like "" (cluster grants only)
        everywhere = any(self._ns_flags(ident, ""))
        per_ns = self.authz.resolve(ident)[1]
        for tns, members in self.sas_by_ns.items():
            if everywhere or tns in per_ns:
                self._namespace_edges(src, ident, tns, members)

    def _ns_flags(self, ident: Identity, ns: str) -> tuple[bool, bool, bool, bool, bool, bool, bool, bool]:
        """Namespace-wide powers of ``ident`` in ``ns``, cached: every namespace without a
        RoleBinding for the identity answers alike (only its ClusterRoleBindings apply)."""
        key_ns = ns if ns in self.authz.resolve(ident)[1] else ""
        key = (self.authz.profile(ident), key_ns)
        cached = self._flags.get(key)
        if cached is not None:
            return cached
        a = self._allows
        create = any(a(ident, scoped("create", r, ns, api_group=g)) for g, r in POD_CONTROLLERS)
        self_admin = (
            (any(a(ident, scoped("bind", "clusterroles", ns, api_group=RBAC_GROUP, name=n))
                 for n in ("cluster-admin", "admin", "edit"))
             or a(ident, scoped("bind", "roles", ns, api_group=RBAC_GROUP)))
            and a(ident, scoped("create", "rolebindings", ns, api_group=RBAC_GROUP))
        ) or (
            a(ident, scoped("escalate", "roles", ns, api_group=RBAC_GROUP))
            and a(ident, scoped("create", "roles", ns, api_group=RBAC_GROUP))
            and a(ident, scoped("create", "rolebindings", ns, api_group=RBAC_GROUP))
        )
        named = any(g.rule.resource_names for g in self.authz.grants(ident, ns))
        token = a(ident, scoped("create", "serviceaccounts", ns, subresource="token"))
        imp = a(ident, scoped("impersonate", "serviceaccounts", ns))
        exec_ = any(a(ident, scoped("create", "pods", ns, subresource=x)) for x in ("exec", "attach"))
        modify = any(a(ident, scoped(v, r, ns, api_group=g)) for g, r in POD_CONTROLLERS for v in ("update", "patch"))
        list_secrets = a(ident, scoped("list", "secrets", ns))
        out = (create, bool(self_admin), named, token, imp, exec_, modify, list_secrets)
        self._flags[key] = out
        return out

    def _namespace_edges(self, src: str, ident: Identity, ns: str, members: list[tuple[str, str]]) -> None:
        if not self.authz.has_grants(ident, ns):
            return
        create, self_admin, named, token, imp, exec_, modify, list_secrets = self._ns_flags(ident, ns)
        a = self._allows
        if create or self_admin:
            label = (f"create pods in {ns}" if create
                     else f"grant itself any role in {ns} (bind/escalate + create rolebindings)")
            for m in members:
                self._add(src, label, sa_key(*m))
            return  # the broadest namespace edges: the others add nothing new
        if token or imp or named:
            for m in members:
                if token or (named and a(ident, scoped("create", "serviceaccounts", ns, subresource="token",
                                                       name=m[1]))):
                    self._add(src, f"create serviceaccounts/token in {ns}", sa_key(*m))
                elif imp or (named and a(ident, scoped("impersonate", "serviceaccounts", ns, name=m[1]))):
                    self._add(src, f"impersonate service accounts in {ns}", sa_key(*m))
        mounted = self._workload_sas.get(ns, set())
        if exec_ or modify:
            label = f"exec into pods in {ns}" if exec_ else f"update pods or pod controllers in {ns}"
            for m in sorted(mounted):
                self._add(src, label, sa_key(*m))
        for (tns, tsa), secrets in self._secrets_by_ns.get(ns, ()):
            if list_secrets or (named and any(a(ident, scoped("get", "secrets", ns, name=x.name)) for x in secrets)):
                self._add(src, f"read the token Secret of sa {tns}/{tsa}", sa_key(tns, tsa))

    def path_for_identity(self, ident: Identity, label: str) -> list[str] | None:
        """Shortest path for any identity (user, group), evaluated on the fly."""
        if ident.user.startswith("system:serviceaccount:"):
            _, _, ns, name = ident.user.split(":", 3)
            path = self.path_from(ns, name)
            return [label, *path[1:]] if path else None
        src = f"id:{ident.user}:{','.join(sorted(ident.groups))}"
        self._build_identity(src, ident)
        edges = self.edges.pop(src, [])
        best: Edge | None = None
        for e in edges:
            if e.target == ADMIN:
                best = e
                break
            if e.target in self._dist and (best is None or self._dist[e.target] < self._dist[best.target]):
                best = e
        if best is None:
            return None
        rest = [ADMIN] if best.target == ADMIN else self.path_from(*best.target.split(":", 2)[1:])
        return [label, best.label, *(rest or [])]

    def _shortest_to_admin(self) -> dict[str, Edge]:
        reverse: dict[str, list[tuple[str, Edge]]] = {}
        for src, edges in self.edges.items():
            for e in edges:
                reverse.setdefault(e.target, []).append((src, e))
        nxt: dict[str, Edge] = {}
        self._dist = {ADMIN: 0}
        queue = deque([ADMIN])
        while queue:
            node = queue.popleft()
            for src, e in reverse.get(node, ()):
                if src not in self._dist:
                    self._dist[src] = self._dist[node] + 1
                    nxt[src] = e
                    queue.append(src)
        return nxt

    # -- queries ---------------------------------------------------------------------------
    def path_from(self, namespace: str, name: str) -> list[str] | None:
        """Steps from an SA to cluster-admin (node, edge label, node, ...), or None."""
        node = sa_key(namespace, name)
        if node not in self._next:
            return None
        out = [self.labels.get(node, node)]
        guard = 0
        while node != ADMIN and guard <= len(self._next):
            e = self._next[node]
            out += [e.label, self.labels.get(e.target, e.target)]
            node = e.target
            guard += 1
        return out

    def can_escalate(self, namespace: str, name: str) -> bool:
        return sa_key(namespace, name) in self._next

    def workload_path(self, view: PodSpecView) -> list[str] | None:
        o = view.owner
        ns = o.effective_namespace
        sa = self.model.service_account(ns, workload_sa_name(view))
        if not token_mounted(view, sa):
            return None
        path = self.path_from(ns, sa.name)
        if path is None:
            return None
        return [workload_label(view), *path]


def workload_label(view: PodSpecView) -> str:
    """A workload as the first step of its escalation path."""
    o = view.owner
    return f"{o.kind.lower()} {o.effective_namespace}/{o.name}"


def render(path: Iterable[str]) -> str:
    return " -> ".join(path)
