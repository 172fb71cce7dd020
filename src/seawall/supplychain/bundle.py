"""Sigstore bundles (v0.1-v0.3 JSON) and the transparency-log evidence they carry.

A bundle holds one signed thing — a DSSE envelope (cosign 3 image signatures and attestations)
or a ``messageSignature`` (digest + signature, e.g. ``cosign sign-blob``) — plus
``verificationMaterial``: a ``publicKey`` hint (key-based), a leaf ``certificate`` (v0.3) or an
``x509CertificateChain`` (v0.1/v0.2), and ``tlogEntries``.

A log entry is only evidence if it is checked, so :func:`check_tlog_entry` verifies what is
present and says what it verified:

* the **signed entry timestamp** (inclusion promise): the log's signature over the canonical JSON
  ``{"body","integratedTime","logID","logIndex"}``, with the log's key found by ``logId``;
* the **inclusion proof**: the RFC 6962 Merkle audit path from ``SHA256(0x00 || body)`` to the
  proof's root hash, and the **checkpoint** (a signed note ``origin / size / root``) whose
  signature, tree size and root must agree;
* the **binding**: the canonicalized body (``hashedrekord`` or ``dsse`` 0.0.1) must name this
  bundle's signature and digest; an entry about something else proves nothing.

The verified ``integratedTime`` is what keyless verification checks certificate validity at.
Cosign attaches a bundle to an image as an OCI 1.1 referrer (see :mod:`seawall.supplychain.attach`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from seawall.errors import VerificationError
from seawall.supplychain import dsse
from seawall.supplychain.keys import PublicKey, key_id, verify_bytes

BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
BUNDLE_MEDIA_TYPES = frozenset(
    {
        BUNDLE_V03,
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
    }
)
MAX_BUNDLE = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class InclusionProof:
    log_index: int
    tree_size: int
    root_hash: bytes
    hashes: tuple[bytes, ...]
    checkpoint: str = ""


@dataclass(frozen=True, slots=True)
class TlogEntry:
    log_index: int
    log_id: bytes
    kind: str
    version: str
    integrated_time: int
    body: bytes
    signed_entry_timestamp: bytes = b""
    proof: InclusionProof | None = None


@dataclass(frozen=True, slots=True)
class Bundle:
    media_type: str
    envelope: dsse.Envelope | None = None
    message_digest: bytes = b""
    message_signature: bytes = b""
    public_key_hint: str = ""
    certificates: tuple[x509.Certificate, ...] = ()
    tlog_entries: tuple[TlogEntry, ...] = ()

    @property
    def signature(self) -> bytes:
        if self.envelope is not None:
            return self.envelope.signatures[0].sig
        return self.message_signature


# ---- parsing ------------------------------------------------------------------------------------
def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise VerificationError(f"bundle: {what} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError(f"bundle: {what} is not base64") from None


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise VerificationError(f"bundle: {what} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:  # '²' isdigit()
        return int(value)
    raise VerificationError(f"bundle: {what} is not an integer")


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _cert(raw: Any) -> x509.Certificate:
    der = _b64(_d(raw).get("rawBytes"), "certificate rawBytes")
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise VerificationError("bundle: certificate is not valid DER") from None


def _tlog(doc: dict[str, Any]) -> TlogEntry:
    kv = _d(doc.get("kindVersion"))
    promise = _d(doc.get("inclusionPromise"))
    proof_doc = doc.get("inclusionProof")
    proof = None
    if isinstance(proof_doc, dict):
        hashes = proof_doc.get("hashes")
        proof = InclusionProof(
            _int(proof_doc.get("logIndex"), "inclusionProof.logIndex"),
            _int(proof_doc.get("treeSize"), "inclusionProof.treeSize"),
            _b64(proof_doc.get("rootHash"), "inclusionProof.rootHash"),
            tuple(_b64(h, "inclusionProof hash") for h in (hashes if isinstance(hashes, list) else [])[:128]),
            str(_d(proof_doc.get("checkpoint")).get("envelope") or ""),
        )
    return TlogEntry(
        log_index=_int(doc.get("logIndex"), "tlogEntries.logIndex"),
        log_id=_b64(_d(doc.get("logId")).get("keyId"), "tlogEntries.logId.keyId"),
        kind=str(kv.get("kind") or ""),
        version=str(kv.get("version") or ""),
        integrated_time=_int(doc.get("integratedTime"), "tlogEntries.integratedTime"),
        body=_b64(doc.get("canonicalizedBody"), "tlogEntries.canonicalizedBody"),
        signed_entry_timestamp=_b64(promise["signedEntryTimestamp"], "signedEntryTimestamp")
        if isinstance(promise.get("signedEntryTimestamp"), str)
        else b"",
        proof=proof,
    )


def parse_bundle(data: bytes) -> Bundle:
    """Parse a bundle JSON document; every structural problem is a one-line VerificationError."""
    if len(data) > MAX_BUNDLE:
        raise VerificationError("bundle is too large")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested 100k deep
        raise VerificationError("bundle is not JSON") from None
    if not isinstance(doc, dict):
        raise VerificationError("bundle is not a JSON object")
    mt = doc.get("mediaType")
    if not isinstance(mt, str) or mt not in BUNDLE_MEDIA_TYPES:  # a list/dict is unhashable
        raise VerificationError(f"unsupported bundle mediaType {str(mt)[:80]!r}")
    vm = _d(doc.get("verificationMaterial"))
    certs: list[x509.Certificate] = []
    if "certificate" in vm:
        certs.append(_cert(vm["certificate"]))
    elif "x509CertificateChain" in vm:
        chain = _d(vm["x509CertificateChain"]).get("certificates")
        certs.extend(_cert(c) for c in (chain if isinstance(chain, list) else [])[:10])
        if not certs:
            raise VerificationError("bundle: x509CertificateChain is empty")
    hint = str(_d(vm.get("publicKey")).get("hint") or "")
    entries = vm.get("tlogEntries")
    tlog = tuple(_tlog(_d(e)) for e in (entries if isinstance(entries, list) else [])[:16])
    if "dsseEnvelope" in doc:
        env = dsse.from_dict(doc["dsseEnvelope"])
        return Bundle(str(mt), envelope=env, public_key_hint=hint, certificates=tuple(certs), tlog_entries=tlog)
    ms = doc.get("messageSignature")
    if isinstance(ms, dict):
        md = _d(ms.get("messageDigest"))
        if md.get("algorithm") not in ("SHA2_256", None):
            raise VerificationError(f"bundle: unsupported digest algorithm {str(md.get('algorithm'))[:30]!r}")
        return Bundle(
            str(mt),
            message_digest=_b64(md.get("digest"), "messageDigest.digest"),
            message_signature=_b64(ms.get("signature"), "messageSignature.signature"),
            public_key_hint=hint,
            certificates=tuple(certs),
            tlog_entries=tlog,
        )
    raise VerificationError("bundle has neither dsseEnvelope nor messageSignature")


# ---- building (seawall sign --bundle / attest) ----------------------------------------------------
def _tlog_json(e: TlogEntry) -> dict[str, Any]:
    out: dict[str, Any] = {
        "logIndex": str(e.log_index),
        "logId": {"keyId": base64.b64encode(e.log_id).decode()},
        "kindVersion": {"kind": e.kind, "version": e.version},
        "integratedTime": str(e.integrated_time),
        "canonicalizedBody": base64.b64encode(e.body).decode(),
    }
    if e.signed_entry_timestamp:
        out["inclusionPromise"] = {"signedEntryTimestamp": base64.b64encode(e.signed_entry_timestamp).decode()}
    if e.proof is not None:
        out["inclusionProof"] = {
            "logIndex": str(e.proof.log_index),
            "rootHash": base64.b64encode(e.proof.root_hash).decode(),
            "treeSize": str(e.proof.tree_size),
            "hashes": [base64.b64encode(h).decode() for h in e.proof.hashes],
            "checkpoint": {"envelope": e.proof.checkpoint},
        }
    return out


def make_bundle(
    envelope: dsse.Envelope | None = None,
    *,
    message_digest: bytes = b"",
    message_signature: bytes = b"",
    public_key: PublicKey | None = None,
    certificate: x509.Certificate | None = None,
    tlog_entries: Sequence[TlogEntry] = (),
) -> bytes:
    """A v0.3 bundle: key-based (``publicKey.hint`` = our key id) or with a leaf certificate."""
    vm: dict[str, Any] = {}
    if certificate is not None:
        vm["certificate"] = {
            "rawBytes": base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
        }
    elif public_key is not None:
        vm["publicKey"] = {"hint": base64.b64encode(bytes.fromhex(key_id(public_key))).decode()}
    vm["tlogEntries"] = [_tlog_json(e) for e in tlog_entries]
    doc: dict[str, Any] = {"mediaType": BUNDLE_V03, "verificationMaterial": vm}
    if envelope is not None:
        doc["dsseEnvelope"] = envelope.to_dict()
    else:
        doc["messageSignature"] = {
            "messageDigest": {"algorithm": "SHA2_256", "digest": base64.b64encode(message_digest).decode()},
            "signature": base64.b64encode(message_signature).decode(),
        }
    return json.dumps(doc, separators=(",", ":")).encode()


# ---- transparency log checks --------------------------------------------------------------------
def log_id_of(key: PublicKey) -> bytes:
    """Rekor's log id: SHA-256 of the log key's DER SubjectPublicKeyInfo."""
    return bytes.fromhex(key_id(key))


def set_payload(entry: TlogEntry) -> bytes:
    """The canonical JSON the signed entry timestamp covers (RFC 8785: sorted, compact)."""
    doc = {
        "body": base64.b64encode(entry.body).decode(),
        "integratedTime": entry.integrated_time,
        "logID": entry.log_id.hex(),
        "logIndex": entry.log_index,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def leaf_hash(body: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + body).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does the audit path lead from ``leaf`` at ``index`` to ``root``?"""
    if index < 0 or index >= size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: bytes  # the signed note body
    signatures: tuple[tuple[str, bytes], ...]  # (name, key hint + signature)


