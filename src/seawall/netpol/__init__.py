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

The names are imported on first use (PEP 562): ``python -m seawall.netpol`` imports this package
before its ``__main__``, and the command loads the analysis modules itself, after it has paused the
cyclic GC (see :mod:`seawall.cli.netpol`).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: this package is imported before anything else of a run
if TYPE_CHECKING:
    from typing import Any

    from seawall.netpol.analysis import Connectivity, analyze
    from seawall.netpol.model import IPPeer, Peer, Workload, load_objects
    from seawall.netpol.ports import ConnectionSet

__all__ = ["ConnectionSet", "Connectivity", "IPPeer", "Peer", "Workload", "analyze", "load_objects"]

_HOME = {
    "Connectivity": "analysis",
    "analyze": "analysis",
    "IPPeer": "model",
    "Peer": "model",
    "Workload": "model",
    "load_objects": "model",
    "ConnectionSet": "ports",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'seawall.netpol' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"seawall.netpol.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
