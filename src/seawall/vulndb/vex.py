"""OpenVEX (v0.2.0) documents: suppress vulnerability findings a supplier has assessed.

A statement ``(vulnerability, products, status)`` applies to a finding when the vulnerability
name or one of its aliases is among the finding's ids, and one of the statement's products (or
subcomponents) names the finding's package (by purl; a purl without version covers every
version; qualifiers are ignored) or its image (reference or digest). ``not_affected`` and
``fixed`` suppress the finding with the justification / impact statement as the reason
(``-v`` shows suppressed findings); ``affected`` and ``under_investigation`` leave it active.

Validation follows the OpenVEX JSON schema's required fields and enums (checked against the
published schema in the tests); an invalid document is a PolicyError naming the file, never
silently ignored. When statements conflict, the latest (by timestamp, then document order)
wins, as the OpenVEX spec says.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from seawall.errors import PolicyError
from seawall.model.finding import Finding
from seawall.vulndb import jsontext

STATUSES = ("not_affected", "affected", "fixed", "under_investigation")
JUSTIFICATIONS = (
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
)
MAX_VEX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Statement:
    vulnerabilities: frozenset[str]
    products: tuple[str, ...]  # purls / image references, products and subcomponents together
    status: str
    justification: str
    impact: str
    timestamp: str
    order: int
    source: str

    def reason(self) -> str:
        why = self.justification or self.impact or self.status
        if self.justification and self.impact:
            why = f"{self.justification}: {self.impact}"
        return f"VEX {self.status} ({why}) [{self.source}]"


def _err(msg: str, path: str) -> PolicyError:
    return PolicyError(f"invalid OpenVEX document: {msg}", subject=path)


def _component_ids(c: Any, where: str, path: str) -> list[str]:
    if not isinstance(c, dict):
        raise _err(f"{where} must be an object", path)
    ids = []
    if isinstance(c.get("@id"), str):
        ids.append(c["@id"])
    idents = c.get("identifiers")
    if isinstance(idents, dict):
        ids.extend(v for k, v in idents.items() if k == "purl" and isinstance(v, str))
    if not ids and not isinstance(idents, dict) and not isinstance(c.get("hashes"), dict):
        raise _err(f"{where} needs @id or identifiers", path)
    return ids


def parse_vex(data: Any, path: str) -> list[Statement]:
    if not isinstance(data, dict):
        raise _err("top level must be an object", path)
    for key in ("@context", "@id", "author", "timestamp", "version", "statements"):
        if key not in data:
            raise _err(f"missing required field {key!r}", path)
    if not isinstance(data["@context"], str) or "openvex" not in data["@context"]:
        raise _err("@context is not an OpenVEX context", path)
    if not isinstance(data["version"], int) or data["version"] < 1:
        raise _err("version must be a positive integer", path)
    if not isinstance(data["statements"], list):
        raise _err("statements must be an array", path)
    doc_ts = str(data.get("timestamp") or "")
    out: list[Statement] = []
    for i, st in enumerate(data["statements"]):
        where = f"statements[{i}]"
        if not isinstance(st, dict):
            raise _err(f"{where} must be an object", path)
        vuln = st.get("vulnerability")
        if not isinstance(vuln, dict) or not isinstance(vuln.get("name"), str) or not vuln["name"]:
            raise _err(f"{where}.vulnerability.name is required", path)
        names = {vuln["name"]}
        aliases = vuln.get("aliases")
        if aliases is not None:
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise _err(f"{where}.vulnerability.aliases must be strings", path)
            names.update(aliases)
        status = st.get("status")
        if status not in STATUSES:
            raise _err(f"{where}.status must be one of {', '.join(STATUSES)}", path)
        just = st.get("justification", "")
        if just and just not in JUSTIFICATIONS:
            raise _err(f"{where}.justification {str(just)[:80]!r} is not an OpenVEX justification", path)
        impact = st.get("impact_statement", "")
        if status == "not_affected" and not (just or impact):
            raise _err(f"{where}: not_affected needs a justification or an impact_statement", path)
        if status == "affected" and not st.get("action_statement"):
            raise _err(f"{where}: affected needs an action_statement", path)
        products = st.get("products") or []
        if not isinstance(products, list):
            raise _err(f"{where}.products must be an array", path)
        # a statement without products (allowed by the schema) names nothing, so applies to nothing
        ids: list[str] = []
        for j, p in enumerate(products):
            ids.extend(_component_ids(p, f"{where}.products[{j}]", path))
            subs = (p.get("subcomponents") if isinstance(p, dict) else None) or []
            if not isinstance(subs, list):
                raise _err(f"{where}.products[{j}].subcomponents must be an array", path)
            for k, sub in enumerate(subs):
                ids.extend(_component_ids(sub, f"{where}.products[{j}].subcomponents[{k}]", path))
        out.append(Statement(frozenset(names), tuple(ids), str(status), str(just), str(impact),
                             str(st.get("timestamp") or doc_ts), i, Path(path).name))
    return out


def load_vex(path: Path) -> list[Statement]:
    try:
        if path.stat().st_size > MAX_VEX_BYTES:
            raise PolicyError("VEX document too large", subject=str(path))
        with path.open("rb") as fh:  # bounded: /dev/zero or a pipe reports size 0
            raw = fh.read(MAX_VEX_BYTES + 1)
        if len(raw) > MAX_VEX_BYTES:
            raise PolicyError("VEX document too large", subject=str(path))
        data = jsontext.loads(raw.decode("utf-8-sig"))  # a BOM allowed; lone surrogates repaired
    except OSError as err:
        raise PolicyError(err.strerror or str(err), subject=str(path)) from None
    except RecursionError:
        raise PolicyError("not JSON: nested too deeply", subject=str(path)) from None
    except (ValueError, UnicodeDecodeError) as err:
        raise PolicyError(f"not JSON: {err}", subject=str(path)) from None
    return parse_vex(data, str(path))


def _purl_key(p: str) -> tuple[str, str] | None:
    """(type/namespace/name, version) of a purl, lower-cased where purl is case-insensitive."""
    if not p.startswith("pkg:"):
        return None
    body = p[4:].split("#", 1)[0].split("?", 1)[0]
    name, _, version = body.partition("@")
    return unquote(name).lower(), unquote(version)


def _product_matches(product: str, purl: str, image_ids: Iterable[str]) -> bool:
    if product in image_ids:
        return True
    pk, fk = _purl_key(product), _purl_key(purl) if purl else None
    if pk is not None and fk is not None:
        return pk[0] == fk[0] and (not pk[1] or pk[1] == fk[1])
    # an image given as pkg:oci/... or as a plain reference / digest
    return any(product and (i.endswith(product) or product.endswith(i)) for i in image_ids if i)


def apply_vex(findings: Sequence[Finding], statements_per_doc: Sequence[Sequence[Statement]]) -> list[Finding]:
    """Findings with VEX suppressions applied (only vulnerability findings are touched)."""
    statements = [s for doc in statements_per_doc for s in doc]
    statements.sort(key=lambda s: (s.timestamp, s.order))
    # positions of the statements naming each vulnerability: a finding looks at those only (every
    # statement for every finding was 100k statements x 10k findings on a large image)
    by_name: dict[str, list[int]] = {}
    for pos, st in enumerate(statements):
        for name in st.vulnerabilities:
            by_name.setdefault(name, []).append(pos)
    out: list[Finding] = []
    for f in findings:
        ids = set(f.references.vulnerabilities)
        if f.category != "vulnerability" or not ids or f.suppressed:
            out.append(f)
            continue
        extras = f.extras()
        purl = str(extras.get("purl") or "")
        image_ids = {f.resource.image, f.resource.name}
        decision: Statement | None = None
        for pos in sorted({pos for i in ids for pos in by_name.get(i, ())}):
            st = statements[pos]
            if any(_product_matches(p, purl, image_ids) for p in st.products):
                decision = st  # the latest applicable statement wins
        if decision is not None and decision.status in ("not_affected", "fixed"):
            f = dataclasses.replace(f, suppressed=decision.reason())
        out.append(f)
    return out
