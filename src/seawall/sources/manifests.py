"""Kubernetes manifests: YAML streams, JSON, ``kind: List``/``*List``, Helm and Kustomize output.

Yields :class:`ParsedFile` objects that hold the documents (with node trees for line lookup) and
the Kubernetes objects found in them. Non-Kubernetes documents are returned as ``skipped``.
"""

from __future__ import annotations

from collections.abc import Callable
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

    def line_lookup(self, obj: K8sObject) -> Callable[[str], int]:
        """:meth:`line` for ``obj`` as one callable, for the many findings of one object."""
        doc = self.documents[obj.doc_index] if obj.doc_index < len(self.documents) else None
        if doc is None or doc.node is None:
            first = obj.line
            return lambda pointer: first
        if doc.lines is None:
            doc.lines = LineIndex(doc.node)
        return doc.lines.line

    def record_anchors(self, obj: K8sObject, extra: tuple[str, ...] = ()) -> None:
        """Remember the lines of ``obj``'s fields down to depth 2, and of the ``extra`` pointers
        and their children (e.g. the pod spec), for line lookups after :meth:`drop_nodes`."""
        doc = self.documents[obj.doc_index] if obj.doc_index < len(self.documents) else None
        if doc is None or doc.node is None:
            return
        if doc.lines is None:
            doc.lines = LineIndex(doc.node)
        index = doc.lines
        anchors = obj.anchors
        base = obj.pointer
        # Walk the values and their nodes together: each child's node and line come from its
        # parent's (LineIndex.child), as LineIndex.line would find them from the pointer.
        todo: list[tuple[str, Any, int, Any, int]] = [(base, obj.data, 2, *index.resolve(base))]
        todo.extend((p, None, 1, *index.resolve(p)) for p in extra)
        child = index.child
        while todo:
            ptr, value, depth, node, line = todo.pop()
            if value is None:
                value = _at(obj.data, ptr[len(base):])
            # LineIndex.line answers a pointer ending in '/' (an empty key) with its parent's line
            anchors[ptr] = index.line(ptr) if ptr.endswith("/") else line
            if depth <= 0:
                continue
            if isinstance(value, dict):
                keys = index.keys_of(node)  # the mapping's children, looked up here directly
                for k, v in value.items():
                    if isinstance(k, str):
                        esc = k.replace("~", "~0").replace("/", "~1") if "~" in k or "/" in k else k
                        if keys is None:
                            todo.append((f"{ptr}/{esc}", v, depth - 1, *child(node, k, line)))
                        else:
                            hit = keys.get(k)
                            if hit is None:
                                todo.append((f"{ptr}/{esc}", v, depth - 1, None, line))
                            else:
                                todo.append((f"{ptr}/{esc}", v, depth - 1, hit[0], hit[1]))
            elif isinstance(value, list):
                for i, v in enumerate(value[:64]):
                    todo.append((f"{ptr}/{i}", v, depth - 1, *child(node, str(i), line)))

    def drop_nodes(self) -> None:
        """Free the node trees once every line this file needs has been looked up."""
        for d in self.documents:
            d.node = None
            d.lines = None


def _at(data: Any, pointer: str) -> Any:
    cur = data
    for seg in pointer.strip("/").split("/"):
        if not seg:
            continue
        seg = seg.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict):
            cur = cur.get(seg)
        elif isinstance(cur, list) and seg.isdigit() and int(seg) < len(cur):
            cur = cur[int(seg)]
        else:
            return None
    return cur


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
