"""Cosign's classic signature layout: a ``sha256-<hex>.sig`` tag holding simple-signing payloads.

For an image ``REPO@sha256:HEX`` cosign (before 3.0, and 3.x with ``--new-bundle-format=false``)
pushes ``REPO:sha256-HEX.sig``: an OCI image manifest whose every layer is one signature —

* the layer blob (media type ``application/vnd.dev.cosign.simplesigning.v1+json``) is the
  *payload* that was signed, Red Hat's "simple signing" JSON, serialised by Go exactly as
  ``{"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},
  "type":"cosign container image signature"},"optional":O}``;
* the layer annotation ``dev.cosignproject.cosign/signature`` is the base64 signature over the
  payload bytes (ECDSA-SHA256, ASN.1 DER for cosign's default keys);
* keyless signatures add ``dev.sigstore.cosign/certificate`` / ``.../chain`` (PEM) and
  ``dev.sigstore.cosign/bundle`` (the Rekor SET bundle).

The payload binds the signature to one manifest digest: verification must check that
``docker-manifest-digest`` equals the digest of the image being verified, or a signature could be
copied onto another image. Attestations use the same scheme with the ``.att`` suffix and DSSE
envelopes as layers (see :mod:`seawall.supplychain.dsse`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from seawall.errors import VerificationError

SIMPLESIGNING_MT = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE_MT = "application/vnd.dsse.envelope.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate"
CHAIN_ANNOTATION = "dev.sigstore.cosign/chain"
BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle"
PREDICATE_TYPE_ANNOTATION = "predicateType"
SIGNATURE_TYPE = "cosign container image signature"
MAX_PAYLOAD = 4 * 1024 * 1024


def signature_tag(digest: str, suffix: str = "sig") -> str:
    """``sha256:HEX`` -> ``sha256-HEX.sig`` (or ``.att``, ``.sbom``)."""
    return digest.replace(":", "-") + f".{suffix}"


def _go_json(value: Any) -> str:
    """JSON the way Go's encoding/json writes it: compact, and <, >, & escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def make_payload(docker_reference: str, digest: str, optional: dict[str, Any] | None = None) -> bytes:
    """The simple-signing payload bytes cosign signs (field order and spacing as Go emits them)."""
    critical = (
        '{"identity":{"docker-reference":' + _go_json(docker_reference) + "},"
        '"image":{"docker-manifest-digest":' + _go_json(digest) + "},"
        '"type":' + _go_json(SIGNATURE_TYPE) + "}"
    )
    opt = "null" if optional is None else _go_json(dict(sorted(optional.items())))
    return ('{"critical":' + critical + ',"optional":' + opt + "}").encode()


@dataclass(frozen=True, slots=True)
class SimpleSigning:
    """The fields of a parsed payload that verification relies on."""

    docker_reference: str
    digest: str
    type: str
    optional: dict[str, Any] = field(default_factory=dict)


def parse_payload(data: bytes) -> SimpleSigning:
    """Parse a payload leniently about case (cosign accepts ``Critical``/``Image`` from old
    clients) and strictly about structure; raises VerificationError with one line."""
    if len(data) > MAX_PAYLOAD:
        raise VerificationError("signature payload is too large")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested 100k deep
        raise VerificationError("signature payload is not JSON") from None
    if not isinstance(doc, dict):
        raise VerificationError("signature payload is not a JSON object")

    def get(d: Any, key: str) -> Any:
        if not isinstance(d, dict):
            return None
        for k, v in d.items():
            if isinstance(k, str) and k.lower() == key:
                return v
        return None

    critical = get(doc, "critical")
    if not isinstance(critical, dict):
        raise VerificationError("signature payload has no 'critical' section")
    digest = get(get(critical, "image"), "docker-manifest-digest")
    ref = get(get(critical, "identity"), "docker-reference")
    typ = get(critical, "type")
    if not isinstance(digest, str) or not digest:
        raise VerificationError("signature payload names no docker-manifest-digest")
    optional = get(doc, "optional")
    return SimpleSigning(
        ref if isinstance(ref, str) else "",
        digest,
        typ if isinstance(typ, str) else "",
        optional if isinstance(optional, dict) else {},
    )
