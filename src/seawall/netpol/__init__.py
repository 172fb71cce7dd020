"""Kubernetes NetworkPolicy connectivity analysis (``seawall netpol``).

Public API::

    from seawall.netpol import analyze, load_objects
    objs, skipped = load_objects(["manifests/"])
    conn = analyze(objs)
    conn.allowed(src_peer, dst_peer)     # -> ConnectionSet ("TCP 8080", "All Connections", ...)
    for src, dst, conns in conn.pairs(): ...

Peers are workloads grouped by owner (``ns/name[Deployment]``) and external IP ranges.
"""

from seawall.netpol.analysis import Connectivity, analyze
from seawall.netpol.model import IPPeer, Peer, Workload, load_objects
from seawall.netpol.ports import ConnectionSet

__all__ = ["ConnectionSet", "Connectivity", "IPPeer", "Peer", "Workload", "analyze", "load_objects"]
