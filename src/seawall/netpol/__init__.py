"""Kubernetes NetworkPolicy connectivity analysis (``seawall netpol``).

Public API::

    from seawall.netpol import analyze, load_objects
    objs, skipped = load_objects(["manifests/"])
    conn = analyze(objs)
    conn.allowed(src_peer, dst_peer)     # -> ConnectionSet ("TCP 8080", "All Connections", ...)
    for src, dst, conns in conn.pairs(): ...

Peers are workloads grouped by owner (``ns/name[Deployment]``), external IP ranges and, when
Ingress/Route objects are present, ``{ingress-controller}``. NetworkPolicy semantics are exact
(:mod:`seawall.netpol.policy`); AdminNetworkPolicy/BaselineAdminNetworkPolicy layers
(:mod:`seawall.netpol.admin`) and np-guard's exposure analysis (:mod:`seawall.netpol.exposure`)
are supported; OVN multi-network objects (UserDefinedNetwork, NetworkAttachmentDefinition) are not.
"""

from seawall.netpol.analysis import Connectivity, analyze
from seawall.netpol.model import IPPeer, Peer, Workload, load_objects
from seawall.netpol.ports import ConnectionSet

__all__ = ["ConnectionSet", "Connectivity", "IPPeer", "Peer", "Workload", "analyze", "load_objects"]