def parse_checkpoint(envelope: str) -> Checkpoint:
    body, sep, sigs = envelope.partition("\n\n")
    if not sep:
        raise VerificationError("checkpoint is not a signed note (no blank line)")
    lines = body.split("\n")
    if len(lines) < 3 or not (lines[1].isascii() and lines[1].isdigit() and len(lines[1]) < 20):
        raise VerificationError("checkpoint has no origin / tree size / root hash lines")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError("checkpoint root hash is not base64") from None
    out: list[tuple[str, bytes]] = []
    for line in sigs.split("\n"):
        if not line.startswith("\u2014 "):
            continue
        parts = line[2:].split(" ")
        if len(parts) == 2:
            try:
                out.append((parts[0], base64.b64decode(parts[1], validate=True)))
            except (binascii.Error, ValueError):
                continue
    return Checkpoint(lines[0], int(lines[1]), root, (body + "\n").encode(), tuple(out))


def key_hint(key: PublicKey) -> bytes:
    """The 4-byte key hint of a signed-note signature from a Rekor ECDSA key."""
    return log_id_of(key)[:4]


def _binding_error(entry: TlogEntry, bundle: Bundle) -> str:
    """'' if the entry's body is about this bundle's signature, else why not."""
    try:
        body = json.loads(entry.body)
    except (ValueError, RecursionError):  # RecursionError: nested 100k deep
        return "log entry body is not JSON"
    spec = _d(_d(body).get("spec"))
    kind = _d(body).get("kind")
    sig = bundle.signature
    if kind == "hashedrekord":
        value = str(_d(_d(spec.get("data")).get("hash")).get("value") or "")
        content = str(_d(spec.get("signature")).get("content") or "")
        if bundle.envelope is not None:
            return "hashedrekord log entry for a DSSE bundle"
        if value.lower() != bundle.message_digest.hex():
            return "log entry is for a different artifact digest"
        if content != base64.b64encode(sig).decode():
            return "log entry records a different signature"
        return ""
    if kind == "dsse":
        if bundle.envelope is None:
            return "dsse log entry for a message-signature bundle"
        payload_hash = str(_d(spec.get("payloadHash")).get("value") or "")
        if payload_hash.lower() != hashlib.sha256(bundle.envelope.payload).hexdigest():
            return "log entry is for a different DSSE payload"
        recorded = [str(_d(s).get("signature") or "") for s in spec.get("signatures") or [] if isinstance(s, dict)]
        if base64.b64encode(sig).decode() not in recorded:
            return "log entry records a different signature"
        return ""
    return f"log entry kind {str(kind)[:30]!r} is not checked"


