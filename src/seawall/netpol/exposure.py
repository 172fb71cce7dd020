"""Exposure analysis: what each workload is open to beyond the workloads in the manifests.

A policy rule whose selectors match no workload today still admits any pod created later that
matches them. Following np-guard's ``--exposure`` semantics, every rule peer with selectors becomes a
*representative peer* (a hypothetical pod described by its namespace and pod selectors), and:

- a workload selected by no policy in a direction is exposed to the entire cluster and every
  external address in that direction ("not protected");
- a rule with no peers, or a peer with an empty ``namespaceSelector`` and no/empty ``podSelector``,
  exposes the selected workloads to the entire cluster on the rule's ports;
- a representative peer whose selectors a real workload matches exactly (plain ``matchLabels``
  only) is dropped: the real connection is already in the connectivity list;
- a representative connection already covered by the entire-cluster exposure is not repeated.

A representative peer matches a rule only when the rule's selector is empty or has exactly the
same requirements ("full match"): exposure is about what a rule *could* admit, not about label
overlap between different selectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from seawall.netpol.admin import AdminLayers, AdminPeer, AdminPolicy
from seawall.netpol.analysis import Connectivity
from seawall.netpol.model import NS_NAME_LABEL, Workload
from seawall.netpol.policy import Policy, Rule, RulePeer
from seawall.netpol.ports import ALL, NONE, ConnectionSet
from seawall.netpol.selectors import Selector

ENTIRE_CLUSTER = "entire-cluster"


@lru_cache(maxsize=4096)
def _req_strings(sel: Selector | None) -> tuple[str, ...]:
    """Kubernetes' canonical requirement strings, sorted by key (``In`` with one value is ``k=v``)."""
    if sel is None:
        return ()
    items: list[tuple[str, str]] = [(k, f"{k}={v}") for k, v in sel.match_labels]
    for r in sel.expressions:
        vals = sorted(set(r.values))
        if r.operator == "In":
            s = f"{r.key}={vals[0]}" if len(vals) == 1 else f"{r.key} in ({','.join(vals)})"
        elif r.operator == "NotIn":
            s = f"{r.key} notin ({','.join(vals)})"
        elif r.operator == "Exists":
            s = r.key
        else:
            s = f"!{r.key}"
        items.append((r.key, s))
    return tuple(s for _, s in sorted(items))


def full_match(rule_sel: Selector, rep_sel: Selector | None) -> bool:
    if rule_sel.error:
        return False
    if rule_sel.empty:
        return True
    return _req_strings(rule_sel) == _req_strings(rep_sel)


def go_selector_string(sel: Selector) -> str:
    """How np-guard prints a label selector: ``k=v,...`` then ``{Key:..,Operator:..,Values:[..],}``."""
    parts: list[str] = []
    if sel.match_labels:
        parts.append(",".join(f"{k}={v}" for k, v in sel.match_labels))
    if sel.expressions:
        parts.append(",".join(sorted(r.go_string() for r in sel.expressions)))
    return ",".join(parts)


@dataclass(frozen=True, slots=True)
class RepresentativePeer:
    """A hypothetical pod: pods matching ``pod_selector`` in namespaces matching ``ns_selector``."""

    ns_selector: Selector  # a nil rule namespaceSelector becomes {kubernetes.io/metadata.name: <policy ns>}
    pod_selector: Selector | None
    namespace: str  # the policy's namespace when the rule had no namespaceSelector, else ""

    def ns_label(self, text: bool) -> str:
        ml = self.ns_selector.match_labels
        if len(ml) == 1 and ml[0][0] == NS_NAME_LABEL and not self.ns_selector.expressions:
            return ml[0][1]
        if self.ns_selector.empty:
            res = "all namespaces"
        else:
            res = f"namespace with {{{go_selector_string(self.ns_selector)}}}"
        return f"[{res}]" if text else res

    def pod_label(self, text: bool) -> str:
        if self.pod_selector is None or self.pod_selector.empty:
            res = "all pods"
        else:
            res = f"pod with {{{go_selector_string(self.pod_selector)}}}"
        return f"[{res}]" if text else res

    @property
    def key(self) -> str:
        return f"{self.ns_label(True)}/{self.pod_label(True)}"

    @property
    def node_id(self) -> str:
        return f"{self.pod_label(False)}_in_{self.ns_label(False)}"


@dataclass(slots=True)
class ExposureItem:
    peer: RepresentativePeer | None  # None = entire cluster
    conns: ConnectionSet

    @property
    def label(self) -> str:
        return ENTIRE_CLUSTER if self.peer is None else self.peer.key


