"""NetworkPolicy compiled to exactly what Kubernetes enforces.

The rules that matter (and that tools get wrong):

- ``policyTypes`` unset: the policy always affects Ingress, and Egress only if it has egress rules
  (``egress: []`` without policyTypes affects nothing). ``policyTypes: [Egress]`` with no
  ``egress`` rules denies all egress of the selected pods.
- ``spec.podSelector`` ``{}`` (or missing) selects every pod in the policy's namespace.
- A rule with no ``from``/``to`` allows every peer; a rule with no ``ports`` allows every port.
- One peer with ``namespaceSelector`` *and* ``podSelector`` means "pods matching X in namespaces
  matching Y"; two peers mean "X in the policy's namespace, or anything in Y". A peer with only
  ``podSelector`` means the policy's namespace.
- ``ipBlock`` matches only addresses outside the cluster's pods (like np-guard we treat pod
  traffic as never matching an ipBlock); ``except`` holes are removed.
- A named port is resolved on the destination pod's ``containerPorts`` (same name and protocol);
  toward an ipBlock destination a named port matches nothing (Kubernetes semantics: np-guard stops
  with an error there instead).
- ``endPort`` widens a numeric port to a range.

Invalid pieces (a malformed selector, a bad CIDR, a peer with ipBlock and selectors) make that
piece select nothing and produce a warning, never an exception.
"""

from __future__ import annotations

from typing import Any

from seawall.inventory.k8s import K8sObject, as_dict, as_int, as_list, as_str
from seawall.netpol.ipblocks import IPBlock
from seawall.netpol.model import Workload
from seawall.netpol.ports import ALL, NONE, PROTOCOLS, ConnectionSet
from seawall.netpol.selectors import Selector, compile_selector
from seawall.netpol.values import Value

# Plain classes with __slots__ rather than dataclasses: see seawall.netpol.values for why.


class RulePort(Value):
    __slots__ = ("end_port", "error", "port", "protocol")

    def __init__(self, protocol: str, port: int | str | None, end_port: int | None = None, error: str = "") -> None:
        self.protocol = protocol  # upper-case; may be an unsupported protocol (matches nothing)
        self.port = port  # None = all ports of the protocol
        self.end_port = end_port
        self.error = error

    @property
    def named(self) -> bool:
        return isinstance(self.port, str)

    def conns(self, dst: Workload | None) -> ConnectionSet:
        """The connections this port entry allows toward ``dst`` (None = an IP address)."""
        if self.error or self.protocol not in PROTOCOLS:
            return NONE
        if self.port is None:
            return ConnectionSet.of(self.protocol)
        if isinstance(self.port, str):
            if dst is None:
                return NONE  # named ports mean nothing for IP addresses
            cp = dst.named_port(self.port)
            if cp is None or cp.protocol != self.protocol:
                return NONE
            return ConnectionSet.of(self.protocol, cp.port, cp.port)
        return ConnectionSet.of(self.protocol, self.port, self.end_port or self.port)

    def __str__(self) -> str:
        if self.port is None:
            return self.protocol
        if self.end_port:
            return f"{self.protocol} {self.port}-{self.end_port}"
        return f"{self.protocol} {self.port}"


class RulePeer(Value):
    """One entry of ``from``/``to``: selectors (None = field absent) or an ipBlock."""

    __slots__ = ("error", "ip_block", "namespace_selector", "pod_selector")

    def __init__(
        self,
        namespace_selector: Selector | None = None,
        pod_selector: Selector | None = None,
        ip_block: IPBlock | None = None,
        error: str = "",
    ) -> None:
        self.namespace_selector = namespace_selector
        self.pod_selector = pod_selector
        self.ip_block = ip_block
        self.error = error

    def describe(self, policy_ns: str) -> str:
        if self.error:
            return f"<invalid peer: {self.error}>"
        if self.ip_block is not None:
            return f"ipBlock {self.ip_block.text}"
        ns = f"namespaces {{{self.namespace_selector}}}" if self.namespace_selector else f"namespace {policy_ns}"
        pods = f"pods {{{self.pod_selector}}}" if self.pod_selector else "all pods"
        return f"{pods} in {ns}"


class Rule:
    """One ingress/egress rule of a policy (compared by identity)."""

    __slots__ = ("direction", "gid", "index", "peers", "policy", "ports")

    def __init__(
        self,
        policy: Policy,
        direction: str,
        index: int,
        peers: tuple[RulePeer, ...],
        ports: tuple[RulePort, ...],
        gid: int = -1,
    ) -> None:
        self.policy = policy
        self.direction = direction  # "ingress" | "egress"
        self.index = index
        self.peers = peers  # empty: every peer
        self.ports = ports  # empty: every port
        self.gid = gid  # global rule id, set by the analysis

    @property
    def all_peers(self) -> bool:
        return not self.peers

    @property
    def uses_named_ports(self) -> bool:
        return any(p.named for p in self.ports)

    @property
    def pointer(self) -> str:
        return f"/spec/{self.direction}/{self.index}"

    @property
    def name(self) -> str:
        return f"{self.policy.key} {self.direction} rule #{self.index + 1}"

    def conns(self, dst: Workload | None) -> ConnectionSet:
        if not self.ports:
            return ALL
        out = NONE
        for p in self.ports:
            out = out | p.conns(dst)
        return out


