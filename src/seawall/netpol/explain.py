"""Why a connection is allowed or denied: the policies and rules on each side, in Kubernetes' terms.

A connection needs the source's egress AND the destination's ingress. For each side the explanation
says either "not restricted" (no NetworkPolicy selects the pod in that direction), or which policies
select it and which of their rules admit the other peer (and on which ports), or that none does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seawall.netpol.analysis import Connectivity
from seawall.netpol.model import IPPeer, Peer, Workload
from seawall.netpol.policy import Rule
from seawall.netpol.ports import ALL, NONE, ConnectionSet


@dataclass(slots=True)
class RuleMatch:
    rule: Rule
    conns: ConnectionSet

    def describe(self) -> str:
        r = self.rule
        peers = (
            "any peer"
            if r.all_peers
            else "; ".join(pe.describe(r.policy.namespace) for pe in r.peers)
        )
        word = "from" if r.direction == "ingress" else "to"
        return f"NetworkPolicy {r.name} ({word} {peers}) allows {self.conns}"


@dataclass(slots=True)
class SideExplanation:
    direction: str  # "egress" (of the source) | "ingress" (of the destination)
    subject: str  # the peer whose policies apply
    restricted: bool
    policies: list[str] = field(default_factory=list)
    matches: list[RuleMatch] = field(default_factory=list)
    allowed: ConnectionSet = ALL
    note: str = ""
    unmatched: list[tuple[Rule, str]] = field(default_factory=list)  # rules not admitting the peer, why
    admin: list[str] = field(default_factory=list)  # (Baseline)AdminNetworkPolicy decisions
    other: str = ""  # the other peer with its labels, for a denied side

    def lines(self) -> list[str]:
        who = f"{self.direction} of {self.subject}"
        if self.note:
            return [f"{who}: {self.note}"]
        if not self.restricted and not self.admin:
            return [f"{who}: not restricted (no NetworkPolicy selects it for {self.direction.capitalize()})"]
        out = [f"{who}: " + (f"selected by {', '.join(self.policies)}" if self.policies else "no NetworkPolicy")]
        out += [f"  {line}" for line in self.admin]
        if not self.policies:
            return out
        for m in self.matches:
            out.append(f"  {m.describe()}")
        if not self.matches:
            out.append(f"  no rule of these policies admits {self.other}: denied")
            for r, why in self.unmatched:
                out.append(f"  {r.name}: {why}")
            if not self.unmatched:
                out.append(f"  (the policies have no {self.direction} rules: all {self.direction} is denied)")
        return out


@dataclass(slots=True)
class Explanation:
    src: Peer
    dst: Peer
    egress: SideExplanation
    ingress: SideExplanation
    allowed: ConnectionSet
    query: ConnectionSet | None = None

    @property
    def verdict(self) -> bool:
        if self.query is not None:
            return (self.query - self.allowed).is_empty()
        return not self.allowed.is_empty()

    def text(self) -> str:
        head = f"{self.src.key} => {self.dst.key}"
        lines = [head, *self.egress.lines(), *self.ingress.lines()]
        if self.query is not None:
            state = "ALLOWED" if self.verdict else "DENIED"
            lines.append(f"{state}: {self.query} (allowed: {self.allowed})")
        else:
            lines.append(f"{'ALLOWED' if self.verdict else 'DENIED'}: {self.allowed}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        def side(s: SideExplanation) -> dict[str, Any]:
            return {
                "direction": s.direction,
                "subject": s.subject,
                "restricted": s.restricted,
                "policies": s.policies,
                "rules": [
                    {
                        "policy": m.rule.policy.key,
                        "rule": f"{m.rule.direction}[{m.rule.index}]",
                        "allows": str(m.conns),
                    }
                    for m in s.matches
                ],
                "admin": s.admin,
                "allowed": str(s.allowed),
                "note": s.note,
            }

        return {
            "src": self.src.key,
            "dst": self.dst.key,
            "allowed": str(self.allowed),
            "query": str(self.query) if self.query is not None else None,
            "verdict": "allowed" if self.verdict else "denied",
            "egress": side(self.egress),
            "ingress": side(self.ingress),
        }


def _side(conn: Connectivity, direction: str, subject: Peer, other: Peer) -> SideExplanation:
    if not isinstance(subject, Workload):
        what = "an external address" if isinstance(subject, IPPeer) else "the (virtual) ingress controller"
        note = f"{what}; no NetworkPolicy applies to it"
        return SideExplanation(direction, subject.key, False, allowed=ALL, note=note)
    pols = conn.ingress_policies(subject) if direction == "ingress" else conn.egress_policies(subject)
    side = SideExplanation(direction, subject.key, bool(pols), [p.key for p in pols])
    if conn.admin:
        ns = conn.cluster.namespace(subject.namespace).labels
        other_ns = conn._ns_labels(other)
        for ap, ar, c in conn.admin.trace(direction, subject, ns, other, other_ns):
            if ap.kind == "BaselineAdminNetworkPolicy" and pols:
                continue  # NetworkPolicies select the pod: the baseline never applies
            layer = "BaselineAdminNetworkPolicy" if ap.kind == "BaselineAdminNetworkPolicy" else (
                f"AdminNetworkPolicy (priority {ap.priority})"
            )
            note = " (for what the AdminNetworkPolicies pass or leave)" if ap.kind != "AdminNetworkPolicy" else ""
            side.admin.append(f"{layer} {ap.name} rule {ar.name!r}: {ar.action} {c}{note}")
        if direction == "egress":
            side.allowed = conn._egress_side(subject, other)
        else:
            side.allowed = conn._ingress_side(other, subject)
    if not pols:
        return side
    member = conn.rules_selecting(direction, other)
    if isinstance(other, Workload):
        ns_labels = conn.cluster.namespace(other.namespace).labels
        side.other = (
            f"{other.key} (labels {_fmt(other.labels)}, namespace labels {_fmt(ns_labels)})"
        )
    else:
        side.other = other.key
    total = NONE
    target = subject if direction == "ingress" else other
    dst: Workload | None = target if isinstance(target, Workload) else None
    for p in pols:
        for r in p.rules(direction):
            if r.all_peers or r.gid in member:
                c = r.conns(dst)
                if not c.is_empty():
                    side.matches.append(RuleMatch(r, c))
                    total = total | c
                else:
                    ports = ", ".join(str(pt) for pt in r.ports)
                    side.unmatched.append((r, f"admits the peer, but its ports ({ports}) do not apply to it"))
            else:
                peers = "; ".join(pe.describe(r.policy.namespace) for pe in r.peers)
                side.unmatched.append((r, f"admits only {peers}"))
    if not conn.admin:
        side.allowed = total
    return side


def _fmt(labels: dict[str, str]) -> str:
    return "{" + ",".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def explain(conn: Connectivity, src: Peer, dst: Peer, query: ConnectionSet | None = None) -> Explanation:
    eg = _side(conn, "egress", src, dst)
    ing = _side(conn, "ingress", dst, src)
    allowed = conn.allowed(src, dst)
    return Explanation(src, dst, eg, ing, allowed, query)
