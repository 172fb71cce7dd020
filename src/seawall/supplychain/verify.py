"""``verify_image(ref, policy, client) -> VerificationResult``: does this image meet the policy?

Steps, each bounded and each failure a one-line reason:

1. **Resolve** the reference to a manifest digest through the registry (a tag is only a name:
   everything below is about the digest it points to *now*; a pinned ``@sha256`` is checked to
   exist).
2. **Collect** what claims to sign it: the classic ``sha256-<hex>.sig`` tag (simple-signing
   layers), Sigstore bundles among its OCI 1.1 referrers (the referrers API, or the
   ``sha256-<hex>`` fallback tag index — :meth:`RegistryClient.referrers` does both), and the
   classic ``sha256-<hex>.att`` tag (DSSE attestations).
3. **Verify** each cryptographically: the payload must name this digest (simple-signing
   ``docker-manifest-digest``; in-toto ``subject`` digests; a referrer's ``subject``), the
   signature must verify with a policy key, or with the certificate's key after the certificate
   chains to the trust root at the signing time (see :mod:`seawall.supplychain.keyless`); log
   entries present are checked (:func:`seawall.supplychain.bundle.check_tlog_entry`). Only a
   simple-signing payload or an in-toto statement of type ``https://sigstore.dev/cosign/sign/v1``
   counts as an image *signature*: an attestation does not sign the image by itself.
4. **Judge** the verified signatures with the policy's requirement and, when provenance is
   required, the verified SLSA provenance attestations with its builder/source constraints.

Key-based signatures need no transparency log. Registry failures give ``checked=False``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from seawall.errors import SeawallError, SourceError, VerificationError
from seawall.sources.image.blobs import digest_bytes
from seawall.sources.image.model import Descriptor
from seawall.sources.image.reference import Reference, parse_reference
from seawall.sources.image.registry import RegistryClient
from seawall.supplychain import dsse, intoto
from seawall.supplychain.bundle import BUNDLE_MEDIA_TYPES, Bundle, TlogEntry, check_tlog_entry, parse_bundle
from seawall.supplychain.keyless import identity_of, verify_certificate
from seawall.supplychain.keys import PublicKey, key_id, verify_bytes, verify_digest
from seawall.supplychain.policy import ImagePolicy, VerifiedSignature
from seawall.supplychain.simplesigning import (
    BUNDLE_ANNOTATION,
    CERTIFICATE_ANNOTATION,
    CHAIN_ANNOTATION,
    DSSE_MT,
    SIGNATURE_ANNOTATION,
    SIMPLESIGNING_MT,
    parse_payload,
    signature_tag,
)

MAX_BLOB = 4 * 1024 * 1024
MAX_ARTIFACTS = 64


@dataclass(frozen=True, slots=True)
class VerifiedAttestation:
    signature: VerifiedSignature
    statement: intoto.Statement
    provenance: intoto.Provenance | None = None


@dataclass(slots=True)
class VerificationResult:
    """The verdict on one image. ``reason`` is always one line, for humans and findings alike."""

    reference: str
    digest: str = ""
    ok: bool = False
    checked: bool = True  # False: the registry could not be asked (see reason)
    reason: str = ""
    provenance_ok: bool | None = None  # None when no provenance was required
    signatures: list[VerifiedSignature] = field(default_factory=list)
    attestations: list[VerifiedAttestation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why candidate signatures were rejected
    notes: list[str] = field(default_factory=list)


class _Signed:
    """One candidate: something signed, how to check the signature with a key, and its material."""

    def __init__(
        self,
        where: str,
        check: Callable[[PublicKey], bool],
        *,
        certs: tuple[x509.Certificate, ...] = (),
        bundle: Bundle | None = None,
        tlog: tuple[TlogEntry, ...] = (),
        hint: str = "",
    ) -> None:
        self.where = where
        self.check = check
        self.certs = certs
        self.bundle = bundle
        self.tlog = tlog
        self.hint = hint


def _read_blob(client: RegistryClient, repo: str, desc: Descriptor) -> bytes:
    if desc.size > MAX_BLOB:
        raise VerificationError(f"blob {desc.digest[:19]} is {desc.size} bytes (limit {MAX_BLOB})")
    resp = client.open_blob(repo, desc)
    try:
        data = resp.read(MAX_BLOB + 1)
    finally:
        resp.close()
    if len(data) > MAX_BLOB:
        raise VerificationError(f"blob {desc.digest[:19]} is over {MAX_BLOB} bytes")
    algo = desc.digest.split(":", 1)[0]
    if digest_bytes(data, algo) != desc.digest:
        raise VerificationError(f"blob {desc.digest[:19]} does not match its digest (tampered in the registry)")
    return data


def _layers(manifest: dict[str, Any], subject: str) -> list[Descriptor]:
    layers = manifest.get("layers")
    if not isinstance(layers, list):
        return []
    return [Descriptor.from_json(d, subject) for d in layers[:MAX_ARTIFACTS]]


def _pem_certs(text: str) -> tuple[x509.Certificate, ...]:
    try:
        return tuple(x509.load_pem_x509_certificates(text.encode()))
    except ValueError:
        raise VerificationError("certificate annotation is not valid PEM") from None


def _simple_check(sig: bytes, payload: bytes) -> Callable[[PublicKey], bool]:
    return lambda k: verify_bytes(k, sig, payload)


def _digest_check(sig: bytes, digest: bytes) -> Callable[[PublicKey], bool]:
    return lambda k: verify_digest(k, sig, digest)


def _legacy_bundle(text: str) -> tuple[TlogEntry, ...]:
    """cosign's ``dev.sigstore.cosign/bundle`` annotation: a Rekor SET and the entry it covers."""
    try:
        doc = json.loads(text)
        payload = doc["Payload"]
        entry = TlogEntry(
            log_index=int(payload["logIndex"]),
            log_id=bytes.fromhex(str(payload["logID"])),
            kind="",
            version="",
            integrated_time=int(payload["integratedTime"]),
            body=base64.b64decode(payload["body"]),
            signed_entry_timestamp=base64.b64decode(doc["SignedEntryTimestamp"]),
        )
    except (ValueError, KeyError, TypeError, binascii.Error, RecursionError):
        raise VerificationError("bundle annotation is not a Rekor bundle") from None
    return (entry,)


