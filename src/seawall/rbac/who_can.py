"""``who-can`` (subjects allowed a request) and ``can`` (everything a subject may do).

who-can lists the subjects *named in bindings* whose role allows the request, like
``kubectl who-can``: a group is listed as the group, not expanded to members. Without a
namespace it answers "anywhere": every ClusterRoleBinding plus every RoleBinding evaluated in
its own namespace. Requests for cluster-scoped resources are only granted by
ClusterRoleBindings, whatever namespace is asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seawall.rbac.matcher import Authorizer, Grant, Identity, Request, binding_allows, is_cluster_scoped
from seawall.rbac.model import Binding, PolicyRule, RbacModel, Subject


@dataclass(frozen=True, slots=True)
class WhoCanAnswer:
    subject: Subject
    binding: Binding
    rule: PolicyRule


def parse_resource(text: str, api_group: str | None) -> tuple[str, str, str]:
    """``pods``, ``pods/exec``, ``deployments.apps``, ``deployments.apps/scale`` -> (res, sub, group)."""
    res, _, sub = text.partition("/")
    group = api_group
    if group is None:
        res, _, group = res.partition(".")
    return res, sub, group or ""


def who_can(
    model: RbacModel,
    verb: str,
    resource: str,
    *,
    subresource: str = "",
    api_group: str = "",
    namespace: str | None = None,
    name: str = "",
    path: str = "",
) -> list[WhoCanAnswer]:
    cluster = bool(path) or is_cluster_scoped(verb, resource, subresource)
    out: dict[Subject, WhoCanAnswer] = {}
    for b in model.bindings:
        if b.kind == "RoleBinding":
            if cluster or (namespace is not None and b.namespace != namespace):
                continue
            ns = b.namespace
        else:
            ns = "" if cluster else (namespace or "")
        req = Request(verb, "" if path else resource, "" if path else subresource,
                      "" if path else api_group, name, ns, path)
        rule = binding_allows(model, b, req)
        if rule is None:
            continue
        for _, s in b.subjects:
            if s.kind in ("User", "Group", "ServiceAccount") and s not in out:
                out[s] = WhoCanAnswer(s, b, rule)
    return sorted(out.values(), key=lambda a: (a.subject.kind, a.subject.namespace, a.subject.name))


def parse_subject(text: str) -> Identity:
    """``user:alice``, ``group:devs``, ``sa:ns:name``, ``system:serviceaccount:ns:name``."""
    from seawall.errors import InputError

    if text.startswith("system:serviceaccount:"):
        parts = text.split(":")
        if len(parts) == 4 and parts[2] and parts[3]:
            return Identity.service_account(parts[2], parts[3])
    kind, _, rest = text.partition(":")
    kind = kind.lower()
    if kind in ("sa", "serviceaccount"):
        ns, _, name = rest.partition(":")
        if not name and "/" in rest:
            ns, _, name = rest.partition("/")
        if ns and name and ":" not in name:
            return Identity.service_account(ns, name)
    elif kind == "user" and rest:
        return Identity.for_user(rest)
    elif kind == "group" and rest:
        return Identity.group(rest)
    raise InputError(
        "subject must be user:NAME, group:NAME, sa:NAMESPACE:NAME or system:serviceaccount:NAMESPACE:NAME",
        subject=text,
    )


@dataclass(slots=True)
class Permissions:
    """Everything an identity may do: cluster-wide grants and per-namespace ones."""

    identity: Identity
    cluster: list[Grant] = field(default_factory=list)
    namespaces: dict[str, list[Grant]] = field(default_factory=dict)


def can(model: RbacModel, ident: Identity) -> Permissions:
    authz = Authorizer(model)
    perms = Permissions(ident, cluster=list(authz.grants(ident, "")))
    cluster_keys = {(g.binding.name, g.rule) for g in perms.cluster}
    for ns in sorted({b.namespace for b in model.bindings if b.kind == "RoleBinding"}):
        local = [g for g in authz.grants(ident, ns) if g.binding.kind == "RoleBinding"]
        local = [g for g in local if (g.binding.name, g.rule) not in cluster_keys]
        if local:
            perms.namespaces[ns] = local
    return perms
