"""Helpers for the PSS tests: build pod views from plain dicts and load corpus documents."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from seawall.inventory.k8s import K8sObject, PodSpecView
from seawall.rules.workload.pss import evaluate_pss


def obj_from_doc(doc: dict[str, Any], path: str = "memory.yaml") -> K8sObject:
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    return K8sObject(
        api_version=str(doc.get("apiVersion", "")),
        kind=str(doc.get("kind", "")),
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "") or ""),
        data=doc,
        path=path,
        doc_index=0,
        line=1,
    )


def view_of(doc: dict[str, Any]) -> PodSpecView:
    view = obj_from_doc(doc).pod_view()
    assert view is not None, f"not a workload: {doc.get('kind')}"
    return view


def pod(spec: dict[str, Any], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "fixture"}
    if annotations is not None:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": copy.deepcopy(spec)}


def tweak(base: dict[str, Any], fn: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    fn(out)
    return out


def load_docs(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [d for d in yaml.safe_load_all(fh) if isinstance(d, dict)]


def fails(
    doc: dict[str, Any],
    checks: Iterable[str] | None = None,
    level: str | None = None,
    skip: Callable[[PodSpecView, str, str], bool] | None = None,
) -> list[str]:
    """Ids of failing checks for ``doc`` (restricted to ``checks`` when given).

    ``skip(view, check_id, container_name)`` drops single violations (models a policy exception).
    """
    view = view_of(doc)
    wanted = set(checks) if checks is not None else None
    out = []
    for cid, violations in evaluate_pss(view, level).items():
        if wanted is not None and cid not in wanted:
            continue
        kept = [v for v in violations if skip is None or not skip(view, cid, v.container)]
        if kept:
            out.append(cid)
    return out
