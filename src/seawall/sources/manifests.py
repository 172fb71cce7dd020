"""Kubernetes manifests: YAML streams, JSON, ``kind: List``/``*List``, Helm and Kustomize output.

Yields :class:`ParsedFile` objects that hold the documents (with node trees for line lookup) and
the Kubernetes objects found in them. Non-Kubernetes documents are returned as ``skipped``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seawall.inventory.k8s import K8sObject, as_dict, as_list, as_str
from seawall.sources.yamldoc import Document, LineIndex, iter_documents, line_of

#: Max depth of nested ``List`` objects we expand.
_MAX_LIST_DEPTH = 4


@dataclass(slots=True)
class ParsedFile:
    path: str
    documents: list[Document] = field(default_factory=list)
    objects: list[K8sObject] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (doc index, reason)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (doc index, message)

    def line(self, obj: K8sObject, pointer: str) -> int:
        """Line of ``pointer`` (relative to the document) in the document holding ``obj``."""
        doc = self.documents[obj.doc_index] if obj.doc_index < len(self.documents) else None
        if doc is None or doc.node is None:
            return obj.line
        if doc.lines is None:
            doc.lines = LineIndex(doc.node)
        return doc.lines.line(pointer)

    def drop_nodes(self) -> None:
        """Free the node trees once every line this file needs has been looked up."""
        for d in self.documents:
            d.node = None
            d.lines = None


def _is_k8s(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("kind"), str) and isinstance(value.get("apiVersion"), str)


def _objects(value: dict[str, Any], pf: ParsedFile, doc: Document, pointer: str, depth: int) -> None:
    kind = value["kind"]
    if (kind == "List" or kind.endswith("List")) and isinstance(value.get("items"), list):
        if depth >= _MAX_LIST_DEPTH:
            pf.errors.append((doc.index, f"{kind} nested deeper than {_MAX_LIST_DEPTH} levels"))
            return
        for i, item in enumerate(as_list(value.get("items"))):
            ptr = f"{pointer}/items/{i}"
            if _is_k8s(item):
                _objects(item, pf, doc, ptr, depth + 1)
            else:
                pf.skipped.append((doc.index, f"{kind} item {i} is not a Kubernetes object"))
        return
    meta = as_dict(value.get("metadata"))
    line = line_of(doc.node, pointer, doc.line) if pointer else doc.line
    pf.objects.append(
        K8sObject(
            api_version=value["apiVersion"],
            kind=kind,
            name=as_str(meta.get("name")) or as_str(meta.get("generateName")) or "<unnamed>",
            namespace=as_str(meta.get("namespace")),
            data=value,
            path=pf.path,
            doc_index=doc.index,
            line=line,
            pointer=pointer,
            source=doc.source,
        )
    )


def parse_manifest_text(text: str, path: str) -> ParsedFile:
    """Parse a YAML/JSON stream (JSON is YAML) into documents and Kubernetes objects."""
    pf = ParsedFile(path)
    for doc in iter_documents(text):
        pf.documents.append(doc)
        if doc.error:
            pf.errors.append((doc.index, doc.error))
            continue
        if doc.value is None:
            continue  # empty document (e.g. a trailing '---')
        if _is_k8s(doc.value):
            _objects(doc.value, pf, doc, "", 0)
        else:
            pf.skipped.append((doc.index, "not a Kubernetes object (no apiVersion/kind)"))
    return pf
