"""The isolation checks as plain functions over workloads, so the analyzer and tests share them.

Each returns :class:`Issue` records (rule id, object, message, pointer); the analyzer turns them into
findings with file and line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from seawall.inventory.k8s import K8sObject, PodSpecView, as_dict, as_list, as_str
from seawall.isolation.sensitivity import SANDBOX_HANDLERS, Level, SensitivityConfig, level_from_labels, level_of
from seawall.rbac.model import workload_sa_name

if TYPE_CHECKING:
    from seawall.netpol.analysis import Connectivity

#: Tolerations every pod gets from admission; they say nothing about dedicated nodes.
_DEFAULT_TOLERATION_KEYS = frozenset(
    {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "node.kubernetes.io/disk-pressure",
     "node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable",
     "node.kubernetes.io/network-unavailable"}
)
_DEDICATING_EFFECTS = ("NoSchedule", "NoExecute", "")


@dataclass(frozen=True, slots=True)
class Issue:
    rule_id: str
    obj: K8sObject
    message: str
    pointer: str = ""
    evidence: str = ""


@dataclass(slots=True)
class Classified:
    view: PodSpecView
    level: Level
    sensitive: bool

    @property
    def ref(self) -> str:
        o = self.view.owner
        return f"{o.kind} {o.effective_namespace}/{o.name}"


def rel(view: PodSpecView, pointer: str) -> str:
    base = view.owner.pointer
    return pointer[len(base):] if pointer.startswith(base) else pointer


def classify(
    views: Sequence[PodSpecView], cfg: SensitivityConfig, namespaces: dict[str, K8sObject]
) -> list[Classified]:
    harmless = cfg.harmless()  # what cfg.is_sensitive consults, built once
    out = []
    for v in views:
        lv = level_of(v, cfg, namespaces)
        out.append(Classified(v, lv, lv.value.lower() not in harmless))
    return out


def _shown(level: str) -> str:
    return level or "(unlabelled)"


def mixed_namespaces(items: Sequence[Classified], namespaces: dict[str, K8sObject]) -> Iterator[Issue]:
    by_ns: dict[str, list[Classified]] = defaultdict(list)
    for c in items:
        by_ns[c.view.owner.effective_namespace].append(c)
    for ns, members in sorted(by_ns.items()):
        levels = sorted({c.level.value for c in members})
        if len(levels) < 2 or not any(c.sensitive for c in members):
            continue
        counts = ", ".join(
            f"{_shown(lv)}: {sum(1 for c in members if c.level.value == lv)}" for lv in levels
        )
        obj = namespaces.get(ns)
        first = next(c for c in members if c.sensitive)
        target = obj if obj is not None else first.view.owner
        yield Issue(
            "SW-ISO-001", target,
            f"namespace {ns} mixes sensitivity levels ({counts}); sensitive and other workloads share its "
            "quotas, network defaults, service accounts and RBAC",
            "/metadata" if obj is not None else rel(first.view, first.view.meta_ptr()),
            evidence=", ".join(_shown(lv) for lv in levels),
        )


def _selection_keys(spec: dict[str, object]) -> set[str]:
    keys = {k for k in as_dict(spec.get("nodeSelector")) if isinstance(k, str)}
    req = as_dict(as_dict(as_dict(spec.get("affinity")).get("nodeAffinity")).get(
        "requiredDuringSchedulingIgnoredDuringExecution"))
    for term in as_list(req.get("nodeSelectorTerms")):
        for expr in as_list(as_dict(term).get("matchExpressions")) + as_list(as_dict(term).get("matchFields")):
            e = as_dict(expr)
            if as_str(e.get("operator")) in ("In", "Exists") and as_str(e.get("key")):
                keys.add(as_str(e.get("key")))
    return keys


def _dedicating_tolerations(spec: dict[str, object]) -> list[dict[str, object]]:
    out = []
    for t in as_list(spec.get("tolerations")):
        d = as_dict(t)
        key = as_str(d.get("key"))
        if key and key not in _DEFAULT_TOLERATION_KEYS and as_str(d.get("effect")) in _DEDICATING_EFFECTS:
            out.append(d)
    return out


def _tolerates(tol: dict[str, object], taint: dict[str, object]) -> bool:
    effect = as_str(tol.get("effect"))
    if effect and effect != as_str(taint.get("effect")):
        return False
    if as_str(tol.get("key")) and as_str(tol.get("key")) != as_str(taint.get("key")):
        return False
    if as_str(tol.get("operator")) == "Exists":
        return True
    return as_str(tol.get("value")) == as_str(taint.get("value"))


def _node_matches(spec: dict[str, object], node: K8sObject) -> bool:
    labels = {k: as_str(v) for k, v in node.labels.items()}
    return all(labels.get(k) == as_str(v) for k, v in as_dict(spec.get("nodeSelector")).items())


def dedicated_nodes(items: Sequence[Classified], nodes: Sequence[K8sObject]) -> Iterator[Issue]:
    """Sensitive workloads must be pinned (selector/affinity) AND tolerate the dedicated nodes' taint.

    Pinning alone lets any other pod land on those nodes; a toleration alone lets the sensitive pod
    land anywhere. With Node objects in the input the taint is checked on the selected nodes;
    otherwise a toleration whose key matches a selected node label (the usual ``dedicated=x`` label
    plus ``dedicated=x:NoSchedule`` taint pattern), or any custom NoSchedule/NoExecute toleration, counts.
    """
    for c in items:
        if not c.sensitive:
            continue
        spec = c.view.spec
        keys = _selection_keys(spec)
        tols = _dedicating_tolerations(spec)
        where = rel(c.view, c.view.spec_pointer)
        if not keys:
            yield Issue("SW-ISO-002", c.view.owner,
                        f"{c.ref} (sensitivity {c.level.value}) has no nodeSelector or required node affinity: "
                        "it can be scheduled next to any other workload", where)
            continue
        if not tols:
            yield Issue("SW-ISO-002", c.view.owner,
                        f"{c.ref} (sensitivity {c.level.value}) selects nodes by {', '.join(sorted(keys))} but "
                        "tolerates no taint: nodes that accept it are not reserved, other workloads run there too",
                        rel(c.view, c.view.ptr("nodeSelector")) if "nodeSelector" in spec else where)
            continue
        selected = [n for n in nodes if _node_matches(spec, n)]
        if selected:
            tainted = [n for n in selected if any(
                as_str(as_dict(t).get("effect")) in ("NoSchedule", "NoExecute")
                and any(_tolerates(tol, as_dict(t)) for tol in tols)
                for t in as_list(n.spec.get("taints")))]
            if not tainted:
                yield Issue("SW-ISO-002", c.view.owner,
                            f"{c.ref} (sensitivity {c.level.value}) is pinned to nodes "
                            f"{', '.join(n.name for n in selected[:5])}, none of which has a taint it tolerates: "
                            "other workloads can run there", rel(c.view, c.view.ptr("tolerations")))
        # no Node objects in the input: a pinned workload tolerating a custom taint passes


def shared_service_accounts(items: Sequence[Classified]) -> Iterator[Issue]:
    by_sa: dict[tuple[str, str], list[Classified]] = defaultdict(list)
    for c in items:
        by_sa[(c.view.owner.effective_namespace, workload_sa_name(c.view))].append(c)
    for (ns, sa), users in sorted(by_sa.items()):
        for c in users:
            if not c.sensitive:
                continue
            others = [o for o in users if o.level.value != c.level.value]
            if not others:
                continue
            names = ", ".join(f"{o.ref} ({_shown(o.level.value)})" for o in others[:5])
            more = f" and {len(others) - 5} more" if len(others) > 5 else ""
            ptr = c.view.ptr("serviceAccountName") if "serviceAccountName" in c.view.spec else c.view.spec_pointer
            yield Issue("SW-ISO-003", c.view.owner,
                        f"{c.ref} (sensitivity {c.level.value}) shares ServiceAccount {ns}/{sa} with {names}{more}: "
                        "their tokens carry the same permissions and identity",
                        rel(c.view, ptr), evidence=f"ServiceAccount/{ns}/{sa}")


def sandbox(
    items: Sequence[Classified], cfg: SensitivityConfig, runtime_classes: Sequence[K8sObject]
) -> Iterator[Issue]:
    if not cfg.require_sandbox_for:
        return
    required = {lv.lower() for lv in cfg.require_sandbox_for}
    allowed = set(cfg.sandbox_runtime_classes)
    for rc in runtime_classes:
        handler = as_str(rc.data.get("handler"))
        if any(handler.startswith(h) for h in SANDBOX_HANDLERS):
            allowed.add(rc.name)
    for c in items:
        if c.level.value.lower() not in required:
            continue
        rcn = as_str(c.view.spec.get("runtimeClassName"))
        if rcn in allowed:
            continue
        ptr = c.view.ptr("runtimeClassName") if "runtimeClassName" in c.view.spec else c.view.spec_pointer
        got = f"runtimeClassName {rcn!r}" if rcn else "no runtimeClassName"
        yield Issue("SW-ISO-004", c.view.owner,
                    f"{c.ref} (sensitivity {c.level.value}) runs with {got}; the config requires a sandboxed "
                    f"runtime ({', '.join(sorted(allowed))}) for levels {', '.join(cfg.require_sandbox_for)}",
                    rel(c.view, ptr), evidence=rcn)


def reachable_from_non_sensitive(
    items: Sequence[Classified], objects: Sequence[K8sObject], cfg: SensitivityConfig,
    namespaces: dict[str, K8sObject], conn: Connectivity | None = None,
) -> Iterator[Issue]:
    """Sensitive workloads that a non-sensitive workload may open a connection to (NetworkPolicy
    semantics from :mod:`seawall.netpol`; pass the scan's shared ``conn`` to avoid recomputing)."""
    sensitive = [c for c in items if c.sensitive]
    if not sensitive:
        return
    if conn is None:
        from seawall.netpol.analysis import analyze

        conn = analyze(objects)
    by_obj = {id(o): w for w in conn.workloads for o in w.objects}
    ns_labels = {name: obj.labels for name, obj in namespaces.items()}
    known = {id(c.view.owner): c for c in items}
    for c in sensitive:
        w = by_obj.get(id(c.view.owner))
        if w is None:
            continue
        offenders = []
        for peer, cs in conn.reachable_from(w):
            if getattr(peer, "is_ip", False):
                continue
            mine = next((known[id(o)] for o in getattr(peer, "objects", []) if id(o) in known), None)
            if mine is not None:
                lv = mine.level.value
            else:
                lv = level_from_labels(getattr(peer, "labels", {}), ns_labels.get(getattr(peer, "namespace", ""), {}),
                                       cfg)
            if cfg.is_sensitive(lv):
                continue
            offenders.append(f"{peer} ({_shown(lv)}) on {cs}")
        if offenders:
            more = f" and {len(offenders) - 5} more" if len(offenders) > 5 else ""
            yield Issue("SW-ISO-005", c.view.owner,
                        f"{c.ref} (sensitivity {c.level.value}) accepts connections from {len(offenders)} "
                        f"non-sensitive workload(s): {'; '.join(offenders[:5])}{more}",
                        rel(c.view, c.view.meta_ptr()), evidence=str(len(offenders)))
