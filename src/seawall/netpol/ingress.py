"""Traffic entering through Ingress / OpenShift Route objects, as a ``{ingress-controller}`` peer.

An Ingress (``networking.k8s.io/v1``; ``extensions``/``networking.k8s.io`` ``v1beta1`` backends too)
or a Route sends traffic to a Service in its namespace; the Service's selector picks the workloads
and its ``targetPort`` (a number, or a container port name resolved on the pod) the TCP port. That
traffic comes from the ingress controller's pods, which NetworkPolicies see as ordinary pods of
another namespace: the connection a workload really gets is the backend port intersected with what
its ingress policies admit from such a pod. Following np-guard, the controller is one virtual pod
``ingress-controller`` in namespace ``ingress-controller-ns`` with no labels, so a
``namespaceSelector: {}`` rule admits it and a same-namespace ``podSelector`` rule does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seawall.inventory.k8s import K8sObject, as_dict, as_int, as_list, as_str
from seawall.netpol.model import Workload
from seawall.netpol.ports import NONE, ConnectionSet
from seawall.netpol.selectors import labels_of

PortRef = int | str | None  # a Service port number, a port name, or "any"


@dataclass(slots=True)
class _Service:
    namespace: str
    name: str
    selector: dict[str, str] | None
    ports: list[dict[str, Any]]


def _port_ref(value: Any) -> PortRef:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value or None
    if isinstance(value, str) and value:
        return int(value) if value.isdigit() else value
    return None


def _backends(obj: K8sObject) -> list[tuple[str, PortRef]]:
    """(service name, required port) targets of an Ingress or Route."""
    spec = obj.spec
    out: list[tuple[str, PortRef]] = []
    if obj.kind == "Route":
        port = _port_ref(as_dict(spec.get("port")).get("targetPort"))
        for target in [as_dict(spec.get("to")), *(as_dict(b) for b in as_list(spec.get("alternateBackends")))]:
            kind = as_str(target.get("kind"))
            name = as_str(target.get("name"))
            if name and kind in ("", "Service"):
                out.append((name, port))
        return out

    def backend(b: Any) -> None:
        bd = as_dict(b)
        svc = as_dict(bd.get("service"))
        if svc:  # networking.k8s.io/v1
            pd = as_dict(svc.get("port"))
            ref: PortRef = as_str(pd.get("name")) or (as_int(pd.get("number")) or None)
            if as_str(svc.get("name")):
                out.append((as_str(svc.get("name")), ref))
        elif as_str(bd.get("serviceName")):  # v1beta1
            out.append((as_str(bd.get("serviceName")), _port_ref(bd.get("servicePort"))))

    if spec.get("defaultBackend") is not None:
        backend(spec.get("defaultBackend"))
    elif spec.get("backend") is not None:
        backend(spec.get("backend"))
    for rule in as_list(spec.get("rules")):
        for path in as_list(as_dict(as_dict(rule).get("http")).get("paths")):
            backend(as_dict(path).get("backend"))
    return out


def _access_ports(svc: _Service, required: PortRef) -> list[int | str]:
    """The pod port(s) a backend reaches: targetPort (or port) of the matching Service port(s)."""
    out: list[int | str] = []
    for sp in svc.ports:
        target = _port_ref(sp.get("targetPort"))
        port = as_int(sp.get("port"))
        access: int | str | None = target if target is not None else port
        if access is None:
            continue
        if required is None:
            out.append(access)
        elif (sp.get("name") and sp.get("name") == required) or port == required or target == required:
            return [access]
    return out


def backend_connections(objects: list[K8sObject], workloads: list[Workload]) -> dict[int, ConnectionSet]:
    """Workload index -> TCP ports the Ingress/Route objects direct to it (before policies)."""
    services: dict[tuple[str, str], _Service] = {}
    fronts: list[K8sObject] = []
    for o in objects:
        ns = o.namespace or "default"
        if o.kind == "Service" and not o.api_group:
            sel_raw = o.spec.get("selector")
            selector = labels_of(sel_raw) if isinstance(sel_raw, dict) else None
            ports = [as_dict(p) for p in as_list(o.spec.get("ports"))]
            services[(ns, o.name)] = _Service(ns, o.name, selector, ports)
        elif (o.kind == "Ingress" and o.api_group in ("networking.k8s.io", "extensions")) or (
            o.kind == "Route" and o.api_group == "route.openshift.io"
        ):
            fronts.append(o)
    out: dict[int, ConnectionSet] = {}
    if not fronts or not any(s.selector is not None for s in services.values()):
        return out
    for front in fronts:
        ns = front.namespace or "default"
        for svc_name, required in _backends(front):
            svc = services.get((ns, svc_name))
            if svc is None or svc.selector is None:
                continue
            sel = svc.selector
            for w in workloads:
                if w.namespace != ns or any(w.labels.get(k) != v for k, v in sel.items()):
                    continue
                exposed = {cp.port for cp in w.ports}  # np-guard counts every containerPort here
                conns = NONE
                for access in _access_ports(svc, required):
                    num: int | None
                    if isinstance(access, str):
                        cp = w.named_port(access)
                        num = cp.port if cp is not None and cp.protocol == "TCP" else None
                    else:
                        num = access
                    if num is not None and num in exposed:
                        conns = conns | ConnectionSet.of("TCP", num, num)
                if not conns.is_empty():
                    out[w.index] = out.get(w.index, NONE) | conns
    return out
