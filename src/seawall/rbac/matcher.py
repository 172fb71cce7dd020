"""Kubernetes' RBAC authorizer semantics, re-implemented exactly.

Mirrors ``pkg/apis/rbac/v1/evaluation_helpers.go`` (VerbMatches, APIGroupMatches,
ResourceMatches, ResourceNameMatches, NonResourceURLMatches), ``RuleAllows`` in
``plugin/pkg/auth/authorizer/rbac/rbac.go`` and the subject/scope rules of the default rule
resolver. Consequences worth remembering (they differ from several peer tools):

- ``*`` in resources covers every resource *and* subresource; ``*/exec`` covers ``pods/exec``
  (any resource's ``exec``); ``pods/*`` is compared literally and grants nothing real.
- ``resourceNames`` compare against the request's name; ``create`` (of a top-level object),
  unfiltered ``list``/``watch`` and ``deletecollection`` carry no name, so a rule with
  ``resourceNames`` never allows them.
- A RoleBinding grants only for requests in its own namespace; a request for a cluster-scoped
  resource has no namespace, so only ClusterRoleBindings can grant it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from seawall.rbac.model import Binding, PolicyRule, RbacModel, Role, Subject

#: Resources (plural, lower case) that live outside namespaces; requests for them are cluster-scoped.
CLUSTER_RESOURCES: frozenset[str] = frozenset(
    {
        "nodes", "nodes/proxy", "nodes/status", "namespaces", "namespaces/status", "namespaces/finalize",
        "persistentvolumes", "persistentvolumes/status", "clusterroles", "clusterrolebindings",
        "customresourcedefinitions", "validatingwebhookconfigurations", "mutatingwebhookconfigurations",
        "validatingadmissionpolicies", "validatingadmissionpolicybindings", "mutatingadmissionpolicies",
        "mutatingadmissionpolicybindings", "certificatesigningrequests",
        "certificatesigningrequests/approval", "certificatesigningrequests/status", "signers",
        "storageclasses", "priorityclasses", "runtimeclasses", "ingressclasses", "apiservices",
        "csidrivers", "csinodes", "volumeattachments", "podsecuritypolicies", "users", "groups", "uids",
        "userextras", "tokenreviews", "subjectaccessreviews", "selfsubjectaccessreviews",
        "selfsubjectrulesreviews", "componentstatuses", "flowschemas", "prioritylevelconfigurations",
    }
)


@dataclass(frozen=True, slots=True)
class Request:
    """An API request as the authorizer sees it. ``path`` set means a non-resource request."""

    verb: str
    resource: str = ""
    subresource: str = ""
    api_group: str = ""
    name: str = ""
    namespace: str = ""  # "" = cluster-scoped (or all-namespaces) request
    path: str = ""

    @property
    def is_resource_request(self) -> bool:
        return not self.path

    @property
    def combined_resource(self) -> str:
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource

    def describe(self) -> str:
        if not self.is_resource_request:
            return f"{self.verb} {self.path}"
        grp = f".{self.api_group}" if self.api_group else ""
        name = f" {self.name!r}" if self.name else ""
        where = f" in namespace {self.namespace}" if self.namespace else " cluster-wide"
        return f"{self.verb} {self.resource}{grp}{'/' + self.subresource if self.subresource else ''}{name}{where}"


def is_cluster_scoped(verb: str, resource: str, subresource: str = "") -> bool:
    """Whether a request has no namespace. ``bind`` is checked in the new binding's namespace."""
    if verb == "bind":
        return False
    combined = f"{resource}/{subresource}" if subresource else resource
    return combined in CLUSTER_RESOURCES or resource in CLUSTER_RESOURCES


def verb_matches(rule: PolicyRule, verb: str) -> bool:
    return any(v == "*" or v == verb for v in rule.verbs)


def api_group_matches(rule: PolicyRule, group: str) -> bool:
    return any(g == "*" or g == group for g in rule.api_groups)


