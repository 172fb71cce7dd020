"""DSSE (Dead Simple Signing Envelope) v1: the wrapper of in-toto attestations and cosign 3
image signatures.

The signature covers the *pre-authentication encoding* (PAE) of the payload type and the raw
payload bytes, never the JSON envelope, so a verifier must rebuild PAE exactly::

    PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

with lengths as ASCII decimal byte counts. The JSON envelope carries ``payload`` (base64),
``payloadType`` and ``signatures: [{keyid, sig}]``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from seawall.errors import VerificationError
from seawall.supplychain.keys import PrivateKey, PublicKey, sign_bytes, verify_bytes

INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
MAX_ENVELOPE = 16 * 1024 * 1024
_URLSAFE = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


@dataclass(frozen=True, slots=True)
class Signature:
    sig: bytes
    keyid: str = ""


@dataclass(frozen=True, slots=True)
class Envelope:
    payload: bytes
    payload_type: str
    signatures: tuple[Signature, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "payload": base64.b64encode(self.payload).decode(),
            "payloadType": self.payload_type,
            "signatures": [{"keyid": s.keyid, "sig": base64.b64encode(s.sig).decode()} for s in self.signatures],
        }

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":")).encode()

    def verify(self, key: PublicKey) -> bool:
        """True if any signature verifies with ``key`` over PAE(payloadType, payload)."""
        msg = pae(self.payload_type, self.payload)
        return any(verify_bytes(key, s.sig, msg) for s in self.signatures)


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise VerificationError(f"DSSE envelope: {what} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        pass
    if _URLSAFE.match(value):  # DSSE allows URL-safe base64 too
        try:  # a lone character ('x') matches the alphabet but is no base64 at all
            return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            pass
    raise VerificationError(f"DSSE envelope: {what} is not base64")


def from_dict(doc: Any) -> Envelope:
    if not isinstance(doc, dict):
        raise VerificationError("DSSE envelope is not a JSON object")
    ptype = doc.get("payloadType")
    if not isinstance(ptype, str) or not ptype:
        raise VerificationError("DSSE envelope has no payloadType")
    sigs_raw = doc.get("signatures")
    if not isinstance(sigs_raw, list) or not sigs_raw:
        raise VerificationError("DSSE envelope has no signatures")
    sigs = []
    for s in sigs_raw[:64]:
        if not isinstance(s, dict):
            raise VerificationError("DSSE envelope: a signature is not an object")
        kid = s.get("keyid")
        sigs.append(Signature(_b64(s.get("sig"), "signature"), kid if isinstance(kid, str) else ""))
    return Envelope(_b64(doc.get("payload"), "payload"), ptype, tuple(sigs))


def parse_envelope(data: bytes) -> Envelope:
    if len(data) > MAX_ENVELOPE:
        raise VerificationError("DSSE envelope is too large")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested 100k deep
        raise VerificationError("DSSE envelope is not JSON") from None
    return from_dict(doc)


def sign_envelope(payload: bytes, payload_type: str, key: PrivateKey, keyid: str = "") -> Envelope:
    return Envelope(payload, payload_type, (Signature(sign_bytes(key, pae(payload_type, payload)), keyid),))
