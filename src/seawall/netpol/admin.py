"""AdminNetworkPolicy and BaselineAdminNetworkPolicy (``policy.networking.k8s.io/v1alpha1``).

Cluster administrators' policies sit around NetworkPolicies, per direction and per port:

1. AdminNetworkPolicies, lowest ``priority`` value first, rules in order: the first rule whose peer
   matches decides - ``Allow`` and ``Deny`` are final, ``Pass`` hands the traffic down;
2. traffic passed or matched by no admin rule is decided by NetworkPolicies if any selects the pod
   in that direction (their usual allow-list semantics);
3. otherwise by the BaselineAdminNetworkPolicy (``Allow``/``Deny``, first match), and what it does
   not match is allowed.

Admin rules are read as written: unlike NetworkPolicies they isolate nothing implicitly. Peers are
``namespaces`` (a namespace selector), ``pods`` (namespace + pod selectors), and, for egress,
``networks`` (CIDRs) and ``nodes`` (not modelled: matches nothing). Ports are ``portNumber``,
``portRange`` and ``namedPort`` (resolved on the destination pod; nothing toward an address).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from seawall.inventory.k8s import K8sObject, as_dict, as_int, as_list, as_str
from seawall.netpol.ipblocks import IPBlock
from seawall.netpol.model import IPPeer, Peer, Workload
from seawall.netpol.ports import ALL, NONE, ConnectionSet
from seawall.netpol.selectors import Selector, compile_selector

ADMIN_GROUP = "policy.networking.k8s.io"
ACTIONS = ("Allow", "Deny", "Pass")


@dataclass(frozen=True, slots=True)
class AdminPeer:
    namespaces: Selector | None = None
    pods: tuple[Selector, Selector] | None = None  # (namespaceSelector, podSelector)
    networks: tuple[IPBlock, ...] = ()
    nodes: bool = False
    error: str = ""

    def matches(self, peer: Peer, ns_labels: dict[str, str]) -> bool:
        if self.error:
            return False
        if isinstance(peer, IPPeer):
            return any(b.contains(peer.lo, peer.hi) for b in self.networks)
        if self.namespaces is not None:
            return self.namespaces.matches(ns_labels)
        if self.pods is not None:
            return self.pods[0].matches(ns_labels) and self.pods[1].matches(peer.labels)
        return False


@dataclass(frozen=True, slots=True)
class AdminPort:
    protocol: str
    port: int | str | None
    end: int | None = None

    def conns(self, dst: Workload | None, keep_names: bool = False) -> ConnectionSet:
        if isinstance(self.port, str):
            if dst is None:  # an address has no named ports; an unknown pod keeps the name
                return ConnectionSet(named=frozenset({("", self.port)})) if keep_names else NONE
            cp = dst.named_port(self.port)
            return ConnectionSet.of(cp.protocol, cp.port, cp.port) if cp is not None else NONE
        if self.port is None:
            return NONE
        end = self.end if self.end is not None else self.port
        if end < self.port:
            return NONE
        return ConnectionSet.of(self.protocol, self.port, end)


@dataclass(slots=True)
class AdminRule:
    name: str
    action: str
    peers: tuple[AdminPeer, ...]
    ports: tuple[AdminPort, ...] | None  # None: every port

    def conns(self, dst: Workload | None, keep_names: bool = False) -> ConnectionSet:
        if self.ports is None:
            return ALL
        out = NONE
        for p in self.ports:
            out = out | p.conns(dst, keep_names)
        return out


@dataclass(slots=True)
class AdminPolicy:
    obj: K8sObject
    kind: str  # AdminNetworkPolicy | BaselineAdminNetworkPolicy
    name: str
    priority: int
    subject: AdminPeer
    ingress: list[AdminRule] = field(default_factory=list)
    egress: list[AdminRule] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def rules(self, direction: str) -> list[AdminRule]:
        return self.ingress if direction == "ingress" else self.egress

    def selects(self, w: Workload, ns_labels: dict[str, str], direction: str) -> bool:
        return bool(self.rules(direction)) and self.subject.matches(w, ns_labels)


def _selector_pair(raw: Any) -> tuple[Selector, Selector]:
    d = as_dict(raw)
    return compile_selector(d.get("namespaceSelector") or {}), compile_selector(d.get("podSelector") or {})


def _peer(raw: Any, egress: bool) -> AdminPeer:
    d = as_dict(raw)
    fields = [k for k in ("namespaces", "pods", "networks", "nodes") if d.get(k) is not None]
    if len(fields) != 1 or (not egress and fields[0] in ("networks", "nodes")):
        return AdminPeer(error="a peer needs exactly one of namespaces/pods (ingress) or networks/nodes (egress)")
    f = fields[0]
    if f == "namespaces":
        sel = compile_selector(d.get("namespaces"))
        return AdminPeer(namespaces=sel, error=sel.error)
    if f == "pods":
        ns, pod = _selector_pair(d.get("pods"))
        return AdminPeer(pods=(ns, pod), error=ns.error or pod.error)
    if f == "networks":
        blocks = []
        for cidr in as_list(d.get("networks")):
            try:
                blocks.append(IPBlock.parse(as_str(cidr)))
            except ValueError as err:
                return AdminPeer(error=f"invalid network {cidr!r}: {err}")
        return AdminPeer(networks=tuple(blocks))
    return AdminPeer(nodes=True)


def _ports(raw: Any) -> tuple[AdminPort, ...] | None:
    if raw is None:
        return None
    out: list[AdminPort] = []
    for p in as_list(raw):
        d = as_dict(p)
        if d.get("portNumber") is not None:
            pn = as_dict(d.get("portNumber"))
            out.append(AdminPort((as_str(pn.get("protocol")) or "TCP").upper(), as_int(pn.get("port"))))
        elif d.get("namedPort") is not None:
            out.append(AdminPort("", as_str(d.get("namedPort")) or None))
        elif d.get("portRange") is not None:
            pr = as_dict(d.get("portRange"))
            out.append(
                AdminPort((as_str(pr.get("protocol")) or "TCP").upper(), as_int(pr.get("start")), as_int(pr.get("end")))
            )
    return tuple(out)


def compile_admin_policy(obj: K8sObject) -> AdminPolicy:
    spec = obj.spec
    subj = as_dict(spec.get("subject"))
    if subj.get("namespaces") is not None and subj.get("pods") is None:
        sel = compile_selector(subj.get("namespaces"))
        subject = AdminPeer(namespaces=sel, error=sel.error)
    elif subj.get("pods") is not None and subj.get("namespaces") is None:
        ns, pod = _selector_pair(subj.get("pods"))
        subject = AdminPeer(pods=(ns, pod), error=ns.error or pod.error)
    else:
        subject = AdminPeer(error="subject needs exactly one of namespaces or pods")
    priority = as_int(spec.get("priority"))
    pol = AdminPolicy(obj, obj.kind, obj.name, priority if priority is not None else 0, subject)
    if subject.error:
        pol.warnings.append(subject.error)
    for direction, key in (("ingress", "from"), ("egress", "to")):
        for i, raw in enumerate(as_list(spec.get(direction))):
            rd = as_dict(raw)
            action = as_str(rd.get("action"))
            peers = tuple(_peer(p, direction == "egress") for p in as_list(rd.get(key)))
            if action not in ACTIONS or (obj.kind != "AdminNetworkPolicy" and action == "Pass"):
                pol.warnings.append(f"{direction}[{i}]: invalid action {action!r}; rule ignored")
                continue
            for pe in peers:
                if pe.error:
                    pol.warnings.append(f"{direction}[{i}]: {pe.error}")
            name = as_str(rd.get("name")) or f"{direction}[{i}]"
            pol.rules(direction).append(AdminRule(name, action, peers, _ports(rd.get("ports"))))
    return pol


@dataclass(slots=True)
class AdminLayers:
    """The admin policies of one analysis: ANPs sorted by priority, and the BANP."""

    anps: list[AdminPolicy]
    banp: AdminPolicy | None

    def __bool__(self) -> bool:
        return bool(self.anps) or self.banp is not None

    def _all(self) -> list[AdminPolicy]:
        return [*self.anps, *([self.banp] if self.banp is not None else [])]

    def selection(self, w: Workload, ns_labels: dict[str, str], direction: str) -> tuple[int, ...]:
        """Which admin policies select ``w`` in ``direction`` (a behaviour-class key)."""
        return tuple(i for i, p in enumerate(self._all()) if p.selects(w, ns_labels, direction))

    def membership(self, peer: Peer, ns_labels: dict[str, str], direction: str) -> tuple[tuple[int, int], ...]:
        """Which admin rules of ``direction`` have a peer matching ``peer`` (a behaviour-class key)."""
        out = []
        for i, p in enumerate(self._all()):
            for j, r in enumerate(p.rules(direction)):
                if any(pe.matches(peer, ns_labels) for pe in r.peers):
                    out.append((i, j))
        return tuple(out)

    def port_names(self) -> set[str]:
        return {
            pt.port
            for p in self._all()
            for r in (*p.ingress, *p.egress)
            for pt in (r.ports or ())
            if isinstance(pt.port, str)
        }

    def blocks(self) -> list[IPBlock]:
        """CIDRs of egress ``networks`` peers (they split the external address space too)."""
        out: list[IPBlock] = []
        for p in [*self.anps, *([self.banp] if self.banp else [])]:
            for r in p.egress:
                for pe in r.peers:
                    out.extend(pe.networks)
        return out

    @staticmethod
    def _decide(
        policies: list[AdminPolicy],
        direction: str,
        subject: Workload,
        subject_ns: dict[str, str],
        other: Peer,
        other_ns: dict[str, str],
        dst: Workload | None,
    ) -> tuple[ConnectionSet, ConnectionSet, ConnectionSet]:
        """(allowed, denied, passed) by the first matching rule of the policies, in order."""
        selecting = [p for p in policies if p.selects(subject, subject_ns, direction)]
        return AdminLayers.decide(selecting, direction, lambda pe: pe.matches(other, other_ns), dst)

    @staticmethod
    def decide(
        policies: list[AdminPolicy],
        direction: str,
        matches: Callable[[AdminPeer], bool],
        dst: Workload | None,
        keep_names: bool = False,
    ) -> tuple[ConnectionSet, ConnectionSet, ConnectionSet]:
        """(allowed, denied, passed) by the first rule (of ``policies``, in order) with a peer for
        which ``matches`` holds; every port is decided by the first rule that mentions it."""
        allowed = denied = passed = NONE
        decided = NONE
        for p in policies:
            for r in p.rules(direction):
                if not any(matches(pe) for pe in r.peers):
                    continue
                c = r.conns(dst, keep_names) - decided
                if c.is_empty():
                    continue
                decided = decided | c
                if r.action == "Allow":
                    allowed = allowed | c
                elif r.action == "Deny":
                    denied = denied | c
                else:
                    passed = passed | c
        return allowed, denied, passed

    def trace(
        self, direction: str, subject: Workload, subject_ns: dict[str, str], other: Peer, other_ns: dict[str, str]
    ) -> list[tuple[AdminPolicy, AdminRule, ConnectionSet]]:
        """Which admin rules decide which connections (ANPs in order, then the BANP separately)."""
        target = subject if direction == "ingress" else other
        dst = target if isinstance(target, Workload) else None
        out: list[tuple[AdminPolicy, AdminRule, ConnectionSet]] = []
        for group in (self.anps, [self.banp] if self.banp is not None else []):
            decided = NONE
            for p in group:
                if not p.selects(subject, subject_ns, direction):
                    continue
                for r in p.rules(direction):
                    if not any(pe.matches(other, other_ns) for pe in r.peers):
                        continue
                    c = r.conns(dst) - decided
                    if not c.is_empty():
                        decided = decided | c
                        out.append((p, r, c))
        return out

    def combine(
        self,
        direction: str,
        subject: Workload,
        subject_ns: dict[str, str],
        other: Peer,
        other_ns: dict[str, str],
        np_captured: bool,
        np_allowed: ConnectionSet,
    ) -> ConnectionSet:
        """What ``subject`` allows in ``direction`` with ``other``, all three layers applied."""
        target = subject if direction == "ingress" else other
        dst = target if isinstance(target, Workload) else None
        allowed, denied, _passed = self._decide(self.anps, direction, subject, subject_ns, other, other_ns, dst)
        rest = ALL - allowed - denied  # passed, or matched by no admin rule
        if np_captured:
            return allowed | (rest & np_allowed)
        if self.banp is None:
            return allowed | rest
        _b_allowed, b_denied, _ = self._decide([self.banp], direction, subject, subject_ns, other, other_ns, dst)
        return allowed | (rest - b_denied)


def build_layers(objects: list[K8sObject]) -> tuple[AdminLayers, list[str]]:
    anps: list[AdminPolicy] = []
    banp: AdminPolicy | None = None
    warnings: list[str] = []
    for o in objects:
        p = compile_admin_policy(o)
        warnings.extend(f"{o.kind} {o.name}: {w}" for w in p.warnings)
        if o.kind == "AdminNetworkPolicy":
            anps.append(p)
        elif banp is None:
            banp = p
        else:
            warnings.append(f"BaselineAdminNetworkPolicy {o.name}: a cluster has one; ignored")
    anps.sort(key=lambda p: p.priority)
    return AdminLayers(anps, banp), warnings