def resource_matches(rule: PolicyRule, combined: str, subresource: str) -> bool:
    for r in rule.resources:
        if r == "*" or r == combined:
            return True
        if subresource and len(r) == len(subresource) + 2 and r.startswith("*/") and r.endswith(subresource):
            return True
    return False


def resource_name_matches(rule: PolicyRule, name: str) -> bool:
    return not rule.resource_names or name in rule.resource_names


def non_resource_url_matches(rule: PolicyRule, path: str) -> bool:
    for u in rule.non_resource_urls:
        if u == "*" or u == path:
            return True
        if u.endswith("*") and path.startswith(u.rstrip("*")):
            return True
    return False


def rule_allows(rule: PolicyRule, req: Request) -> bool:
    if req.is_resource_request:
        return (
            verb_matches(rule, req.verb)
            and api_group_matches(rule, req.api_group)
            and resource_matches(rule, req.combined_resource, req.subresource)
            and resource_name_matches(rule, req.name)
        )
    return verb_matches(rule, req.verb) and non_resource_url_matches(rule, req.path)


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated user as the authorizer sees it: a name and groups."""

    user: str
    groups: frozenset[str] = frozenset()

    @classmethod
    def for_user(cls, name: str) -> Identity:
        if name == "system:anonymous":
            return cls(name, frozenset({"system:unauthenticated"}))
        return cls(name, frozenset({"system:authenticated"}))

    @classmethod
    def service_account(cls, namespace: str, name: str) -> Identity:
        return cls(
            f"system:serviceaccount:{namespace}:{name}",
            frozenset({"system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"}),
        )

    @classmethod
    def group(cls, name: str) -> Identity:
        """What membership of this one group grants (no user-specific bindings)."""
        return cls("", frozenset({name}))

    @classmethod
    def for_subject(cls, s: Subject) -> Identity:
        if s.kind == "ServiceAccount":
            return cls.service_account(s.namespace, s.name)
        if s.kind == "Group":
            return cls.group(s.name)
        return cls.for_user(s.name)


def subject_applies(subject: Subject, ident: Identity, binding_namespace: str) -> bool:
    """appliesToUser: users by name, groups by membership, SAs by their full user name."""
    if subject.kind == "User":
        return bool(ident.user) and subject.name == ident.user
    if subject.kind == "Group":
        return subject.name in ident.groups
    if subject.kind == "ServiceAccount":
        ns = subject.namespace or binding_namespace
        return bool(ns) and ident.user == f"system:serviceaccount:{ns}:{subject.name}"
    return False


@dataclass(frozen=True, slots=True)
class Grant:
    """One rule that applies to an identity, and where it comes from."""

    binding: Binding
    role: Role
    rule: PolicyRule

    @property
    def namespace(self) -> str:
        """"" when it applies cluster-wide (ClusterRoleBinding)."""
        return self.binding.namespace


class Authorizer:
    """RBAC decisions over a :class:`RbacModel` (deny by default, like the API server)."""

    def __init__(self, model: RbacModel) -> None:
        self.model = model
        self._ident_profile: dict[Identity, tuple[int, ...]] = {}
        self._profiles: dict[tuple[int, ...], tuple[list[Grant], dict[str, list[Grant]]]] = {}
        self._memo: dict[tuple[tuple[int, ...], Request], Grant | None] = {}
        self._index: tuple[tuple[int, int], dict[str, list[int]], dict[str, list[int]]] | None = None

    def resolve(self, ident: Identity) -> tuple[list[Grant], dict[str, list[Grant]]]:
        """The identity's grants, cluster-wide and per RoleBinding namespace (computed once)."""
        return self._profiles[self.profile(ident)]

    def profile(self, ident: Identity) -> tuple[int, ...]:
        """Which bindings apply to ``ident``: identities with the same profile get the same answers,
        so decisions are memoised per profile (thousands of service accounts share a handful)."""
        key = self._ident_profile.get(ident)
        if key is None:
            by_user, by_group = self._subject_index()
            found = set(by_user.get(ident.user, ())) if ident.user else set()
            for g in ident.groups:
                found.update(by_group.get(g, ()))
            applicable = sorted(found)
            key = self._ident_profile[ident] = tuple(applicable)
            if key not in self._profiles:
                cluster: list[Grant] = []
                per_ns: dict[str, list[Grant]] = {}
                for i in applicable:
                    b = self.model.bindings[i]
                    role = self.model.role_for(b)
                    if role is None:
                        continue
                    target = cluster if b.kind == "ClusterRoleBinding" else per_ns.setdefault(b.namespace, [])
                    target.extend(Grant(b, role, r) for r in role.rules)
                self._profiles[key] = (cluster, per_ns)
        return key

    def _subject_index(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """Binding indexes by the user name and by the group name their subjects apply to
        (:func:`subject_applies` turned around), so an identity's bindings are looked up instead
        of testing every subject of every binding; rebuilt if bindings were added since."""
        bindings = self.model.bindings
        if self._index is None or self._index[0] != (id(bindings), len(bindings)):
            by_user: dict[str, list[int]] = {}
            by_group: dict[str, list[int]] = {}
            for i, b in enumerate(bindings):
                for _, s in b.subjects:
                    if s.kind == "User":
                        by_user.setdefault(s.name, []).append(i)
                    elif s.kind == "Group":
                        by_group.setdefault(s.name, []).append(i)
                    elif s.kind == "ServiceAccount":
                        ns = s.namespace or b.namespace
                        if ns:
                            by_user.setdefault(f"system:serviceaccount:{ns}:{s.name}", []).append(i)
            self._index = ((id(bindings), len(bindings)), by_user, by_group)
        return self._index[1], self._index[2]

    def grants(self, ident: Identity, namespace: str) -> Iterator[Grant]:
        """Every rule that applies to ``ident`` for requests in ``namespace`` ("" = cluster)."""
        cluster, per_ns = self.resolve(ident)
        yield from cluster
        if namespace:
            yield from per_ns.get(namespace, ())

    def has_grants(self, ident: Identity, namespace: str) -> bool:
        cluster, per_ns = self.resolve(ident)
        return bool(cluster or (namespace and per_ns.get(namespace)))

    def allowed_by(self, ident: Identity, req: Request) -> Grant | None:
        prof = self.profile(ident)
        per_ns = self._profiles[prof][1]
        if req.namespace and req.namespace not in per_ns:
            # only ClusterRoleBindings apply there, and rules never look at the namespace: the
            # answer is the same as for the cluster-level request (memoised once)
            req = Request(req.verb, req.resource, req.subresource, req.api_group, req.name, "", req.path)
        key = (prof, req)
        if key in self._memo:
            return self._memo[key]
        found = None
        for g in self.grants(ident, req.namespace):
            if rule_allows(g.rule, req):
                found = g
                break
        if len(self._memo) < 200_000:
            self._memo[key] = found
        return found

    def allows(self, ident: Identity, req: Request) -> bool:
        return self.allowed_by(ident, req) is not None


def binding_allows(model: RbacModel, b: Binding, req: Request) -> PolicyRule | None:
    """The rule of ``b``'s role allowing ``req``, honouring the binding's scope, or None."""
    if b.kind == "RoleBinding" and req.namespace != b.namespace:
        return None
    role = model.role_for(b)
    if role is None:
        return None
    for r in role.rules:
        if rule_allows(r, req):
            return r
    return None


def scoped(verb: str, resource: str, namespace: str, *, subresource: str = "", api_group: str = "",
           name: str = "") -> Request:
    """A request with the namespace Kubernetes would give it (none for cluster-scoped resources)."""
    ns = "" if is_cluster_scoped(verb, resource, subresource) else namespace
    return Request(verb, resource, subresource, api_group, name, ns)
