"""The connectivity matrix: which workloads (and external ranges) may open which connections.

A connection from A to B needs both directions: A's egress (allowed if no policy selects A for
Egress, else the union of what A's egress policies allow toward B) AND B's ingress (same, mirrored).
External ranges have no policies of their own: traffic from an IP is limited only by the
destination's ingress, traffic to an IP only by the source's egress.

Scaling: nothing here loops over pods x pods x rules. Each rule's peers are resolved once to a set
of workload ids through label indexes. A workload's ingress behaviour as a *source* depends only
on the set of rules that select it, and as a *destination* only on the policies that select it
(plus its named ports when policies use named ports); workloads are grouped into these classes and
the matrix is computed per class pair, so 2,000 pods in 50 shapes cost 50x50 evaluations.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from seawall.inventory.k8s import K8sObject
from seawall.netpol.ipblocks import IPBlock, atoms
from seawall.netpol.model import INGRESS_CONTROLLER, Cluster, IngressController, IPPeer, Peer, Workload, build_cluster
from seawall.netpol.policy import Policy, Rule, RulePeer, compile_policy
from seawall.netpol.ports import ALL, NONE, ConnectionSet
from seawall.netpol.selectors import LabelIndex, Selector

if TYPE_CHECKING:
    from seawall.netpol.admin import AdminLayers

_EMPTY: frozenset[int] = frozenset()


class _Side:
    """Per-direction precomputation."""

    __slots__ = ("member", "rules", "selecting")

    def __init__(self) -> None:
        self.rules: list[Rule] = []  # global list, rule.gid = position
        self.selecting: list[tuple[int, ...]] = []  # per workload: policy ids
        self.member: list[tuple[int, ...]] = []  # per workload: rule gids selecting it


class Connectivity:
    """Allowed connections between every pair of peers of one set of manifests."""

    def __init__(self, cluster: Cluster, policies: list[Policy]) -> None:
        self.cluster = cluster
        self.policies = policies
        self.workloads: list[Workload] = cluster.workloads
        self.warnings: list[str] = list(cluster.warnings)
        for p in policies:
            self.warnings.extend(f"NetworkPolicy {p.key}: {w}" for w in p.warnings)
        self._ingress = _Side()
        self._egress = _Side()
        self._named = any(r.uses_named_ports for p in policies for r in (*p.ingress, *p.egress))
        self._port_key: list[int] = []
        self._cache_in: dict[tuple[object, ...], ConnectionSet] = {}
        self._cache_eg: dict[tuple[object, ...], ConnectionSet] = {}
        self._ip_cache: dict[tuple[int, int, int], tuple[int, ...]] = {}
        self._ip_indexes: dict[int, list[tuple[int, list[int], list[int]]]] = {}
        self._by_object: dict[int, Workload] | None = None
        self._ingress_conns: list[tuple[Workload, ConnectionSet]] | None = None
        # AdminNetworkPolicy layers; None when the input has no admin policies (the common case,
        # where the admin module is never imported: see the ``admin`` property)
        self._admin: AdminLayers | None = None
        if cluster.admin:
            from seawall.netpol.admin import build_layers

            self._admin, admin_warnings = build_layers(cluster.admin)
            self.warnings.extend(admin_warnings)
        self._prepare()

    @property
    def admin(self) -> AdminLayers:
        """The (Baseline)AdminNetworkPolicy layers (empty, and false, when there are none)."""
        if self._admin is None:
            from seawall.netpol.admin import AdminLayers

            self._admin = AdminLayers([], None)
        return self._admin

    # -- precomputation -----------------------------------------------------------------------
    def _prepare(self) -> None:
        ws = self.workloads
        self._index = LabelIndex.build([w.labels for w in ws])
        self._ns_members: dict[str, set[int]] = {}
        for w in ws:
            self._ns_members.setdefault(w.namespace, set()).add(w.index)
        ns_names = sorted(self.cluster.namespaces)
        self._ns_names = ns_names
        self._ns_index = LabelIndex.build([self.cluster.namespaces[n].labels for n in ns_names])
        # which workloads each policy selects, per direction
        self.selected: list[frozenset[int]] = []
        for p in self.policies:
            sel = self._index.select(p.pod_selector) & frozenset(self._ns_members.get(p.namespace, ()))
            self.selected.append(sel)
        n = len(ws)
        for side, direction in ((self._ingress, "ingress"), (self._egress, "egress")):
            selecting: list[list[int]] = [[] for _ in range(n)]
            member: list[list[int]] = [[] for _ in range(n)]
            for p in self.policies:
                if p.affects(direction):
                    for wi in self.selected[p.index]:
                        selecting[wi].append(p.index)
                for r in p.rules(direction):
                    r.gid = len(side.rules)
                    side.rules.append(r)
                    if r.all_peers:
                        continue
                    for wi in self.rule_workloads(r):
                        member[wi].append(r.gid)
            side.selecting = [tuple(s) for s in selecting]
            side.member = [tuple(m) for m in member]
        # named-port signature of destinations: only ports whose names some policy uses
        names = {
            pt.port
            for p in self.policies
            for r in (*p.ingress, *p.egress)
            for pt in r.ports
            if isinstance(pt.port, str)
        }
        if self._admin:
            names |= self._admin.port_names()
        self._named = self._named or bool(names)
        sigs: dict[tuple[object, ...], int] = {}
        for w in ws:
            sig = tuple(sorted((cp.name, cp.port, cp.protocol) for cp in w.ports if cp.name in names))
            self._port_key.append(sigs.setdefault(sig, len(sigs)))
        # external ranges
        src_blocks = [pe.ip_block for r in self._ingress.rules for pe in r.peers if pe.ip_block]
        dst_blocks = [pe.ip_block for r in self._egress.rules for pe in r.peers if pe.ip_block]
        if self._admin:
            dst_blocks += self._admin.blocks()
        self.src_ips = [IPPeer(lo, hi) for lo, hi in atoms(src_blocks)]
        self.dst_ips = [IPPeer(lo, hi) for lo, hi in atoms(dst_blocks)]

    def peer_namespaces(self, peer: RulePeer, policy_ns: str) -> frozenset[str]:
        if peer.namespace_selector is None:
            return frozenset({policy_ns})
        return frozenset(self._ns_names[i] for i in self._ns_index.select(peer.namespace_selector))

    def peer_workloads(self, peer: RulePeer, policy_ns: str) -> frozenset[int]:
        if peer.error or peer.ip_block is not None:
            return _EMPTY
        in_ns: set[int] = set()
        for ns in self.peer_namespaces(peer, policy_ns):
            in_ns |= self._ns_members.get(ns, set())
        if peer.pod_selector is None:
            return frozenset(in_ns)
        return self._index.select(peer.pod_selector) & in_ns

    def rule_workloads(self, rule: Rule) -> frozenset[int]:
        if rule.all_peers:
            return self._index.everyone
        out: set[int] = set()
        for pe in rule.peers:
            out |= self.peer_workloads(pe, rule.policy.namespace)
        return frozenset(out)

    def select_workloads(self, selector: Selector, namespace: str | None = None) -> list[Workload]:
        ids = self._index.select(selector)
        if namespace is not None:
            ids = ids & frozenset(self._ns_members.get(namespace, ()))
        return [self.workloads[i] for i in sorted(ids)]

    # -- evaluation ---------------------------------------------------------------------------
    def _ip_index(self, side: _Side) -> list[tuple[int, list[int], list[int]]]:
        """Per rule with ipBlocks: its address intervals merged and sorted (for bisect lookups)."""
        idx = self._ip_indexes.get(id(side))
        if idx is None:
            idx = []
            for r in side.rules:
                blocks = [pe.ip_block for pe in r.peers if pe.ip_block is not None and not pe.error]
                ivs = sorted(iv for b in blocks for iv in b.intervals)
                merged: list[list[int]] = []
                for lo, hi in ivs:
                    if merged and lo <= merged[-1][1] + 1:
                        merged[-1][1] = max(merged[-1][1], hi)
                    else:
                        merged.append([lo, hi])
                if merged:
                    idx.append((r.gid, [m[0] for m in merged], [m[1] for m in merged]))
            self._ip_indexes[id(side)] = idx
        return idx

    def _ip_member(self, side: _Side, ip: IPPeer) -> tuple[int, ...]:
        out = []
        for gid, starts, ends in self._ip_index(side):
            i = bisect_right(starts, ip.lo) - 1
            if i >= 0 and ends[i] >= ip.hi:
                out.append(gid)
        return tuple(out)

    def _virtual_member(self, side: _Side, pod: IngressController) -> tuple[int, ...]:
        out = []
        for r in side.rules:
            for pe in r.peers:
                if pe.error or pe.ip_block is not None:
                    continue
                if pe.namespace_selector is None:
                    if r.policy.namespace != pod.namespace:
                        continue
                elif not pe.namespace_selector.matches(pod.ns_labels):
                    continue
                if pe.pod_selector is None or pe.pod_selector.matches(pod.labels):
                    out.append(r.gid)
                    break
        return tuple(out)

    def _member(self, side: _Side, peer: Peer) -> tuple[int, ...]:
        if isinstance(peer, IngressController):
            return self._virtual_member(side, peer)
        if isinstance(peer, IPPeer):
            ck = (id(side), peer.lo, peer.hi)
            hit = self._ip_cache.get(ck)
            if hit is None:
                hit = self._ip_member(side, peer)
                self._ip_cache[ck] = hit
            return hit
        return side.member[peer.index]

    def rules_selecting(self, direction: str, peer: Peer) -> frozenset[int]:
        """Global ids of the ``direction`` rules whose peers (selectors or ipBlocks) match ``peer``."""
        return frozenset(self._member(self._ingress if direction == "ingress" else self._egress, peer))

    def _admin_src_key(self, p: Peer) -> tuple[object, ...]:
        admin = self._admin
        if not admin:
            return ()
        ns = self._ns_labels(p)
        sel = admin.selection(p, ns, "egress") if isinstance(p, Workload) else ()
        return (sel, admin.membership(p, ns, "ingress"))

    def _admin_dst_key(self, p: Peer) -> tuple[object, ...]:
        admin = self._admin
        if not admin:
            return ()
        ns = self._ns_labels(p)
        sel = admin.selection(p, ns, "ingress") if isinstance(p, Workload) else ()
        return (sel, admin.membership(p, ns, "egress"))

    def _src_class(self, p: Peer) -> tuple[object, ...]:
        """Everything ``allowed(p, *)`` depends on: peers with equal keys behave identically."""
        if isinstance(p, IPPeer):
            return ("ip", self._member(self._ingress, p), *self._admin_src_key(p))
        return ("w", self._ingress.member[p.index], self._egress.selecting[p.index], *self._admin_src_key(p))

    def _dst_class(self, p: Peer) -> tuple[object, ...]:
        if isinstance(p, IPPeer):
            return ("ip", self._member(self._egress, p), *self._admin_dst_key(p))
        return (
            "w",
            self._ingress.selecting[p.index],
            self._egress.member[p.index],
            self.port_key(p),
            *self._admin_dst_key(p),
        )

    def port_key(self, dst: Peer) -> int:
        if not isinstance(dst, Workload):
            return -1
        return self._port_key[dst.index] if self._named else 0

    def ingress_allowed(self, src: Peer, dst: Workload) -> ConnectionSet:
        """What ``dst``'s ingress policies let in from ``src`` (ALL when none selects ``dst``)."""
        pols = self._ingress.selecting[dst.index]
        if not pols:
            return ALL
        member = self._member(self._ingress, src)
        key = (member, pols, self.port_key(dst))
        hit = self._cache_in.get(key)
        if hit is None:
            hit = self._union(pols, "ingress", frozenset(member), dst)
            self._cache_in[key] = hit
        return hit

    def egress_allowed(self, src: Workload, dst: Peer) -> ConnectionSet:
        """What ``src``'s egress policies let out toward ``dst`` (ALL when none selects ``src``)."""
        pols = self._egress.selecting[src.index]
        if not pols:
            return ALL
        member = self._member(self._egress, dst)
        key = (member, pols, self.port_key(dst))
        hit = self._cache_eg.get(key)
        if hit is None:
            hit = self._union(pols, "egress", frozenset(member), dst if isinstance(dst, Workload) else None)
            self._cache_eg[key] = hit
        return hit

    def _union(
        self, pols: Iterable[int], direction: str, member: frozenset[int], dst: Workload | None
    ) -> ConnectionSet:
        out = NONE
        for pi in pols:
            for r in self.policies[pi].rules(direction):
                if r.all_peers or r.gid in member:
                    out = out | r.conns(dst)
                    if out is ALL:
                        return ALL
        return out

    def allowed(self, src: Peer, dst: Peer) -> ConnectionSet:
        """Connections ``src`` may open to ``dst`` (both directions' policies applied)."""
        if isinstance(dst, IngressController):
            return NONE  # nothing connects to the virtual controller pod
        if not isinstance(src, Workload):  # an external range or the ingress controller: no policy of its own
            if isinstance(dst, IPPeer):
                return NONE  # traffic between external addresses is not the cluster's business
            return self._ingress_side(src, dst)
        if isinstance(dst, IPPeer):
            return self._egress_side(src, dst)
        eg = self._egress_side(src, dst)
        if eg.is_empty():
            return NONE
        return eg & self._ingress_side(src, dst)

    def _ns_labels(self, p: Peer) -> dict[str, str]:
        if isinstance(p, IngressController):
            return p.ns_labels
        if isinstance(p, IPPeer):
            return {}
        return self.cluster.namespace(p.namespace).labels

    def _egress_side(self, src: Workload, dst: Peer) -> ConnectionSet:
        np_allowed = self.egress_allowed(src, dst)
        admin = self._admin
        if not admin:
            return np_allowed
        captured = bool(self._egress.selecting[src.index])
        return admin.combine(
            "egress", src, self._ns_labels(src), dst, self._ns_labels(dst), captured, np_allowed
        )

    def _ingress_side(self, src: Peer, dst: Workload) -> ConnectionSet:
        np_allowed = self.ingress_allowed(src, dst)
        admin = self._admin
        if not admin:
            return np_allowed
        captured = bool(self._ingress.selecting[dst.index])
        return admin.combine(
            "ingress", dst, self._ns_labels(dst), src, self._ns_labels(src), captured, np_allowed
        )

    # -- queries ------------------------------------------------------------------------------
    def ingress_policies(self, w: Workload) -> list[Policy]:
        return [self.policies[i] for i in self._ingress.selecting[w.index]]

    def egress_policies(self, w: Workload) -> list[Policy]:
        return [self.policies[i] for i in self._egress.selecting[w.index]]

    def policy_selected(self, p: Policy) -> list[Workload]:
        return [self.workloads[i] for i in sorted(self.selected[p.index])]

    def sources(self) -> list[Peer]:
        return [*self.src_ips, *self.workloads]

    def destinations(self) -> list[Peer]:
        return [*self.dst_ips, *self.workloads]

    def peers(self) -> list[Peer]:
        seen: dict[str, Peer] = {}
        everything: list[Peer] = [*self.src_ips, *self.dst_ips, *self.workloads]
        for p in everything:
            seen.setdefault(p.key, p)
        return list(seen.values())

    def find(self, text: str) -> Peer | None:
        """A peer by ``ns/name[Kind]``, ``ns/name``, ``name`` or an IP address / range."""
        hits = self.cluster.find(text)
        if hits:
            return hits[0]
        if text in (INGRESS_CONTROLLER.key, INGRESS_CONTROLLER.name):
            return INGRESS_CONTROLLER
        from seawall.netpol.ipblocks import _net_interval

        raw = text.removesuffix("[External]")
        try:
            if "-" in raw and "/" not in raw:
                a, b = raw.split("-", 1)
                lo, hi = _net_interval(a)[0], _net_interval(b)[1]
            else:
                lo, hi = _net_interval(raw)
        except ValueError:
            return None
        return IPPeer(lo, hi)

    def ingress_connections(self) -> list[tuple[Workload, ConnectionSet]]:
        """What Ingress/Route objects deliver to each workload, after its ingress policies (sorted)."""
        if self._ingress_conns is None:
            out: list[tuple[Workload, ConnectionSet]] = []
            # fronts are Services, Ingresses and Routes: without an Ingress or Route nothing enters
            if any(o.kind != "Service" for o in self.cluster.fronts):
                from seawall.netpol.ingress import backend_connections

                backends = backend_connections(self.cluster.fronts, self.workloads)
            else:
                backends = {}
            for wi, backend in backends.items():
                w = self.workloads[wi]
                c = backend & self._ingress_side(INGRESS_CONTROLLER, w)
                if c.is_empty():
                    self.warnings.append(f"Ingress/Route traffic to {w.key} is blocked by its NetworkPolicies")
                else:
                    out.append((w, c))
            self._ingress_conns = sorted(out, key=lambda x: x[0].key)
        return self._ingress_conns

    def pairs(self, include_empty: bool = False) -> Iterator[tuple[Peer, Peer, ConnectionSet]]:
        """Every (src, dst, conns) with src != dst, not IP-to-IP; sorted like np-guard's connlist.

        Connections from ``{ingress-controller}`` (Ingress/Route traffic) come last, as its name sorts
        after every workload and address."""
        srcs = sorted(self.sources(), key=lambda p: p.key)
        dsts = sorted(self.destinations(), key=lambda p: p.key)
        # Group peers into behaviour classes: the matrix is evaluated once per class pair, and the
        # non-empty destinations of a source class are listed once, so the loop below costs one
        # step per reported pair, not per (source, destination).
        sc_ids: dict[tuple[object, ...], int] = {}
        dc_ids: dict[tuple[object, ...], int] = {}
        s_cls = [sc_ids.setdefault(self._src_class(s), len(sc_ids)) for s in srcs]
        d_cls = [dc_ids.setdefault(self._dst_class(d), len(dc_ids)) for d in dsts]
        rep_dst: dict[int, Peer] = {}
        for d, dc in zip(dsts, d_cls, strict=True):
            rep_dst.setdefault(dc, d)
        lists: dict[int, list[tuple[Peer, ConnectionSet]]] = {}
        for s, sc in zip(srcs, s_cls, strict=True):
            lst = lists.get(sc)
            if lst is None:
                row = {dc: self.allowed(s, d) for dc, d in rep_dst.items() if not (s.is_ip and d.is_ip)}
                lst = [
                    (d, c)
                    for d, dc in zip(dsts, d_cls, strict=True)
                    if (c := row.get(dc)) is not None and (include_empty or not c.is_empty())
                ]
                lists[sc] = lst
            for d, c in lst:
                if d is not s:
                    yield s, d, c
        for w, c in self.ingress_connections():
            yield INGRESS_CONTROLLER, w, c

    def workload_for(self, obj: K8sObject) -> Workload | None:
        """The peer a workload manifest (Deployment, Pod, ...) belongs to, for joining findings."""
        if self._by_object is None:
            self._by_object = {id(o): w for w in self.workloads for o in w.objects}
        hit = self._by_object.get(id(obj))
        if hit is not None:
            return hit
        ns = obj.namespace or "default"
        for w in self.workloads:
            if w.namespace == ns and any(
                o.kind == obj.kind and o.name == obj.name and (o.namespace or "default") == ns for o in w.objects
            ):
                return w
        return None

    def reachable_from(self, dst: Workload) -> list[tuple[Peer, ConnectionSet]]:
        """Every peer (workloads and external ranges) that may open a connection to ``dst``."""
        out = []
        for s in self.sources():
            if s.key == dst.key:
                continue
            c = self.allowed(s, dst)
            if not c.is_empty():
                out.append((s, c))
        return out


def analyze(objects: Sequence[K8sObject]) -> Connectivity:
    """Build the connectivity of a set of Kubernetes objects (workloads, Namespaces, NetworkPolicies).

    This is the library entry point used by ``seawall netpol``, the ``netpol`` analyzer and the
    isolation analyzer: ``analyze(objs).allowed(src, dst)`` returns a :class:`ConnectionSet`.
    """
    cluster = build_cluster(objects)
    policies: list[Policy] = []
    seen: set[str] = set()
    for obj in cluster.policies:
        p = compile_policy(obj)
        if p.key in seen:
            cluster.warnings.append(f"{obj.path}: NetworkPolicy {p.key} is defined twice; the first one is used")
            continue
        seen.add(p.key)
        p.index = len(policies)
        policies.append(p)
        cluster.namespace(p.namespace)
    return Connectivity(cluster, policies)


__all__ = ["Connectivity", "IPBlock", "analyze"]
