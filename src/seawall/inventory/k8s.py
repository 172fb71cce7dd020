"""Kubernetes objects and the workload -> pod spec normaliser.

Manifests are hostile input: any field may be null, a string where a map is expected, or a list
of garbage. The accessors here (:func:`as_dict`, :func:`as_list`, :func:`as_str`) never raise, so
rules written against :class:`PodSpecView` cannot crash on wrong types; they see "absent".
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from seawall.sources.pointer import join_pointer


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


def as_bool(value: Any) -> bool | None:
    """True/False for YAML booleans; None when absent or not a boolean."""
    return value if isinstance(value, bool) else None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return None


def dig(value: Any, *keys: str | int) -> Any:
    """Follow keys/indices through dicts and lists; None as soon as one is missing."""
    cur = value
    for k in keys:
        if isinstance(k, int):
            if isinstance(cur, list) and -len(cur) <= k < len(cur):
                cur = cur[k]
            else:
                return None
        elif isinstance(cur, dict):
            cur = cur.get(k)
        else:
            return None
    return cur


#: Kinds that have no namespace.
CLUSTER_SCOPED: frozenset[str] = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "PriorityClass",
        "RuntimeClass",
        "IngressClass",
        "APIService",
        "CertificateSigningRequest",
        "PodSecurityPolicy",
        "ClusterIssuer",
        "VolumeAttachment",
        "CSIDriver",
        "CSINode",
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
    }
)

#: Where each workload kind keeps its pod template, as (metadata pointer, spec pointer).
#: ``group`` restricts CRDs to their API group so an unrelated ``kind: Rollout`` is not misread.
_POD_PATHS: dict[str, tuple[str, str, str]] = {
    # kind: (api group or "" for any, pod metadata pointer, pod spec pointer)
    "Pod": ("", "/metadata", "/spec"),
    "Deployment": ("", "/spec/template/metadata", "/spec/template/spec"),
    "StatefulSet": ("", "/spec/template/metadata", "/spec/template/spec"),
    "DaemonSet": ("", "/spec/template/metadata", "/spec/template/spec"),
    "ReplicaSet": ("", "/spec/template/metadata", "/spec/template/spec"),
    "ReplicationController": ("", "/spec/template/metadata", "/spec/template/spec"),
    "Job": ("", "/spec/template/metadata", "/spec/template/spec"),
    "CronJob": ("", "/spec/jobTemplate/spec/template/metadata", "/spec/jobTemplate/spec/template/spec"),
    "PodTemplate": ("", "/template/metadata", "/template/spec"),
    "Rollout": ("argoproj.io", "/spec/template/metadata", "/spec/template/spec"),
    "DeploymentConfig": ("apps.openshift.io", "/spec/template/metadata", "/spec/template/spec"),
    "ScaledJob": ("keda.sh", "/spec/jobTemplate/spec/template/metadata", "/spec/jobTemplate/spec/template/spec"),
}

WORKLOAD_KINDS: frozenset[str] = frozenset(_POD_PATHS)


@dataclass(slots=True)
class K8sObject:
    """One Kubernetes object from a manifest, with where it came from."""

    api_version: str
    kind: str
    name: str
    namespace: str  # "" when unset (namespaced kinds then land in "default" at apply time)
    data: dict[str, Any]
    path: str  # file path as given by the user ("-" for stdin)
    doc_index: int
    line: int  # first line of the object
    pointer: str = ""  # pointer of the object inside its document ("" or "/items/3")
    source: str = ""  # Helm template (`# Source:`)
    # Lines of the fields cross-object findings point at most (top-level fields, their children,
    # the pod spec), recorded while the file's node tree exists so those findings need no re-parse.
    anchors: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def metadata(self) -> dict[str, Any]:
        return as_dict(self.data.get("metadata"))

    @property
    def labels(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        labels = meta.get("labels") if isinstance(meta, dict) else None
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        annotations = meta.get("annotations") if isinstance(meta, dict) else None
        return annotations if isinstance(annotations, dict) else {}

    @property
    def api_group(self) -> str:
        return self.api_version.rpartition("/")[0] if "/" in self.api_version else ""

    @property
    def cluster_scoped(self) -> bool:
        return self.kind in CLUSTER_SCOPED

    @property
    def effective_namespace(self) -> str:
        """The namespace the object lands in: '' for cluster-scoped kinds, 'default' if unset."""
        if self.cluster_scoped:
            return ""
        return self.namespace or "default"

    @property
    def spec(self) -> dict[str, Any]:
        return as_dict(self.data.get("spec"))

    def ref(self) -> str:
        ns = f"{self.effective_namespace}/" if self.effective_namespace else ""
        return f"{self.kind}/{ns}{self.name}"

    def pod_view(self) -> PodSpecView | None:
        """The pod template of a workload kind, or None (not a workload, or no template)."""
        entry = _POD_PATHS.get(self.kind)
        if entry is None:
            return None
        group, meta_ptr, spec_ptr = entry
        if group and self.api_group != group:
            return None
        spec = _at(self.data, spec_ptr)
        if self.kind == "Rollout" and spec is None and dig(self.data, "spec", "workloadRef"):
            return None  # Rollout that references a Deployment's template; the Deployment is scanned
        return PodSpecView(
            owner=self,
            spec=as_dict(spec),
            spec_present=isinstance(spec, dict),
            metadata=as_dict(_at(self.data, meta_ptr)),
            spec_pointer=self.pointer + spec_ptr,
            metadata_pointer=self.pointer + meta_ptr,
        )


def _at(data: Any, pointer: str) -> Any:
    cur = data
    for seg in _segments(pointer):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(seg)
    return cur


@functools.lru_cache(maxsize=64)
def _segments(pointer: str) -> tuple[str, ...]:
    """The non-empty segments of one of the (few) ``_POD_PATHS`` pointers, split once."""
    return tuple(seg for seg in pointer.strip("/").split("/") if seg)


def _join(base: str, parts: tuple[object, ...]) -> str:
    """``join_pointer(base, *parts)`` for the views' pointer helpers (called for most findings),
    with the plain-key case first."""
    if not base.startswith("/") or base.endswith("/"):
        return join_pointer(base, *parts)
    out = base
    for p in parts:
        s = p if isinstance(p, str) else str(p)
        if s.startswith("/"):
            out += s.rstrip("/") if s != "/" else ""
        elif "~" in s or "/" in s:
            out += "/" + s.replace("~", "~0").replace("/", "~1")
        else:
            out += "/" + s
    return out


class ContainerView:
    """One container (regular, init or ephemeral) with its pointer inside the document.

    Read-only by convention. ``name``, ``image`` and ``security_context`` are computed once when
    the view is built: some fifty pod rules read them for every container of every workload
    (hundreds of thousands of reads on a large corpus), and a property recomputing them each
    time was a visible share of the rule phase.
    """

    __slots__ = ("cache", "data", "image", "index", "kind", "name", "pointer", "security_context")

    def __init__(self, data: dict[str, Any], pointer: str, kind: str, index: int) -> None:
        self.data = data
        self.pointer = pointer  # e.g. /spec/template/spec/containers/0
        self.kind = kind  # "containers" | "initContainers" | "ephemeralContainers"
        self.index = index
        name = data.get("name")
        self.name: str = (name if isinstance(name, str) else as_str(name)) or f"{kind}[{index}]"
        self.image: str = as_str(data.get("image"))
        sc = data.get("securityContext")
        self.security_context: dict[str, Any] = sc if isinstance(sc, dict) else {}
        #: facts derived from the container by rule helpers, computed on first use (keyed by
        #: helper name, e.g. the parsed capability lists)
        self.cache: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"ContainerView(pointer={self.pointer!r}, kind={self.kind!r}, index={self.index})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ContainerView):
            return NotImplemented
        return (self.data, self.pointer, self.kind, self.index) == (other.data, other.pointer, other.kind, other.index)

    __hash__ = None  # type: ignore[assignment]  # holds a dict, like the dataclass it replaced

    def ptr(self, *parts: object) -> str:
        return _join(self.pointer, parts)


@dataclass(slots=True)
class PodSpecView:
    """A pod spec wherever it lives (Pod, Deployment template, CronJob job template, ...).

    Read-only by convention: the pod-level facts the rules consult for every workload
    (security context, annotations, labels, Windows or not, the container lists) are computed
    once, on construction or first use.
    """

    owner: K8sObject
    spec: dict[str, Any]
    spec_present: bool
    metadata: dict[str, Any]
    spec_pointer: str
    metadata_pointer: str
    _containers: list[ContainerView] | None = field(default=None, repr=False)
    _by_kinds: dict[tuple[str, ...], list[ContainerView]] = field(default_factory=dict, repr=False)
    _volumes: list[tuple[int, dict[str, Any]]] | None = field(default=None, repr=False)
    security_context: dict[str, Any] = field(init=False, repr=False, compare=False)
    annotations: dict[str, Any] = field(init=False, repr=False, compare=False)
    labels: dict[str, Any] = field(init=False, repr=False, compare=False)
    os_name: str = field(init=False, repr=False, compare=False)  # spec.os.name, "" when unset
    is_windows: bool = field(init=False, repr=False, compare=False)  # os_name, case-insensitively

    def __post_init__(self) -> None:
        spec = self.spec
        self.security_context = as_dict(spec.get("securityContext"))
        self.annotations = as_dict(self.metadata.get("annotations"))
        self.labels = as_dict(self.metadata.get("labels"))
        self.os_name = as_str(dig(spec, "os", "name"))
        self.is_windows = self.os_name.lower() == "windows"

    def ptr(self, *parts: object) -> str:
        """Pointer to a field of the pod spec (``view.ptr('securityContext', 'runAsUser')``)."""
        return _join(self.spec_pointer, parts)

    def meta_ptr(self, *parts: object) -> str:
        return _join(self.metadata_pointer, parts)

    @property
    def volumes(self) -> list[tuple[int, dict[str, Any]]]:
        """(index, volume) for the map entries of ``volumes``; built once and shared: do not
        modify the list."""
        if self._volumes is None:
            self._volumes = [(i, v) for i, v in enumerate(as_list(self.spec.get("volumes"))) if isinstance(v, dict)]
        return self._volumes

    def containers(
        self, kinds: tuple[str, ...] = ("initContainers", "containers", "ephemeralContainers")
    ) -> list[ContainerView]:
        """Containers of the given kinds (default: all three), skipping non-map entries.

        The list is built once per ``kinds`` and shared between callers: do not modify it.
        """
        hit = self._by_kinds.get(kinds)
        if hit is not None:
            return hit
        if self._containers is None:
            out: list[ContainerView] = []
            for ck in ("initContainers", "containers", "ephemeralContainers"):
                items = self.spec.get(ck)
                if isinstance(items, list):
                    base = join_pointer(self.spec_pointer, ck)
                    for i, c in enumerate(items):
                        if isinstance(c, dict):
                            out.append(ContainerView(c, f"{base}/{i}", ck, i))
            self._containers = out
        hit = self._by_kinds[kinds] = [c for c in self._containers if c.kind in kinds]
        return hit

    def iter_all(self) -> Iterator[ContainerView]:
        return iter(self.containers())
