"""RBAC analyzer: risky grants per binding subject, orphaned references, and what each workload's
mounted service-account token can do (directly, and through the escalation graph).

Runs once per scan over every object read, because a binding, its role and the workloads using
its subjects usually live in different files.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from seawall.engine import ScanRun, analyzer
from seawall.inventory.k8s import PodSpecView
from seawall.model.finding import Finding, Severity
from seawall.rbac.capabilities import CAPABILITIES, Capability, binding_capabilities, is_admin_rule, request
from seawall.rbac.graph import EscalationGraph, render, workload_label
from seawall.rbac.matcher import Authorizer, Grant, Identity, binding_allows, scoped
from seawall.rbac.model import (
    RBAC_GROUP,
    Binding,
    PolicyRule,
    RbacModel,
    Role,
    Subject,
    is_builtin_role_name,
)
from seawall.rules.rbac.access import CAPABILITY_RULES

ANONYMOUS = {("User", "system:anonymous"), ("Group", "system:unauthenticated")}
#: Groups every authenticated identity (or every service account) belongs to.
BROAD_GROUPS = ("system:authenticated", "system:serviceaccounts")
#: (api group, resource) whose access by everyone is sensitive (SW-RBAC-005).
SENSITIVE_RESOURCES: tuple[tuple[str, str], ...] = (
    ("", "secrets"), ("", "pods"), ("", "nodes"), ("", "serviceaccounts"), ("", "persistentvolumes"),
    (RBAC_GROUP, "roles"), (RBAC_GROUP, "rolebindings"), (RBAC_GROUP, "clusterroles"),
    (RBAC_GROUP, "clusterrolebindings"), ("apps", "deployments"), ("apps", "daemonsets"),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
)
_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete")
#: Capabilities that make a workload token a cluster-takeover risk (SW-RBAC-021), as messages say them.
TAKEOVER: dict[str, str] = {
    "read-secrets": "read secrets", "create-pods": "create pods", "modify-pods": "update pods/controllers",
    "exec": "exec into pods", "nodes-proxy": "use nodes/proxy", "escalate": "escalate roles",
    "bind": "bind roles", "impersonate": "impersonate", "sa-token": "mint service-account tokens",
    "csr-approve": "approve CSRs", "webhooks": "change admission webhooks",
}


def _scope(b: Binding) -> str:
    return f"in namespace {b.namespace}" if b.namespace else "cluster-wide"


def _is_admin_role(role: Role) -> bool:
    """cluster-admin, or any role with '*' verbs on '*' resources (the built-in namespace 'admin'
    role is the usual way to delegate a namespace; its parts are reported by the capability rules)."""
    return (role.kind == "ClusterRole" and role.name == "cluster-admin") or any(
        is_admin_rule(r) for r in role.rules
    )


def _public_only(role: Role) -> bool:
    """The default system:public-info-viewer kind of grant: GET on a few non-resource URLs."""
    return bool(role.rules) and all(
        not r.resources and r.non_resource_urls and set(r.verbs) <= {"get"} and "*" not in r.non_resource_urls
        for r in role.rules
    )


def _broad(s: Subject) -> bool:
    return s.kind == "Group" and (s.name in BROAD_GROUPS or s.name.startswith("system:serviceaccounts:"))


def _sensitive_grant(model: RbacModel, b: Binding) -> str:
    for group, res in SENSITIVE_RESOURCES:
        for verb in _VERBS:
            if binding_allows(model, b, scoped(verb, res, b.namespace, api_group=group)):
                return f"{verb} {res}"
    for cap, _rule in binding_capabilities(model, b):
        return cap.summary
    return ""


def binding_findings(run: ScanRun, model: RbacModel) -> Iterator[Finding | None]:
    has_sas = bool(model.service_accounts)
    # What a binding grants depends only on its role, its kind and its namespace: computed once
    # per such triple (the same role is often bound many times, e.g. per namespace or per copy).
    caps_of: dict[tuple[int, str, str], list[tuple[Capability, PolicyRule]]] = {}
    sensitive_of: dict[tuple[int, str, str], str] = {}
    for b in model.bindings:
        role = model.role_for(b)
        obj = b.obj
        for idx, s in b.subjects:
            if (s.kind, s.name) in ANONYMOUS:
                low = role is not None and _public_only(role)
                what = "only GET on public discovery/health/version URLs" if low else "permissions"
                yield run.object_finding(
                    "SW-RBAC-004", obj,
                    f"{b.ref()} -> {b.role_kind} {b.role_name} grants {s.name} (no credentials needed) {what} "
                    f"{_scope(b)}",
                    f"/subjects/{idx}", evidence=f"{s.kind}/{s.name}", severity=Severity.LOW if low else None,
                    extra=(("subject", f"{s.kind}/{s.name}"),),
                )
        if obj.labels.get("kubernetes.io/bootstrapping") != "rbac-defaults":
            for idx, s in b.subjects:
                if s.kind == "ServiceAccount" and s.name == "default":
                    yield run.object_finding(
                        "SW-RBAC-023", obj,
                        f"{b.ref()} grants {b.role_kind} {b.role_name} to ServiceAccount {s.namespace}/default, "
                        "which every pod without serviceAccountName runs as",
                        f"/subjects/{idx}", evidence=f"ServiceAccount/{s.namespace}/default",
                        extra=(("subject", f"ServiceAccount/{s.namespace}/default"),),
                    )
        if role is None:
            if b.role_kind == "ClusterRole" and is_builtin_role_name(b.role_name):
                continue
            why = (
                "a ClusterRoleBinding can only reference a ClusterRole"
                if b.kind == "ClusterRoleBinding" and b.role_kind == "Role"
                else "it is not in the scanned input"
            )
            yield run.object_finding(
                "SW-RBAC-017", obj,
                f"{b.ref()} references {b.role_kind or '?'} {b.role_name or '?'}, which grants nothing: {why}",
                "/roleRef", evidence=f"roleRef: {b.role_kind}/{b.role_name}",
            )
            continue
        if obj.labels.get("kubernetes.io/bootstrapping") == "rbac-defaults":
            # the API server's own default bindings (cluster dumps): not the user's choice to make;
            # they still count in the escalation graph, and anonymous grants are reported above
            continue
        via = f"{b.ref()} -> {role.ref()}{' (built-in)' if role.builtin else ''}"
        admin = _is_admin_role(role)
        sensitive = ""
        grant_key = (id(role), b.kind, b.namespace)
        caps = caps_of.get(grant_key)
        if caps is None:
            caps = caps_of[grant_key] = [
                (c, r) for c, r in binding_capabilities(model, b) if c.key in CAPABILITY_RULES
            ]
        for idx, s in b.subjects:
            ptr = f"/subjects/{idx}"
            who = s.display()
            subj = (("subject", f"{s.kind}/{s.namespace + '/' if s.namespace else ''}{s.name}"),)
            if admin:
                rid = "SW-RBAC-002" if b.kind == "ClusterRoleBinding" else "SW-RBAC-003"
                yield run.object_finding(rid, obj, f"{who} has administrator rights {_scope(b)} ({via})", ptr,
                                         evidence=f"{s.kind}/{s.name}", extra=subj)
            if _broad(s):
                if not sensitive:
                    if grant_key not in sensitive_of:
                        sensitive_of[grant_key] = _sensitive_grant(model, b)
                    sensitive = sensitive_of[grant_key]
                if sensitive:
                    yield run.object_finding(
                        "SW-RBAC-005", obj,
                        f"{via} lets every member of {s.name} {sensitive} {_scope(b)}", ptr,
                        evidence=f"{s.kind}/{s.name}", extra=subj,
                    )
            for cap, rule in caps:
                yield run.object_finding(
                    CAPABILITY_RULES[cap.key], obj,
                    f"{who} can {cap.summary} {_scope(b)} ({via}, rule {rule.compact()})", ptr,
                    evidence=rule.compact(), extra=subj,
                )
            if (
                s.kind == "ServiceAccount" and has_sas and s.name != "default"
                and (s.namespace, s.name) not in model.service_accounts
            ):
                yield run.object_finding(
                    "SW-RBAC-018", obj,
                    f"{via} grants ServiceAccount {s.namespace}/{s.name}, which is not in the scanned input", ptr,
                    evidence=f"ServiceAccount/{s.namespace}/{s.name}", extra=subj,
                )


def _rel(view: PodSpecView, pointer: str) -> str:
    base = view.owner.pointer
    return pointer[len(base):] if pointer.startswith(base) else pointer


def identity_grants(authz: Authorizer, model: RbacModel, ident: Identity) -> list[Grant]:
    out = list(authz.grants(ident, ""))
    for ns in sorted({b.namespace for b in model.bindings if b.kind == "RoleBinding"}):
        out += [g for g in authz.grants(ident, ns) if g.binding.kind == "RoleBinding"]
    return out


def takeover_capabilities(authz: Authorizer, model: RbacModel, ident: Identity) -> list[str]:
    found: list[str] = []
    # cluster-level grants answer every namespace alike; only RoleBinding namespaces differ
    scopes = ["", *sorted(authz.resolve(ident)[1])]
    for key, words in TAKEOVER.items():
        for ns in scopes:
            if any(all(authz.allows(ident, request(r, ns)) for r in alt) for alt in CAPABILITIES[key].alternatives):
                found.append(f"{words} {'cluster-wide' if not ns else 'in ' + ns}")
                break
    return found


def subject_paths(run: ScanRun, model: RbacModel, graph: EscalationGraph) -> Iterator[Finding | None]:
    """SW-RBAC-022: subjects that are cluster-admin in all but name (reported once each)."""
    seen: set[Subject] = set()
    for b in model.bindings:
        for idx, s in b.subjects:
            if s in seen or s.kind not in ("User", "Group", "ServiceAccount"):
                continue
            seen.add(s)
            path = graph.path_for_identity(Identity.for_subject(s), s.display())
            if not path or path[1] == "* on * cluster-wide":
                continue  # not escalating, or plainly cluster-admin (SW-RBAC-002)
            yield run.object_finding(
                "SW-RBAC-022", b.obj, f"escalation path: {render(path)}", f"/subjects/{idx}",
                evidence=render(path),
                extra=(("subject", f"{s.kind}/{s.namespace + '/' if s.namespace else ''}{s.name}"),
                       ("path", tuple(path))),
            )


def workload_findings(run: ScanRun, model: RbacModel, graph: EscalationGraph | None) -> Iterator[Finding | None]:
    authz = graph.authz if graph is not None else Authorizer(model)
    # What a token can do, once per service account (many workloads share one), and the grants
    # part once per binding profile: accounts bound by the same bindings get the same answers.
    cache: dict[tuple[str, str], tuple[Grant | None, list[str], list[str] | None]] = {}
    by_profile: dict[tuple[int, ...], tuple[Grant | None, bool, list[str]]] = {}
    for view, sa in model.mounted_tokens():
        o = view.owner
        ns = o.effective_namespace
        key = (ns, sa.name)
        facts = cache.get(key)
        if facts is None:
            ident = Identity.service_account(ns, sa.name)
            prof = authz.profile(ident)
            granted = by_profile.get(prof)
            if granted is None:
                admin = [g for g in identity_grants(authz, model, ident) if _is_admin_role(g.role)]
                direct_cluster_admin = any(g.binding.kind == "ClusterRoleBinding" for g in admin)
                granted = by_profile[prof] = (
                    admin[0] if admin else None, direct_cluster_admin, takeover_capabilities(authz, model, ident)
                )
            first_admin, direct_cluster_admin, takeover = granted
            path = graph.path_from(ns, sa.name) if graph is not None and not direct_cluster_admin else None
            facts = cache[key] = (first_admin, takeover, path)
        g, takeover, path = facts
        ptr = _rel(view, view.ptr("serviceAccountName") if "serviceAccountName" in view.spec else view.spec_pointer)
        if g is not None:
            yield run.object_finding(
                "SW-RBAC-020", o,
                f"{o.kind} {o.name} mounts the token of ServiceAccount {ns}/{sa.name}, which has administrator "
                f"rights {_scope(g.binding)} ({g.binding.ref()} -> {g.role.ref()})",
                ptr, evidence=f"ServiceAccount/{ns}/{sa.name}",
            )
        if takeover:
            yield run.object_finding(
                "SW-RBAC-021", o,
                f"{o.kind} {o.name} mounts the token of ServiceAccount {ns}/{sa.name}, which can: "
                + "; ".join(takeover),
                ptr, evidence=f"ServiceAccount/{ns}/{sa.name}",
            )
        if path:
            full = [workload_label(view), *path]  # what graph.workload_path(view) answers
            yield run.object_finding(
                "SW-RBAC-019", o, f"escalation path: {render(full)}", ptr,
                evidence=render(full), extra=(("path", tuple(full)),),
            )


@analyzer("rbac", rules=("SW-RBAC-",))
def rbac(run: ScanRun) -> Iterator[Finding]:
    model = RbacModel.from_objects(run.inventory.objects, run.inventory.workloads)
    if not model.bindings and not model.workloads:
        return
    found: list[Any] = [*binding_findings(run, model)]
    if model.bindings:
        graph = EscalationGraph(model) if run.enabled("SW-RBAC-019") or run.enabled("SW-RBAC-022") else None
        if graph is not None and run.enabled("SW-RBAC-022"):
            found += subject_paths(run, model, graph)
        found += workload_findings(run, model, graph if run.enabled("SW-RBAC-019") else None)
    yield from (f for f in found if f is not None)
