"""Read an existing SBOM (CycloneDX JSON or SPDX 2.x JSON) into packages for matching.

Why purls: both formats carry a package URL per component, and the purl type plus namespace
say which OSV ecosystem (``pkg:deb/debian/...`` -> Debian, ``pkg:pypi/...`` -> PyPI). The
distribution release comes from a CycloneDX ``operating-system`` component, or from the purl
``distro`` qualifier (``debian-12``, ``alpine-3.20.3``). Source packages come from seawall's own
properties (``seawall:package:source_name``), Syft's (``syft:metadata:source``), the purl
``upstream`` qualifier, or SPDX ``sourceInfo``. Components without a purl cannot be matched and
are reported as not checked (never dropped silently).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from seawall.errors import InputError
from seawall.vulndb import jsontext
from seawall.vulndb.match import Distro, SimplePackage

MAX_SBOM_BYTES = 512 * 1024 * 1024

_TYPES = {
    "pypi": "PyPI", "npm": "npm", "golang": "Go", "maven": "Maven", "gem": "RubyGems", "cargo": "crates.io",
    "nuget": "NuGet", "composer": "Packagist", "hackage": "Hackage", "hex": "Hex", "pub": "Pub",
}
_DISTROS = {
    "debian": "Debian", "ubuntu": "Ubuntu", "alpine": "Alpine", "wolfi": "Wolfi", "chainguard": "Chainguard",
    "almalinux": "AlmaLinux", "rocky": "Rocky Linux", "redhat": "Red Hat", "rhel": "Red Hat",
}


@dataclass(slots=True)
class SbomPackages:
    format: str  # "CycloneDX 1.6", "SPDX-2.3"
    name: str  # the SBOM's subject (image or document name)
    packages: list[SimplePackage] = field(default_factory=list)
    distro: Distro | None = None
    unmatched: list[str] = field(default_factory=list)  # components without a usable purl


@dataclass(frozen=True, slots=True)
class Purl:
    type: str
    namespace: str
    name: str
    version: str
    qualifiers: dict[str, str]


def parse_purl(text: str) -> Purl | None:
    if not text.startswith("pkg:"):
        return None
    body = text[4:].split("#", 1)[0]
    body, _, query = body.partition("?")
    path, _, version = body.rpartition("@") if "@" in body else (body, "", "")
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if len(parts) < 2 or not parts[0]:
        return None
    return Purl(parts[0].lower(), "/".join(parts[1:-1]), parts[-1], unquote(version), dict(parse_qsl(query)))


def package_from_purl(purl_text: str, source_name: str = "", source_version: str = "") -> tuple[
        SimplePackage | None, Distro | None]:
    p = parse_purl(purl_text)
    if p is None or not p.version:
        return None, None
    distro: Distro | None = None
    if p.type in ("deb", "apk", "rpm"):
        eco = _DISTROS.get(p.namespace.lower())
        if eco is None:
            return None, None
        d = p.qualifiers.get("distro", "")
        m = re.match(r"^([a-z]+)-(.+)$", d)
        if m:
            distro = Distro(m.group(1), m.group(2))
        name = p.name
        up = p.qualifiers.get("upstream", "")
        if up and not source_name:
            source_name, _, sv = up.partition("@")
            source_version = source_version or sv
    else:
        eco = _TYPES.get(p.type, "")
        if not eco:
            return None, None
        if p.type == "golang":
            name = f"{p.namespace}/{p.name}" if p.namespace else p.name
        elif p.type == "maven":
            name = f"{p.namespace}:{p.name}" if p.namespace else p.name
        elif p.type in ("npm", "composer") and p.namespace:
            name = f"{p.namespace}/{p.name}"
        else:
            name = p.name
    return SimplePackage(name, p.version, eco, purl_text, source_name, source_version), distro


def _list(value: Any) -> list[Any]:
    """SBOM fields are third-party input: anything that is not a list counts as empty."""
    return value if isinstance(value, list) else []


def _cyclonedx(data: dict[str, Any], out: SbomPackages) -> None:
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    comp = meta.get("component") if isinstance(meta, dict) else None
    if isinstance(comp, dict):
        out.name = str(comp.get("name") or "")
    queue = deque(_list(data.get("components")))
    while queue:
        c = queue.popleft()
        if not isinstance(c, dict):
            continue
        queue.extend(_list(c.get("components")))
        if c.get("type") == "operating-system":
            if c.get("name") and c.get("version"):
                out.distro = Distro(str(c["name"]).lower(), str(c["version"]))
            continue
        if c.get("type") in ("container", "file"):
            continue
        props = {str(p.get("name")): str(p.get("value")) for p in _list(c.get("properties")) if isinstance(p, dict)}
        src = props.get("seawall:package:source_name") or props.get("syft:metadata:source") or ""
        srcv = props.get("seawall:package:source_version") or props.get("syft:metadata:sourceVersion") or ""
        purl = c.get("purl")
        pkg, distro = package_from_purl(purl, src, srcv) if isinstance(purl, str) else (None, None)
        if pkg is None:
            out.unmatched.append(f"{c.get('name')} {c.get('version') or ''}".strip())
            continue
        out.packages.append(pkg)
        if out.distro is None and distro is not None:
            out.distro = distro


_SPDX_SOURCE = re.compile(r"source package (\S+)(?: (\S+))?")


def _spdx(data: dict[str, Any], out: SbomPackages) -> None:
    out.name = str(data.get("name") or "")
    for p in _list(data.get("packages")):
        if not isinstance(p, dict):
            continue
        purl = next(
            (r.get("referenceLocator") for r in _list(p.get("externalRefs"))
             if isinstance(r, dict) and r.get("referenceType") == "purl"),
            None,
        )
        if p.get("primaryPackagePurpose") in ("OPERATING-SYSTEM",) and p.get("name") and p.get("versionInfo"):
            out.distro = Distro(str(p["name"]).lower(), str(p["versionInfo"]))
            continue
        if p.get("primaryPackagePurpose") == "CONTAINER":
            continue
        m = _SPDX_SOURCE.search(str(p.get("sourceInfo") or ""))
        pkg, distro = (package_from_purl(purl, m.group(1) if m else "", (m.group(2) or "") if m else "")
                       if isinstance(purl, str) else (None, None))
        if pkg is None:
            out.unmatched.append(f"{p.get('name')} {p.get('versionInfo') or ''}".strip())
            continue
        out.packages.append(pkg)
        if out.distro is None and distro is not None:
            out.distro = distro


def read_sbom(path: Path) -> SbomPackages:
    """Packages and distro of a CycloneDX or SPDX JSON SBOM; InputError if it is neither."""
    try:
        if path.stat().st_size > MAX_SBOM_BYTES:
            raise InputError("SBOM larger than the limit", subject=str(path))
        with path.open("rb") as fh:  # bounded: /dev/zero or a pipe reports size 0
            raw = fh.read(MAX_SBOM_BYTES + 1)
        if len(raw) > MAX_SBOM_BYTES:
            raise InputError("SBOM larger than the limit", subject=str(path))
        data = jsontext.loads(raw)  # lone surrogates repaired: reports could not encode them
    except OSError as err:
        raise InputError(err.strerror or str(err), subject=str(path)) from None
    except RecursionError:
        raise InputError("not a JSON SBOM (nested too deeply)", subject=str(path)) from None
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"not a JSON SBOM ({err})", subject=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("not a CycloneDX or SPDX JSON document", subject=str(path))
    if data.get("bomFormat") == "CycloneDX":
        out = SbomPackages(f"CycloneDX {data.get('specVersion', '')}".strip(), path.name)
        _cyclonedx(data, out)
    elif str(data.get("spdxVersion", "")).startswith("SPDX-"):
        out = SbomPackages(str(data["spdxVersion"]), path.name)
        _spdx(data, out)
    else:
        raise InputError("not a CycloneDX (bomFormat) or SPDX (spdxVersion) JSON document", subject=str(path))
    return out