@dataclass(slots=True)
class ExposedWorkload:
    workload: Workload
    ingress_protected: bool
    egress_protected: bool
    ingress: list[ExposureItem] = field(default_factory=list)
    egress: list[ExposureItem] = field(default_factory=list)


def _rule_selects_rep(rule: Rule, rep: RepresentativePeer) -> bool:
    if rule.all_peers:
        return True
    for pe in rule.peers:
        if pe.error or pe.ip_block is not None:
            continue
        if pe.namespace_selector is None:
            if rule.policy.namespace != rep.namespace:
                continue
        elif not full_match(pe.namespace_selector, rep.ns_selector):
            continue
        if pe.pod_selector is None or full_match(pe.pod_selector, rep.pod_selector):
            return True
    return False


def _is_entire_cluster(pe: RulePeer) -> bool:
    return (
        pe.namespace_selector is not None
        and pe.namespace_selector.empty
        and (pe.pod_selector is None or pe.pod_selector.empty)
    )


def _rule_conns_unresolved(rule: Rule) -> ConnectionSet:
    """Rule ports with named ports kept as names (destination unknown)."""
    if not rule.ports:
        return ConnectionSet.all()
    out = NONE
    for p in rule.ports:
        if isinstance(p.port, str):
            if not p.error:
                out = out | ConnectionSet(named=frozenset({(p.protocol, p.port)}))
        else:
            out = out | p.conns(None)
    return out


def _resolve_names(conns: ConnectionSet, w: Workload) -> ConnectionSet:
    """Replace named ports by the workload's matching container port numbers (np-guard style)."""
    if not conns.named:
        return conns
    keep: set[tuple[str, str]] = set()
    out = ConnectionSet(dict(zip(("SCTP", "TCP", "UDP"), conns.ports, strict=True)))
    for proto, name in conns.named:
        cp = w.named_port(name)
        if cp is None:
            keep.add((proto, name))
        else:
            out = out | ConnectionSet.of(proto, cp.port, cp.port)
    if keep:
        out = out | ConnectionSet(named=frozenset(keep))
    return out


def _admin_entire(pe: AdminPeer) -> bool:
    if pe.namespaces is not None:
        return pe.namespaces.empty
    return pe.pods is not None and pe.pods[0].empty and pe.pods[1].empty


def _admin_peer_matches(pe: AdminPeer, target: RepresentativePeer | None) -> bool:
    """Does an admin rule peer admit the entire cluster (target None) / a representative peer?"""
    if pe.error or pe.networks or pe.nodes:
        return False
    if target is None:
        return _admin_entire(pe)
    if pe.namespaces is not None:
        return full_match(pe.namespaces, target.ns_selector)
    if pe.pods is None:
        return False
    return full_match(pe.pods[0], target.ns_selector) and full_match(pe.pods[1], target.pod_selector)


def _np_rule_matches(rule: Rule, target: RepresentativePeer | None) -> bool:
    if target is not None:
        return _rule_selects_rep(rule, target)
    return rule.all_peers or any(_is_entire_cluster(pe) for pe in rule.peers if not pe.error and pe.ip_block is None)


def _contained(c: ConnectionSet, g: ConnectionSet) -> bool:
    return (c - g).is_empty() and c.named <= g.named


