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
from dataclasses import dataclass, field
from typing import Any

from seawall.errors import SeawallError
from seawall.inventory.k8s import K8sObject, as_dict, as_int, as_list, as_str, dig
from seawall.netpol.ipblocks import format_range
from seawall.netpol.selectors import labels_of

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


@dataclass(frozen=True, slots=True)
class ContainerPort:
    name: str
    port: int
    protocol: str  # TCP when unset


@dataclass(eq=False, slots=True)
class Workload:
    """A group of pods with one owner; analysed through its (first) pod's labels and ports."""

    kind: str
    name: str
    namespace: str
    labels: dict[str, str]
    ports: tuple[ContainerPort, ...]
    objects: list[K8sObject] = field(default_factory=list)
    pods: int = 1
    index: int = -1
    key: str = field(init=False)  # ``ns/name[Kind]``: np-guard's peer string

    is_ip = False
    is_virtual = False

    def __post_init__(self) -> None:
        self.key = f"{self.namespace}/{self.name}[{self.kind}]"

    def __str__(self) -> str:
        return self.key

    def __repr__(self) -> str:
        return f"Workload({self.key})"

    def named_port(self, name: str) -> ContainerPort | None:
        for p in self.ports:
            if p.name == name:
                return p
        return None


@dataclass(frozen=True, slots=True)
class IPPeer:
    """An external address range (inclusive) that every ipBlock either contains or misses."""

    lo: int
    hi: int
    name: str = field(init=False, compare=False)  # a.b.c.d-e.f.g.h
    key: str = field(init=False, compare=False)  # a.b.c.d-e.f.g.h[External]

    is_ip = True
    is_virtual = False
    namespace = ""
    kind = "External"

    def __post_init__(self) -> None:
        name = format_range(self.lo, self.hi)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "key", f"{name}[External]")

    def __str__(self) -> str:
        return self.key


CONTROLLER_NAME = "ingress-controller"
CONTROLLER_NAMESPACE = "ingress-controller-ns"


@dataclass(eq=False, slots=True)
class IngressController:
    """The virtual source of Ingress/Route traffic (np-guard's ``{ingress-controller}``): one pod
    without labels in namespace ``ingress-controller-ns`` (see :mod:`seawall.netpol.ingress`)."""

    name: str = CONTROLLER_NAME
    namespace: str = CONTROLLER_NAMESPACE
    labels: dict[str, str] = field(default_factory=dict)
    ns_labels: dict[str, str] = field(default_factory=lambda: {NS_NAME_LABEL: CONTROLLER_NAMESPACE})
    key: str = "{" + CONTROLLER_NAME + "}"
    kind: str = ""
    index: int = -1

    is_ip = False
    is_virtual = True

    def __str__(self) -> str:
        return self.key


INGRESS_CONTROLLER = IngressController()

Peer = Workload | IPPeer | IngressController


@dataclass(slots=True)
class Namespace:
    name: str
    labels: dict[str, str]
    obj: K8sObject | None = None


@dataclass(slots=True)
class Cluster:
    namespaces: dict[str, Namespace] = field(default_factory=dict)
    workloads: list[Workload] = field(default_factory=list)
    policies: list[K8sObject] = field(default_factory=list)
    fronts: list[K8sObject] = field(default_factory=list)  # Services, Ingresses, Routes
    admin: list[K8sObject] = field(default_factory=list)  # (Baseline)AdminNetworkPolicies
    warnings: list[str] = field(default_factory=list)

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
        if not item.stdin and item.path.suffix.lower() not in MANIFEST_SUFFIXES:
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
