"""SPDX 2.3 JSON for one or more images (validates against the official 2.3 schema).

The image is a package with ``primaryPackagePurpose: CONTAINER`` that the document DESCRIBES and
that CONTAINS every package found in it. ``licenseDeclared`` is an SPDX expression: declared
texts that are SPDX ids (or map to one exactly) are used as such, anything else becomes a
``LicenseRef-`` with the original text in ``hasExtractedLicensingInfos`` — SPDX forbids free text
in license fields. Where a package came from (file, layer) is recorded in ``sourceInfo``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from typing import Any

from seawall import __version__
from seawall.inventory.packages.licenses import spdx_expression, spdx_id
from seawall.inventory.packages.model import ImageInventory, Package
from seawall.reporters.cyclonedx import id_allocator, utc_now


def safe_id(text: str) -> str:
    """Characters SPDX ids allow (letters, digits, ``.`` and ``-``)."""
    return re.sub(r"[^A-Za-z0-9.\-]+", "-", text).strip("-") or "x"


_PURPOSE = {"application": "APPLICATION", "library": "LIBRARY", "operating-system": "OPERATING_SYSTEM"}


class _Licenses:
    def __init__(self) -> None:
        self.refs: dict[str, str] = {}  # original text -> LicenseRef id

    def term(self, text: str) -> str:
        ident = spdx_id(text)
        if ident:
            return ident
        expr = spdx_expression(text)
        if expr:
            return f"({expr})" if " " in expr else expr
        ref = self.refs.get(text)
        if ref is None:
            ref = f"LicenseRef-{safe_id(text)[:60]}"
            while ref in self.refs.values():
                ref += "-x"
            self.refs[text] = ref
        return ref

    def declared(self, licenses: Sequence[str]) -> str:
        terms = list(dict.fromkeys(self.term(t) for t in licenses if t.strip()))
        if not terms:
            return "NOASSERTION"
        if len(terms) == 1:
            return terms[0][1:-1] if terms[0].startswith("(") else terms[0]
        return " AND ".join(terms)

    def extracted(self) -> list[dict[str, str]]:
        return [{"licenseId": ref, "extractedText": text, "name": text} for text, ref in self.refs.items()]


def _package(pkg: Package, spdx_id_: str, lic: _Licenses) -> dict[str, Any]:
    out: dict[str, Any] = {
        "SPDXID": spdx_id_,
        "name": pkg.name,
        "versionInfo": pkg.version,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": lic.declared(pkg.licenses),
        "copyrightText": "NOASSERTION",
        "externalRefs": [
            {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": pkg.purl}
        ],
        "primaryPackagePurpose": _PURPOSE.get(pkg.kind, "LIBRARY"),
    }
    where = "; ".join(f"{loc.path}" + (f" (layer {loc.layer})" if loc.layer else "") for loc in pkg.locations)
    info = f"{pkg.cataloger} package found in {where}" if where else f"{pkg.cataloger} package"
    if pkg.source_name:
        info += f"; source package {pkg.source_name} {pkg.source_version}".rstrip()
    out["sourceInfo"] = info
    return out


def build(
    inventories: Sequence[ImageInventory], *, namespace: str | None = None, created: str | None = None
) -> dict[str, Any]:
    lic = _Licenses()
    packages: list[dict[str, Any]] = []
    relationships: list[dict[str, str]] = []
    unique = id_allocator("-")
    for inv in inventories:
        img_id = unique(f"SPDXRef-Image-{safe_id(inv.name)[:80]}")
        img: dict[str, Any] = {
            "SPDXID": img_id,
            "name": inv.name,
            "versionInfo": inv.id,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": False,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "CONTAINER",
            "externalRefs": [
                {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": inv.purl}
            ],
        }
        if inv.not_checked:
            img["comment"] = "Not checked: " + "; ".join(f"{n.subject}: {n.reason}" for n in inv.not_checked)
        packages.append(img)
        relationships.append(
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": img_id}
        )
        if inv.os is not None:
            os_id = unique(f"SPDXRef-OperatingSystem-{safe_id(inv.os.id)}-{safe_id(inv.os.version_id)}")
            packages.append(
                {
                    "SPDXID": os_id,
                    "name": inv.os.id,
                    "versionInfo": inv.os.version_id,
                    "downloadLocation": "NOASSERTION",
                    "filesAnalyzed": False,
                    "licenseConcluded": "NOASSERTION",
                    "licenseDeclared": "NOASSERTION",
                    "copyrightText": "NOASSERTION",
                    "primaryPackagePurpose": "OPERATING_SYSTEM",
                }
            )
            relationships.append({"spdxElementId": img_id, "relationshipType": "CONTAINS", "relatedSpdxElement": os_id})
        for pkg in inv.packages:
            base = f"{safe_id(pkg.cataloger)}-{safe_id(pkg.name)[:60]}-{safe_id(pkg.version)[:40]}"
            pid = unique(f"SPDXRef-Package-{base}")
            packages.append(_package(pkg, pid, lic))
            relationships.append({"spdxElementId": img_id, "relationshipType": "CONTAINS", "relatedSpdxElement": pid})
    name = inventories[0].name if len(inventories) == 1 else "seawall-images"
    doc: dict[str, Any] = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": namespace or f"https://spdx.org/spdxdocs/seawall/{safe_id(name)}-{uuid.uuid4()}",
        "creationInfo": {"created": created or utc_now(), "creators": [f"Tool: seawall-{__version__}"]},
        "packages": packages,
        "relationships": relationships,
    }
    extracted = lic.extracted()
    if extracted:
        doc["hasExtractedLicensingInfos"] = extracted
    return doc


def render(inventories: Sequence[ImageInventory]) -> str:
    return json.dumps(build(inventories), indent=2, ensure_ascii=False) + "\n"