class Policy:
    """A compiled NetworkPolicy (compared by identity)."""

    __slots__ = (
        "affects_egress",
        "affects_ingress",
        "egress",
        "index",
        "ingress",
        "name",
        "namespace",
        "obj",
        "pod_selector",
        "warnings",
    )

    def __init__(
        self,
        obj: K8sObject,
        namespace: str,
        name: str,
        pod_selector: Selector,
        affects_ingress: bool,
        affects_egress: bool,
    ) -> None:
        self.obj = obj
        self.namespace = namespace
        self.name = name
        self.pod_selector = pod_selector
        self.affects_ingress = affects_ingress
        self.affects_egress = affects_egress
        self.ingress: list[Rule] = []
        self.egress: list[Rule] = []
        self.warnings: list[str] = []
        self.index = -1

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def rules(self, direction: str) -> list[Rule]:
        return self.ingress if direction == "ingress" else self.egress

    def affects(self, direction: str) -> bool:
        return self.affects_ingress if direction == "ingress" else self.affects_egress


def _port(raw: Any) -> RulePort:
    d = as_dict(raw)
    proto = (as_str(d.get("protocol")) or "TCP").upper()
    port_raw = d.get("port")
    end = as_int(d.get("endPort"))
    if port_raw is None:
        return RulePort(proto, None)
    if isinstance(port_raw, bool):
        return RulePort(proto, None, error="port is not a number or name")
    if isinstance(port_raw, int):
        if not 1 <= port_raw <= 65535:
            return RulePort(proto, port_raw, error=f"port {port_raw} out of range")
        if end is not None and end < port_raw:
            return RulePort(proto, port_raw, end, error=f"endPort {end} < port {port_raw}")
        return RulePort(proto, port_raw, end)
    if isinstance(port_raw, str) and port_raw:
        if end is not None:
            return RulePort(proto, port_raw, end, error="endPort needs a numeric port")
        return RulePort(proto, port_raw)
    return RulePort(proto, None, error="port is not a number or name")


def _peer(raw: Any) -> RulePeer:
    d = as_dict(raw)
    if not d:
        return RulePeer(error="peer is empty or not a mapping")
    has_ns = "namespaceSelector" in d and d.get("namespaceSelector") is not None
    has_pod = "podSelector" in d and d.get("podSelector") is not None
    ipb = d.get("ipBlock")
    if ipb is not None:
        if has_ns or has_pod:
            return RulePeer(error="ipBlock combined with a selector")
        ipd = as_dict(ipb)
        cidr = as_str(ipd.get("cidr"))
        try:
            block = IPBlock.parse(cidr, [as_str(e) for e in as_list(ipd.get("except"))])
        except ValueError as err:
            return RulePeer(error=f"invalid ipBlock {cidr!r}: {err}")
        return RulePeer(ip_block=block)
    if not has_ns and not has_pod:
        return RulePeer(error="peer has no podSelector, namespaceSelector or ipBlock")
    ns_sel = compile_selector(d.get("namespaceSelector")) if has_ns else None
    pod_sel = compile_selector(d.get("podSelector")) if has_pod else None
    problem = (ns_sel.error if ns_sel else "") or (pod_sel.error if pod_sel else "")
    return RulePeer(ns_sel, pod_sel, error=problem)


def compile_policy(obj: K8sObject) -> Policy:
    spec = obj.spec
    ns = obj.namespace or "default"
    sel = compile_selector(spec.get("podSelector"))  # absent/null: {} (every pod); not a mapping: invalid
    ingress_raw = as_list(spec.get("ingress"))
    egress_raw = as_list(spec.get("egress"))
    types_raw = [as_str(t) for t in as_list(spec.get("policyTypes"))]
    if types_raw:
        aff_in = "Ingress" in types_raw
        aff_eg = "Egress" in types_raw
    else:
        aff_in = True
        aff_eg = bool(egress_raw)
    pol = Policy(obj, ns, obj.name, sel, aff_in, aff_eg)
    if sel.error:
        pol.warnings.append(f"podSelector: {sel.error}")
    for direction, raws, peers_key in (("ingress", ingress_raw, "from"), ("egress", egress_raw, "to")):
        for i, raw in enumerate(raws):
            if raw is not None and not isinstance(raw, dict):
                # the API server rejects it; a rule that cannot exist admits nothing
                pol.warnings.append(f"{direction}[{i}] is not a mapping; ignored")
                pol.rules(direction).append(Rule(pol, direction, i, (RulePeer(error="invalid rule"),), ()))
                continue
            rd = as_dict(raw)
            peers = tuple(_peer(p) for p in as_list(rd.get(peers_key)))
            ports = tuple(_port(p) for p in as_list(rd.get("ports")))
            for p in peers:
                if p.error:
                    pol.warnings.append(f"{direction}[{i}].{peers_key}: {p.error}")
            for pt in ports:
                if pt.error:
                    pol.warnings.append(f"{direction}[{i}].ports: {pt.error}")
            pol.rules(direction).append(Rule(pol, direction, i, peers, ports))
    return pol