class Exposure:
    """Exposure of every workload of a :class:`Connectivity` (np-guard ``--exposure``)."""

    def __init__(self, conn: Connectivity, focus: ConnectionSet | None = None) -> None:
        self.conn = conn
        self.focus = focus  # only this connection (np-guard --focus-conn)
        self._reps: list[RepresentativePeer] | None = None
        self._cluster_wide: dict[tuple[int, str], ConnectionSet] = {}
        self._all_reps: list[RepresentativePeer] = []
        self._rep_cache: dict[tuple[object, ...], list[ConnectionSet]] = {}
        self._rule_reps: dict[int, list[int]] = {}
        self._generate()

    @property
    def reps(self) -> list[RepresentativePeer]:
        """Representative peers (computed on first use: entire-cluster queries do not need them)."""
        if self._reps is None:
            self._reps = self._refine(self._all_reps)
        return self._reps

    def _generate(self) -> None:
        seen: dict[tuple[tuple[str, ...], tuple[str, ...]], RepresentativePeer] = {}
        for p in self.conn.policies:
            cw = {"ingress": NONE, "egress": NONE}
            for direction in ("ingress", "egress"):
                if not p.affects(direction):
                    continue
                for rule in p.rules(direction):
                    if rule.all_peers:
                        cw[direction] = cw[direction] | _rule_conns_unresolved(rule)
                        continue
                    if any(_is_entire_cluster(pe) for pe in rule.peers if not pe.error and pe.ip_block is None):
                        cw[direction] = cw[direction] | _rule_conns_unresolved(rule)
                        continue
                    for pe in rule.peers:
                        if pe.error or pe.ip_block is not None:
                            continue
                        if pe.namespace_selector is None:
                            ns_sel = Selector(((NS_NAME_LABEL, p.namespace),))
                            rep_ns = p.namespace
                        else:
                            ns_sel = pe.namespace_selector
                            rep_ns = ""
                        key = (_req_strings(ns_sel), _req_strings(pe.pod_selector))
                        if key not in seen:
                            rep = RepresentativePeer(ns_sel, pe.pod_selector, rep_ns)
                            seen[key] = rep
                            self._all_reps.append(rep)
            for direction, c in cw.items():
                self._cluster_wide[(p.index, direction)] = c
        admin = self.conn.admin
        for ap in [*admin.anps, *([admin.banp] if admin.banp else [])]:
            for direction in ("ingress", "egress"):
                for arule in ap.rules(direction):
                    usable = [pe for pe in arule.peers if not (pe.error or pe.networks or pe.nodes)]
                    if any(_admin_entire(pe) for pe in usable):
                        continue
                    for ape in usable:
                        if ape.namespaces is not None:
                            ns_sel, pod_sel = ape.namespaces, None
                        elif ape.pods is not None:
                            ns_sel, pod_sel = ape.pods
                        else:
                            continue
                        key = (_req_strings(ns_sel), _req_strings(pod_sel))
                        if key not in seen:
                            rep = RepresentativePeer(ns_sel, pod_sel, "")
                            seen[key] = rep
                            self._all_reps.append(rep)

    def _refine(self, reps: list[RepresentativePeer]) -> list[RepresentativePeer]:
        """Drop representatives a real workload matches exactly (matchLabels-only selectors)."""
        cl = self.conn.cluster
        keep: list[RepresentativePeer] = []
        for rep in reps:
            ps = rep.pod_selector
            ns = rep.ns_selector
            if (
                ps is None
                or ps.expressions
                or ns.expressions
                or not ns.match_labels
                or not ps.match_labels
            ):
                keep.append(rep)
                continue
            matched = any(
                ps.matches(w.labels) and ns.matches(cl.namespace(w.namespace).labels) for w in self.conn.workloads
            )
            if not matched:
                keep.append(rep)
        return keep

    def cluster_wide(self, w: Workload, direction: str) -> ConnectionSet | None:
        """What ``w`` accepts from (ingress) / may send to (egress) any pod of any namespace;
        None when no policy selects it in that direction (then: everything)."""
        pols = self.conn.ingress_policies(w) if direction == "ingress" else self.conn.egress_policies(w)
        admin = self.conn.admin
        if admin:
            ns = self.conn.cluster.namespace(w.namespace).labels
            anps = [p for p in admin.anps if p.selects(w, ns, direction)]
            banp = admin.banp if admin.banp is not None and admin.banp.selects(w, ns, direction) else None
            if not (pols or anps or banp):
                return None
            return self._layered(w, direction, None, pols, anps, banp)[0]
        if not pols:
            return None
        return self._cluster_conn(w, direction)

    def _cluster_conn(self, w: Workload, direction: str) -> ConnectionSet:
        pols = self.conn.ingress_policies(w) if direction == "ingress" else self.conn.egress_policies(w)
        out = NONE
        for p in pols:
            c = self._cluster_wide[(p.index, direction)]
            out = out | (_resolve_names(c, w) if direction == "ingress" else c)
        return out

    def _rep_conns(self, pols: Sequence[Policy], direction: str, w: Workload) -> list[ConnectionSet]:
        """Per representative peer, what ``w``'s policies allow with it; shared by every workload
        with the same selecting policies (and named ports, for ingress)."""
        key = (tuple(p.index for p in pols), direction, self.conn.port_key(w) if direction == "ingress" else 0)
        hit = self._rep_cache.get(key)
        if hit is not None:
            return hit
        reps = self.reps
        out = [NONE] * len(reps)
        for p in pols:
            for rule in p.rules(direction):
                selected = self._rule_reps.get(id(rule))
                if selected is None:
                    selected = [i for i, rep in enumerate(reps) if _rule_selects_rep(rule, rep)]
                    self._rule_reps[id(rule)] = selected
                if not selected:
                    continue
                c = rule.conns(w) if direction == "ingress" else _rule_conns_unresolved(rule)
                for i in selected:
                    out[i] = out[i] | c
        self._rep_cache[key] = out
        return out

    def _layered(
        self,
        w: Workload,
        direction: str,
        target: RepresentativePeer | None,
        pols: Sequence[Policy],
        anps: list[AdminPolicy],
        banp: AdminPolicy | None,
    ) -> tuple[ConnectionSet, bool]:
        """What ``w`` allows with ``target`` (None: any pod of any namespace), all layers applied,
        and whether an admin policy explicitly denied some of it."""
        np_allowed = NONE
        for p in pols:
            for rule in p.rules(direction):
                if not _np_rule_matches(rule, target):
                    continue
                if direction == "egress":
                    np_allowed = np_allowed | _rule_conns_unresolved(rule)
                elif target is None:
                    np_allowed = np_allowed | _resolve_names(_rule_conns_unresolved(rule), w)
                else:
                    np_allowed = np_allowed | rule.conns(w)
        dst = w if direction == "ingress" else None

        def matches(pe: AdminPeer) -> bool:
            return _admin_peer_matches(pe, target)

        keep = dst is None
        allowed, denied, _ = AdminLayers.decide(anps, direction, matches, dst, keep)
        rest = ALL - allowed - denied
        if pols:
            res, den = allowed | (rest & np_allowed), denied
        elif banp is None:
            res, den = allowed | rest, denied
        else:
            _, b_denied, _ = AdminLayers.decide([banp], direction, matches, dst, keep)
            res, den = allowed | (rest - b_denied), denied | b_denied
        if self.focus is not None:
            return res & self.focus, not (den & self.focus).is_empty()
        return res, not den.is_empty()

    def _admin_workload(self, w: Workload) -> ExposedWorkload | None:
        admin = self.conn.admin
        ns = self.conn.cluster.namespace(w.namespace).labels
        layers = {}
        for d in ("ingress", "egress"):
            pols = self.conn.ingress_policies(w) if d == "ingress" else self.conn.egress_policies(w)
            anps = [p for p in admin.anps if p.selects(w, ns, d)]
            banp = admin.banp if admin.banp is not None and admin.banp.selects(w, ns, d) else None
            layers[d] = (pols, anps, banp)
        ew = ExposedWorkload(w, any(layers["ingress"][:2]) or bool(layers["ingress"][2]),
                             any(layers["egress"][:2]) or bool(layers["egress"][2]))
        listed = False
        for d, protected, items in (("ingress", ew.ingress_protected, ew.ingress),
                                    ("egress", ew.egress_protected, ew.egress)):
            if not protected:
                listed = True
                continue
            pols, anps, banp = layers[d]
            general, _ = self._layered(w, d, None, pols, anps, banp)
            if not general.is_empty():
                items.append(ExposureItem(None, general))
                listed = True
            for rep in self.reps:
                c, admin_denied = self._layered(w, d, rep, pols, anps, banp)
                if c == general:  # the entire-cluster line already says it
                    continue
                if c.is_empty() and (self.focus is not None or not (admin_denied and not general.is_empty())):
                    continue  # an explicit admin deny carved out of the entire cluster is reported
                items.append(ExposureItem(rep, c))
                listed = True
        return ew if listed else None

    def workload(self, w: Workload) -> ExposedWorkload | None:
        """The workload's exposure, or None when it has nothing to report (as np-guard omits it)."""
        if self.conn.admin:
            return self._admin_workload(w)
        ing_pols = self.conn.ingress_policies(w)
        eg_pols = self.conn.egress_policies(w)
        ew = ExposedWorkload(w, bool(ing_pols), bool(eg_pols))
        listed = False
        for direction, pols, items in (("ingress", ing_pols, ew.ingress), ("egress", eg_pols, ew.egress)):
            if not pols:
                listed = True
                continue
            general = self._cluster_conn(w, direction)
            if self.focus is not None:
                general = general & self.focus
            if not general.is_empty():
                items.append(ExposureItem(None, general))
                listed = True
            for rep, c in zip(self.reps, self._rep_conns(pols, direction, w), strict=True):
                if self.focus is not None:
                    c = c & self.focus
                if c.is_empty():
                    continue
                if not general.is_empty() and _contained(c, general):
                    continue
                items.append(ExposureItem(rep, c))
                listed = True
        return ew if listed else None

    def results(self, workloads: Sequence[Workload] | None = None) -> list[ExposedWorkload]:
        out = []
        for w in self.conn.workloads if workloads is None else workloads:
            ew = self.workload(w)
            if ew is not None:
                out.append(ew)
        return out
