"""in-toto statements and the SLSA provenance predicates seawall checks policy against.

A statement (``_type`` ``https://in-toto.io/Statement/v0.1`` or ``/v1``) names its *subjects*
by digest — verification must find the image's digest among them — and carries a typed
predicate. For SLSA provenance only two facts matter to the policy, and they live in different
places per version:

* v0.2 (``https://slsa.dev/provenance/v0.2``): ``builder.id``; source from
  ``invocation.configSource.uri`` and ``materials[].uri``;
* v1 (``https://slsa.dev/provenance/v1``): ``runDetails.builder.id``; source from
  ``buildDefinition.externalParameters`` (``workflow.repository``, ``source``, ``repository``)
  and ``buildDefinition.resolvedDependencies[].uri``.

Source URIs are normalised (``git+https://github.com/o/r@refs/heads/main`` ->
``github.com/o/r``) so a policy can say ``github.com/org/*``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from seawall.errors import VerificationError

STATEMENT_V01 = "https://in-toto.io/Statement/v0.1"
STATEMENT_V1 = "https://in-toto.io/Statement/v1"
SLSA_V02 = "https://slsa.dev/provenance/v0.2"
SLSA_V1 = "https://slsa.dev/provenance/v1"
COSIGN_SIGN_V1 = "https://sigstore.dev/cosign/sign/v1"
PROVENANCE_TYPES = frozenset({SLSA_V02, SLSA_V1})
#: ``seawall attest --type`` short names, as cosign's
PREDICATE_ALIASES = {
    "slsaprovenance": SLSA_V02,
    "slsaprovenance02": SLSA_V02,
    "slsaprovenance1": SLSA_V1,
    "spdxjson": "https://spdx.dev/Document",
    "cyclonedx": "https://cyclonedx.org/bom",
    "vuln": "https://cosign.sigstore.dev/attestation/vuln/v1",
    "custom": "https://cosign.sigstore.dev/attestation/v1",
}


@dataclass(frozen=True, slots=True)
class Subject:
    name: str
    digests: dict[str, str]


@dataclass(frozen=True, slots=True)
class Statement:
    type: str
    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: dict[str, Any] = field(default_factory=dict)

    def names_digest(self, digest: str) -> bool:
        algo, _, hexval = digest.partition(":")
        return any(s.digests.get(algo, "").lower() == hexval.lower() for s in self.subjects)


def make_statement(name: str, digest: str, predicate_type: str, predicate: dict[str, Any]) -> bytes:
    algo, _, hexval = digest.partition(":")
    doc = {
        "_type": STATEMENT_V1,
        "subject": [{"name": name, "digest": {algo: hexval}}],
        "predicateType": predicate_type,
        "predicate": predicate,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def parse_statement(data: bytes) -> Statement:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested 100k deep
        raise VerificationError("in-toto statement is not JSON") from None
    if not isinstance(doc, dict):
        raise VerificationError("in-toto statement is not a JSON object")
    typ = doc.get("_type")
    if typ not in (STATEMENT_V01, STATEMENT_V1):
        raise VerificationError(f"not an in-toto statement (_type {str(typ)[:60]!r})")
    subs = []
    raw_subjects = doc.get("subject")
    for s in raw_subjects if isinstance(raw_subjects, list) else []:
        if isinstance(s, dict) and isinstance(s.get("digest"), dict):
            digests = {str(k): str(v) for k, v in s["digest"].items() if isinstance(v, str)}
            subs.append(Subject(str(s.get("name") or ""), digests))
    ptype = doc.get("predicateType")
    pred = doc.get("predicate")
    return Statement(
        str(typ), tuple(subs), ptype if isinstance(ptype, str) else "", pred if isinstance(pred, dict) else {}
    )


_SCHEME = re.compile(r"^(?:git\+)?[a-z][a-z0-9+.-]*://", re.I)


def normalise_repo(uri: str) -> str:
    """``git+https://github.com/Org/Repo.git@refs/tags/v1`` -> ``github.com/org/repo``."""
    u = _SCHEME.sub("", uri.strip())
    u = u.split("#", 1)[0].split("?", 1)[0]
    if "@" in u:
        u = u.split("@", 1)[0] if "/" in u.split("@", 1)[0] else u.split("@", 1)[1]
    u = u.rstrip("/")
    if u.endswith(".git"):
        u = u[:-4]
    return u.lower()


@dataclass(frozen=True, slots=True)
class Provenance:
    predicate_type: str
    builder_id: str
    sources: tuple[str, ...]  # normalised repository names
    build_type: str = ""


def _s(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def provenance_facts(st: Statement) -> Provenance:
    p = st.predicate
    sources: list[str] = []
    if st.predicate_type == SLSA_V1:
        bd = _d(p.get("buildDefinition"))
        builder_id = _s(_d(_d(p.get("runDetails")).get("builder")).get("id"))
        ext = _d(bd.get("externalParameters"))
        sources += [_s(_d(ext.get("workflow")).get("repository")), _s(ext.get("source")), _s(ext.get("repository"))]
        deps = bd.get("resolvedDependencies")
        sources += [_s(_d(d).get("uri")) for d in (deps if isinstance(deps, list) else [])]
        build_type = _s(bd.get("buildType"))
    else:
        builder_id = _s(_d(p.get("builder")).get("id"))
        sources.append(_s(_d(_d(p.get("invocation")).get("configSource")).get("uri")))
        mats = p.get("materials")
        sources += [_s(_d(m).get("uri")) for m in (mats if isinstance(mats, list) else [])]
        build_type = _s(p.get("buildType"))
    seen: dict[str, None] = {}
    for s in sources:
        if s:
            seen.setdefault(normalise_repo(s), None)
    return Provenance(st.predicate_type, builder_id, tuple(seen), build_type)