class _Verifier:
    def __init__(self, ref: Reference, policy: ImagePolicy, client: RegistryClient, now: dt.datetime) -> None:
        self.ref = ref
        self.repo = ref.repository
        self.policy = policy
        self.client = client
        self.now = now
        self.result = VerificationResult(str(ref))

    # -- collection -------------------------------------------------------------------------------
    def classic(self, digest: str, suffix: str, media_type: str) -> Iterator[tuple[Descriptor, bytes]]:
        """Layers of ``media_type`` under the ``sha256-<hex>.<suffix>`` tag, one blob in memory at a time."""
        tag = signature_tag(digest, suffix)
        if self.client.head_manifest(self.repo, tag) is None:
            return
        m = self.client.get_manifest(self.repo, tag)
        for d in _layers(m.json(), f"{self.ref.name}:{tag}"):
            if d.media_type != media_type:
                continue
            try:
                data = _read_blob(self.client, self.repo, d)
            except VerificationError as err:
                self.result.problems.append(f"{tag}: {err}")
                continue
            yield d, data

    def referrer_bundles(self, digest: str) -> list[tuple[str, Bundle]]:
        out: list[tuple[str, Bundle]] = []
        for d in self.client.referrers(self.repo, digest)[:MAX_ARTIFACTS]:
            if d.artifact_type and d.artifact_type not in BUNDLE_MEDIA_TYPES:
                continue
            where = f"bundle referrer {d.digest[7:19]}"
            try:
                m = self.client.get_manifest(self.repo, d.digest).json()
                subj = m.get("subject")
                if not isinstance(subj, dict) or subj.get("digest") != digest:
                    raise VerificationError("referrer's subject is not this image")
                for layer in _layers(m, f"{self.ref.name}@{d.digest}"):
                    if layer.media_type in BUNDLE_MEDIA_TYPES:
                        out.append((where, parse_bundle(_read_blob(self.client, self.repo, layer))))
            except (VerificationError, SourceError) as err:
                self.result.problems.append(f"{where}: {err}")
        return out

    # -- cryptography -----------------------------------------------------------------------------
    def verify(self, cand: _Signed) -> VerifiedSignature:
        """Verify one candidate with the certificate (keyless) or the policy keys; else raise."""
        if cand.certs:
            leaf = cand.certs[0]
            key = leaf.public_key()
            if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
                raise VerificationError(f"unsupported certificate key type {type(key).__name__}")
            if not cand.check(key):
                raise VerificationError("signature does not verify with its certificate's key (tampered payload)")
            signed_at, logged = self.signing_time(cand)
            verify_certificate(leaf, cand.certs[1:], self.policy.trust_root, signed_at)
            return VerifiedSignature(
                cand.where,
                key_id(key),
                certificate=leaf,
                identity=identity_of(leaf),
                signed_at=signed_at,
                logged=logged,
            )
        if not self.policy.keys:
            raise VerificationError("key-based signature, but the policy names no keys")
        for kr in self.policy.keys:
            if cand.check(kr.key):
                _, logged = self.signing_time(cand) if cand.tlog else (None, False)
                return VerifiedSignature(cand.where, kr.key_id, kr.label, logged=logged)
        labels = ", ".join(k.label or k.key_id[:12] for k in self.policy.keys)
        raise VerificationError(f"signature does not verify with key {labels} (wrong key or modified payload)")

    def signing_time(self, cand: _Signed) -> tuple[dt.datetime, bool]:
        """The integrated time of a verified log entry about this signature, else now."""
        bundle = cand.bundle
        for entry in cand.tlog:
            if bundle is None:
                continue
            res = check_tlog_entry(entry, bundle, self.policy.trust_root.log_keys)
            self.result.notes.extend(res.notes)
            if res.verified:
                return dt.datetime.fromtimestamp(entry.integrated_time, dt.UTC), True
        return self.now, False

    # -- the whole check --------------------------------------------------------------------------
    def run(self) -> VerificationResult:
        r = self.result
        if self.ref.digest:
            if self.client.head_manifest(self.repo, self.ref.digest) is None:
                raise VerificationError(f"image {self.ref.digest} not found in {self.ref.name}")
            digest = self.ref.digest
        else:
            desc = self.client.head_manifest(self.repo, self.ref.tag)
            if desc is None:
                raise VerificationError(f"tag {self.ref.tag} not found in {self.ref.name}")
            digest = desc.digest
        r.digest = digest
        sigs: list[VerifiedSignature] = []
        atts: list[VerifiedAttestation] = []
        # classic simple-signing signatures
        for n, (d, data) in enumerate(self.classic(digest, "sig", SIMPLESIGNING_MT)):
            where = f"classic signature .sig layer {n + 1}"
            try:
                payload = parse_payload(data)
                if payload.digest != digest:
                    raise VerificationError(f"payload is for {payload.digest[:19]}…, not this image ({digest[:19]}…)")
                sig = base64.b64decode(d.annotations.get(SIGNATURE_ANNOTATION, ""), validate=True)
                if not sig:
                    raise VerificationError("layer has no signature annotation")
                certs: tuple[x509.Certificate, ...] = ()
                tlog: tuple[TlogEntry, ...] = ()
                pseudo = None
                if CERTIFICATE_ANNOTATION in d.annotations:
                    certs = _pem_certs(d.annotations[CERTIFICATE_ANNOTATION])
                    certs += _pem_certs(d.annotations.get(CHAIN_ANNOTATION, ""))
                    if BUNDLE_ANNOTATION in d.annotations:
                        tlog = _legacy_bundle(d.annotations[BUNDLE_ANNOTATION])
                        pseudo = Bundle("", message_digest=bytes.fromhex(digest_bytes(data)[7:]), message_signature=sig)
                tlog = tuple(
                    TlogEntry(
                        e.log_index,
                        e.log_id,
                        "hashedrekord",
                        "0.0.1",
                        e.integrated_time,
                        e.body,
                        e.signed_entry_timestamp,
                    )
                    for e in tlog
                )
                cand = _Signed(where, _simple_check(sig, data), certs=certs, bundle=pseudo, tlog=tlog)
                sigs.append(self.verify(cand))
            except (VerificationError, binascii.Error, ValueError) as err:
                r.problems.append(f"{where}: {err}")
        # Sigstore bundles (OCI referrers or the fallback tag)
        for where, b in self.referrer_bundles(digest):
            try:
                self.bundle(where, b, digest, sigs, atts)
            except VerificationError as err:
                r.problems.append(f"{where}: {err}")
        # classic attestations (only read when provenance is required: they never sign the image)
        atts_tagged = self.classic(digest, "att", DSSE_MT) if self.policy.provenance is not None else iter(())
        for n, (d, data) in enumerate(atts_tagged):
            where = f"classic attestation .att layer {n + 1}"
            try:
                env = dsse.parse_envelope(data)
                st = intoto.parse_statement(env.payload)
                if not st.names_digest(digest):
                    raise VerificationError("statement subject does not name this image's digest")
                certs = ()
                if CERTIFICATE_ANNOTATION in d.annotations:
                    certs = _pem_certs(d.annotations[CERTIFICATE_ANNOTATION])
                vs = self.verify(_Signed(where, env.verify, certs=certs))
                atts.append(self._attestation(vs, st))
            except VerificationError as err:
                r.problems.append(f"{where}: {err}")
        r.signatures, r.attestations = sigs, atts
        self.judge()
        return r

    def bundle(
        self, where: str, b: Bundle, digest: str, sigs: list[VerifiedSignature], atts: list[VerifiedAttestation]
    ) -> None:
        if b.envelope is not None:
            env = b.envelope
            st = intoto.parse_statement(env.payload) if env.payload_type == dsse.INTOTO_PAYLOAD_TYPE else None
            if st is None:
                raise VerificationError(f"DSSE payload type {env.payload_type[:60]!r} is not in-toto")
            if not st.names_digest(digest):
                raise VerificationError("statement subject does not name this image's digest")
            vs = self.verify(_Signed(where, env.verify, certs=b.certificates, bundle=b, tlog=b.tlog_entries))
            if st.predicate_type == intoto.COSIGN_SIGN_V1:
                sigs.append(vs)
            else:
                atts.append(self._attestation(vs, st))
            return
        if b.message_digest != bytes.fromhex(digest.split(":", 1)[1]):
            raise VerificationError("message signature is not over this image's digest")
        sigs.append(
            self.verify(
                _Signed(
                    where,
                    _digest_check(b.message_signature, b.message_digest),
                    certs=b.certificates,
                    bundle=b,
                    tlog=b.tlog_entries,
                )
            )
        )

    @staticmethod
    def _attestation(vs: VerifiedSignature, st: intoto.Statement) -> VerifiedAttestation:
        prov = intoto.provenance_facts(st) if st.predicate_type in intoto.PROVENANCE_TYPES else None
        return VerifiedAttestation(vs, st, prov)

    def judge(self) -> None:
        r, pol = self.result, self.policy
        short = r.digest[:19] + "…"
        detail = f" ({r.problems[0]})" if r.problems else ""
        if pol.signers is not None:
            why = pol.signers.check(r.signatures)
            if why:
                if not r.signatures and not r.problems:
                    why = f"no signatures found for {short}"
                    if r.attestations:
                        why += f" (only {len(r.attestations)} attestation(s), which do not sign the image)"
                r.ok, r.reason = False, f"{why}{detail}"
                return
        signed = "; ".join(s.describe() for s in r.signatures[:3]) or "no signature required"
        if pol.provenance is not None:
            provs = [a for a in r.attestations if a.provenance is not None]
            if pol.signers is not None:
                provs = [a for a in provs if _accepted_by(pol.signers, a.signature)]
            if not provs:
                r.ok, r.provenance_ok = False, False
                r.reason = f"signed, but no verified SLSA provenance attestation for {short}{detail}"
                return
            reasons = [pol.provenance.mismatch(a.provenance) for a in provs if a.provenance is not None]
            if all(reasons):
                r.ok, r.provenance_ok, r.reason = False, False, reasons[0]
                return
            r.provenance_ok = True
            signed += "; provenance verified"
        r.ok = True
        r.reason = f"verified {short}: {signed}"


def _accepted_by(req: Any, sig: VerifiedSignature) -> bool:
    """Is ``sig`` by one of the signers ``req`` names (for attestations: one accepted signer suffices)?"""
    children = getattr(req, "children", None)
    if children is not None:
        return any(_accepted_by(c, sig) for c in children)
    return not req.check([sig])


def verify_image(
    ref: Reference | str, policy: ImagePolicy, client: RegistryClient, *, now: dt.datetime | None = None
) -> VerificationResult:
    """Verify one image against ``policy`` through ``client`` (see the module docstring)."""
    reference = parse_reference(ref) if isinstance(ref, str) else ref
    v = _Verifier(reference, policy, client, now or dt.datetime.now(dt.UTC))
    try:
        return v.run()
    except VerificationError as err:
        v.result.ok, v.result.reason = False, str(err)
        return v.result
    except SeawallError as err:
        v.result.ok, v.result.checked = False, False
        v.result.reason = f"cannot check signatures: {err}"
        return v.result
