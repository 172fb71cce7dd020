"""The cluster as network analysis sees it: namespaces, workloads (pods grouped by owner), IP ranges.

Peers are workloads, the way np-guard groups them: a Deployment/StatefulSet/DaemonSet/ReplicaSet/
ReplicationController/Job/CronJob manifest is one peer ``ns/name[Kind]``; a Pod is grouped under
its controlling owner reference (``ns/rs-name[ReplicaSet]``) or stands alone as ``ns/name[Pod]``.
External addresses are :class:`IPPeer` ranges ``a.b.c.d-e.f.g.h[External]``.

Loading never fails on a bad document: unparsable files and objects that are not relevant are
skipped and listed in ``Cluster.warnings`` (np-guard does the same), so one broken file in a
directory does not hide the connectivity of the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from seawall.errors import SeawallError
from seawall.inventory.k8s import K8sObject, as_dict, as_int, as_list, as_str, dig
from seawall.netpol.ipblocks import format_range
from seawall.netpol.selectors import labels_of
from seawall.netpol.values import Value

NS_NAME_LABEL = "kubernetes.io/metadata.name"

#: Kinds that create pods, with where their pod template lives.
_TEMPLATE: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
WORKLOAD_KINDS = frozenset(_TEMPLATE) | {"Pod"}


# Plain classes with __slots__ rather than dataclasses: see seawall.netpol.values for why.


class ContainerPort(Value):
    __slots__ = ("name", "port", "protocol")

    def __init__(self, name: str, port: int, protocol: str) -> None:
        self.name = name
        self.port = port
        self.protocol = protocol  # TCP when unset


class Workload:
    """A group of pods with one owner; analysed through its (first) pod's labels and ports.
    Compared by identity."""

    __slots__ = ("index", "key", "kind", "labels", "name", "namespace", "objects", "pods", "ports")

    is_ip = False
    is_virtual = False

    def __init__(
        self,
        kind: str,
        name: str,
        namespace: str,
        labels: dict[str, str],
        ports: tuple[ContainerPort, ...],
        objects: list[K8sObject] | None = None,
        pods: int = 1,
        index: int = -1,
    ) -> None:
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.ports = ports
        self.objects: list[K8sObject] = [] if objects is None else objects
        self.pods = pods
        self.index = index
        self.key = f"{namespace}/{name}[{kind}]"  # np-guard's peer string

    def __str__(self) -> str:
        return self.key

    def __repr__(self) -> str:
        return f"Workload({self.key})"

    def named_port(self, name: str) -> ContainerPort | None:
        for p in self.ports:
            if p.name == name:
                return p
        return None


class IPPeer:
    """An external address range (inclusive) that every ipBlock either contains or misses.
    Equal (and hashed) by its range."""

    __slots__ = ("hi", "key", "lo", "name")

    is_ip = True
    is_virtual = False
    namespace = ""
    kind = "External"

    def __init__(self, lo: int, hi: int) -> None:
        self.lo = lo
        self.hi = hi
        self.name = format_range(lo, hi)  # a.b.c.d-e.f.g.h
        self.key = f"{self.name}[External]"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IPPeer):
            return NotImplemented
        return self.lo == other.lo and self.hi == other.hi

    def __hash__(self) -> int:
        return hash((self.lo, self.hi))

    def __repr__(self) -> str:
        return f"IPPeer(lo={self.lo!r}, hi={self.hi!r})"

    def __str__(self) -> str:
        return self.key


CONTROLLER_NAME = "ingress-controller"
CONTROLLER_NAMESPACE = "ingress-controller-ns"


class IngressController:
    """The virtual source of Ingress/Route traffic (np-guard's ``{ingress-controller}``): one pod
    without labels in namespace ``ingress-controller-ns`` (see :mod:`seawall.netpol.ingress`)."""

    __slots__ = ("index", "key", "kind", "labels", "name", "namespace", "ns_labels")

    is_ip = False
    is_virtual = True

    def __init__(self) -> None:
        self.name = CONTROLLER_NAME
        self.namespace = CONTROLLER_NAMESPACE
        self.labels: dict[str, str] = {}
        self.ns_labels = {NS_NAME_LABEL: CONTROLLER_NAMESPACE}
        self.key = "{" + CONTROLLER_NAME + "}"
        self.kind = ""
        self.index = -1

    def __str__(self) -> str:
        return self.key


INGRESS_CONTROLLER = IngressController()

Peer = Workload | IPPeer | IngressController


class Namespace:
    __slots__ = ("labels", "name", "obj")

    def __init__(self, name: str, labels: dict[str, str], obj: K8sObject | None = None) -> None:
        self.name = name
        self.labels = labels
        self.obj = obj


class Cluster:
    __slots__ = ("admin", "fronts", "namespaces", "policies", "warnings", "workloads")

    def __init__(self) -> None:
        self.namespaces: dict[str, Namespace] = {}
        self.workloads: list[Workload] = []
        self.policies: list[K8sObject] = []
        self.fronts: list[K8sObject] = []  # Services, Ingresses, Routes
        self.admin: list[K8sObject] = []  # (Baseline)AdminNetworkPolicies
        self.warnings: list[str] = []

    def namespace(self, name: str) -> Namespace:
        ns = self.namespaces.get(name)
        if ns is None:
            ns = Namespace(name, {NS_NAME_LABEL: name})
            self.namespaces[name] = ns
        return ns

    def find(self, text: str) -> list[Workload]:
        """Workloads named ``name``, ``ns/name`` or ``ns/name[Kind]``."""
        out = []
        for w in self.workloads:
            if text in (w.key, w.name, f"{w.namespace}/{w.name}"):
                out.append(w)
        return out


def _ports(pod_spec: Any) -> tuple[ContainerPort, ...]:
    out: list[ContainerPort] = []
    for c in as_list(as_dict(pod_spec).get("containers")):
        for p in as_list(as_dict(c).get("ports")):
            pd = as_dict(p)
            num = as_int(pd.get("containerPort"))
            if num is None:
                continue
            out.append(ContainerPort(as_str(pd.get("name")), num, (as_str(pd.get("protocol")) or "TCP").upper()))
    return tuple(out)


def _controller_owner(obj: K8sObject) -> tuple[str, str] | None:
    for ref in as_list(obj.metadata.get("ownerReferences")):
        r = as_dict(ref)
        if r.get("controller") is True:
            kind = as_str(r.get("kind"))
            if kind == "Node":
                return None  # static/mirror pods stand alone
            name = as_str(r.get("name"))
            if not name:
                return None
            return kind or "Pod", name
    return None


def build_cluster(objects: Iterable[K8sObject]) -> Cluster:
    """Group pods into workloads, collect namespaces (with their implicit name label) and policies."""
    cl = Cluster()
    by_key: dict[str, Workload] = {}
    for obj in objects:
        kind = obj.kind
        if kind == "Namespace" and not obj.api_group:
            labels = labels_of(obj.metadata.get("labels"))
            labels[NS_NAME_LABEL] = obj.name  # Kubernetes sets it on every namespace
            cl.namespaces[obj.name] = Namespace(obj.name, labels, obj)
            continue
        if kind == "NetworkPolicy" and obj.api_group == "networking.k8s.io":
            cl.policies.append(obj)
            continue
        if kind in ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy") and obj.api_group == "policy.networking.k8s.io":
            cl.admin.append(obj)
            continue
        if kind in ("Service", "Ingress", "Route"):
            cl.fronts.append(obj)
            continue
        if kind not in WORKLOAD_KINDS:
            continue
        ns = obj.namespace or "default"
        if kind == "Pod":
            labels = labels_of(obj.metadata.get("labels"))
            ports = _ports(obj.data.get("spec"))
            owner = _controller_owner(obj)
            wkind, wname = owner if owner else ("Pod", obj.name)
        else:
            tmpl = as_dict(dig(obj.data, *_TEMPLATE[kind]))
            labels = labels_of(dig(tmpl, "metadata", "labels"))
            ports = _ports(tmpl.get("spec"))
            wkind, wname = kind, obj.name
        key = f"{ns}/{wname}[{wkind}]"
        existing = by_key.get(key)
        if existing is not None:
            existing.objects.append(obj)
            existing.pods += 1
            if existing.labels != labels:
                cl.warnings.append(
                    f"{obj.path}: {obj.ref()}: pods of {key} have different labels; "
                    "the first pod's labels are used"
                )
            continue
        w = Workload(wkind, wname, ns, labels, ports, [obj])
        by_key[key] = w
        cl.workloads.append(w)
    for i, w in enumerate(cl.workloads):
        w.index = i
        cl.namespace(w.namespace)
    return cl


def load_objects(paths: Sequence[str], max_file_bytes: int | None = None) -> tuple[list[K8sObject], list[str]]:
    """Every Kubernetes object under ``paths`` (YAML/JSON, Lists expanded), plus what was skipped.

    Unreadable or unparsable files/documents are reported, not fatal (a missing path still raises).
    """
    from seawall.sources.files import (
        DEFAULT_MAX_FILE_BYTES,
        MANIFEST_SUFFIXES,
        decode_text,
        iter_inputs,
        read_bytes,
    )
    from seawall.sources.manifests import parse_manifest_text

    limit = max_file_bytes or DEFAULT_MAX_FILE_BYTES
    objects: list[K8sObject] = []
    skipped: list[str] = []
    for item in iter_inputs(list(paths)):
        if not item.read_once and item.path.suffix.lower() not in MANIFEST_SUFFIXES:
            continue
        try:
            text = decode_text(read_bytes(item, limit), item.display)
        except SeawallError as err:
            skipped.append(str(err))
            continue
        pf = parse_manifest_text(text, item.display)
        for idx, msg in pf.errors:
            skipped.append(f"{item.display} (document {idx + 1}): {msg}")
        objects.extend(pf.objects)
        for doc in pf.documents:
            objects.extend(_typed_list_items(doc.value, item.display, doc.index, doc.line))
        pf.drop_nodes()
    return objects, skipped


#: ``kubectl get pods -o json`` output: ``PodList`` items carry no kind/apiVersion of their own.
_TYPED_LISTS = {f"{k}List": k for k in (*WORKLOAD_KINDS, "Namespace", "NetworkPolicy")}


def _typed_list_items(value: Any, path: str, doc_index: int, line: int) -> list[K8sObject]:
    d = as_dict(value)
    kind = _TYPED_LISTS.get(as_str(d.get("kind")))
    if kind is None:
        return []
    api = as_str(d.get("apiVersion")) or "v1"
    if kind == "NetworkPolicy" and "/" not in api:
        api = "networking.k8s.io/v1"
    out = []
    for i, item in enumerate(as_list(d.get("items"))):
        if not isinstance(item, dict) or isinstance(item.get("kind"), str):
            continue  # objects with their own kind were already expanded by the manifest parser
        meta = as_dict(item.get("metadata"))
        out.append(
            K8sObject(
                api_version=api,
                kind=kind,
                name=as_str(meta.get("name")) or as_str(meta.get("generateName")) or "<unnamed>",
                namespace=as_str(meta.get("namespace")),
                data=item,
                path=path,
                doc_index=doc_index,
                line=line,
                pointer=f"/items/{i}",
            )
        )
    return out