@dataclass(frozen=True, slots=True)
class TlogResult:
    """What was verified about one log entry (``verified`` = usable as signing-time evidence)."""

    integrated_time: int
    set_verified: bool = False
    proof_verified: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def verified(self) -> bool:
        return self.set_verified or self.proof_verified


def check_tlog_entry(entry: TlogEntry, bundle: Bundle, log_keys: Mapping[bytes, PublicKey]) -> TlogResult:
    """Verify an entry's SET, inclusion proof, checkpoint and binding.

    Raises VerificationError when something present is wrong (a forged SET, a proof that does not
    reach its root, a body about another signature). Returns an unverified result with a note when
    the log's key is unknown (nothing could be checked; the caller decides whether that matters).
    """
    key = log_keys.get(entry.log_id)
    if key is None:
        return TlogResult(
            entry.integrated_time, notes=(f"log entry not checked: unknown log id {entry.log_id.hex()[:16]}",)
        )
    why = _binding_error(entry, bundle)
    if why:
        raise VerificationError(why)
    set_ok = proof_ok = False
    if entry.signed_entry_timestamp:
        if not verify_bytes(key, entry.signed_entry_timestamp, set_payload(entry)):
            raise VerificationError("transparency log signed entry timestamp does not verify")
        set_ok = True
    if entry.proof is not None:
        p = entry.proof
        if not verify_inclusion(p.log_index, p.tree_size, leaf_hash(entry.body), p.hashes, p.root_hash):
            raise VerificationError("transparency log inclusion proof does not reach its root hash")
        if not p.checkpoint:
            raise VerificationError("transparency log inclusion proof has no checkpoint")
        cp = parse_checkpoint(p.checkpoint)
        if cp.size != p.tree_size or cp.root != p.root_hash:
            raise VerificationError("checkpoint does not match the inclusion proof (tree size or root hash)")
        hint = key_hint(key)
        if not any(s[:4] == hint and verify_bytes(key, s[4:], cp.text) for _, s in cp.signatures):
            raise VerificationError("checkpoint signature does not verify with the log key")
        proof_ok = True
    if not set_ok and not proof_ok:
        raise VerificationError("log entry has neither a signed entry timestamp nor an inclusion proof")
    return TlogResult(entry.integrated_time, set_ok, proof_ok)
