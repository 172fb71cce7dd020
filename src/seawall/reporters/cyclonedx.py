"""CycloneDX 1.6 JSON for one or more images (validates against the official 1.6 schema).

The image is ``metadata.component`` (type ``container``), its distribution an
``operating-system`` component, and every package a ``library`` (``application`` for a Go main
module) with its purl, licenses and where it was found (``properties`` ``seawall:layer`` and
``seawall:location``, since CycloneDX has no field for a layer). Licenses are written as SPDX
ids only when the declared text is exactly one (``license.id`` must come from the SPDX list);
everything else is a ``license.name``; a single valid SPDX expression is an ``expression``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from seawall import __version__
from seawall.inventory.packages.licenses import spdx_expression, spdx_id
from seawall.inventory.packages.model import ImageInventory, Package

SPEC_VERSION = "1.6"


def utc_now() -> str:
    """Now in UTC to the second, ``2026-01-02T03:04:05Z`` (time.gmtime: no datetime import)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def licenses_json(licenses: Sequence[str]) -> list[dict[str, Any]]:
    if not licenses:
        return []
    if len(licenses) == 1:
        expr = spdx_expression(licenses[0])
        if expr and " " in expr:
            return [{"expression": expr}]
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for text in licenses:
        ident = spdx_id(text)
        key = ident or text
        if key in seen:
            continue
        seen.add(key)
        out.append({"license": {"id": ident}} if ident else {"license": {"name": text}})
    return out


def _component(pkg: Package, ref: str) -> dict[str, Any]:
    comp: dict[str, Any] = {
        "type": "application" if pkg.kind == "application" else "library",
        "bom-ref": ref,
        "name": pkg.name,
        "version": pkg.version,
        "purl": pkg.purl,
    }
    if pkg.ecosystem == "Maven":
        meta = pkg.meta()
        if meta.get("group"):
            comp["group"] = meta["group"]
            comp["name"] = meta.get("artifact", pkg.name)
    lic = licenses_json(pkg.licenses)
    if lic:
        comp["licenses"] = lic
    props = [{"name": "seawall:package:type", "value": pkg.cataloger}]
    props.append({"name": "seawall:package:ecosystem", "value": pkg.ecosystem})
    if pkg.source_name:
        props.append({"name": "seawall:package:source_name", "value": pkg.source_name})
    if pkg.source_version:
        props.append({"name": "seawall:package:source_version", "value": pkg.source_version})
    if pkg.arch:
        props.append({"name": "seawall:package:arch", "value": pkg.arch})
    for loc in pkg.locations:
        props.append({"name": "seawall:location", "value": loc.path})
        if loc.layer:
            props.append({"name": "seawall:layer", "value": loc.layer})
    comp["properties"] = props
    return comp


def id_allocator(separator: str) -> Callable[[str], str]:
    """A ``unique(name)`` that returns ``name`` the first time, then ``name<sep>2``, ``name<sep>3``...:
    bom-refs and SPDX ids must be unique in a document even when two images hold the same package."""
    used: set[str] = set()

    def unique(base: str) -> str:
        ident, n = base, 1
        while ident in used:
            n += 1
            ident = f"{base}{separator}{n}"
        used.add(ident)
        return ident

    return unique


def build(
    inventories: Sequence[ImageInventory], *, serial: str | None = None, timestamp: str | None = None
) -> dict[str, Any]:
    """The BOM as a dict (one image: it is ``metadata.component``; several: each a component)."""
    components: list[dict[str, Any]] = []
    dependencies: list[dict[str, Any]] = []
    unique = id_allocator("#")
    roots: list[dict[str, Any]] = []
    for inv in inventories:
        root_ref = unique(inv.purl)
        root: dict[str, Any] = {
            "type": "container",
            "bom-ref": root_ref,
            "name": inv.name,
            "version": inv.id,
            "purl": inv.purl,
        }
        props = [{"name": "seawall:image:reference", "value": inv.reference}]
        if inv.config_digest:
            props.append({"name": "seawall:image:id", "value": inv.config_digest})
        if inv.platform:
            props.append({"name": "seawall:image:platform", "value": inv.platform})
        for nc in inv.not_checked:
            props.append({"name": "seawall:not_checked", "value": f"{nc.subject}: {nc.reason}"})
        root["properties"] = props
        roots.append(root)
        children: list[str] = []
        if inv.os is not None:
            os_ref = unique(f"os:{inv.os.id}@{inv.os.version_id}")
            os_comp: dict[str, Any] = {
                "type": "operating-system",
                "bom-ref": os_ref,
                "name": inv.os.id,
                "version": inv.os.version_id,
            }
            if inv.os.pretty_name:
                os_comp["description"] = inv.os.pretty_name
            components.append(os_comp)
            children.append(os_ref)
        for pkg in inv.packages:
            ref = unique(pkg.purl)
            components.append(_component(pkg, ref))
            children.append(ref)
        dependencies.append({"ref": root_ref, "dependsOn": children})
    metadata: dict[str, Any] = {
        "timestamp": timestamp or utc_now(),
        "tools": {"components": [{"type": "application", "name": "seawall", "version": __version__}]},
    }
    if len(roots) == 1:
        metadata["component"] = roots[0]
    else:
        components = roots + components
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": serial or f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
    }


def render(inventories: Sequence[ImageInventory]) -> str:
    return json.dumps(build(inventories), indent=2, ensure_ascii=False) + "\n"
