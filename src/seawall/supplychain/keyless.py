"""Keyless (Fulcio certificate) verification, offline, against a trust root given as a file.

Why not the ``sigstore`` package (sigstore-python): its ``Verifier`` does accept a custom
``TrustedRoot`` and, built from a trusted-root file (or ``Verifier.production(offline=True)``,
which uses the root cached by TUF without refreshing it), verifies without network. But it
requires (1) an embedded precertificate SCT on every signing certificate, verified against the
root's CT log keys; (2) a transparency-log entry with an inclusion promise or an RFC 3161
timestamp; and it verifies Fulcio certificates only — no key-based bundles. Seawall must verify
key-based signatures made offline (no log), and operator-supplied roots without a CT log, with a
much smaller dependency tree (sigstore-python pulls pydantic, protobuf specs, pyOpenSSL,
rfc3161-client, tuf). These steps are therefore implemented here with ``cryptography``.

What IS verified (:func:`verify_certificate`, :func:`identity_of`, and the log checks in
:mod:`seawall.supplychain.bundle`):

* the leaf chains to a CA certificate of the trust root: each certificate is signed by the next
  (``verify_directly_issued_by``), every issuer is a CA (basicConstraints), the chain ends at a
  certificate of the trust root (byte-equal), and the CA's ``validFor`` window covers the time;
* every certificate of the chain is valid at the *signing time*: the ``integratedTime`` of a
  transparency-log entry whose SET or inclusion proof verified against a log key of the trust
  root and whose body names this signature; without such an entry, the current time (so an
  expired short-lived certificate fails, as it should);
* the leaf has the ``digitalSignature`` key usage and, if it has an EKU, ``codeSigning``;
* when the trust root lists CT logs (``ctlogs``, as the public-good root does), an embedded
  precertificate SCT verifies with one of their keys (RFC 6962 §3.2 over the leaf's
  TBSCertificate without the SCT extension and the issuer's key hash);
* identity: the Subject Alternative Name (email, URI) and the OIDC issuer extension
  (1.3.6.1.4.1.57264.1.8, or the legacy 1.3.6.1.4.1.57264.1.1) match the policy, exactly or by
  regular expression (RE2 search, unanchored like cosign's Go ``MatchString``: anchor it);
* the signature itself (DSSE PAE or simple-signing payload) with the leaf's public key.

What is NOT verified: SCTs when the trust root has no CT log keys (a private CA without CT),
RFC 3161 timestamps (a bundle whose only time evidence is a TSA timestamp is checked at the
current time), certificate revocation, and name constraints / certificate policies of the CA.

The trust root format is Sigstore's ``trusted_root.json`` (``certificateAuthorities`` with
``certChain``, ``tlogs`` with ``publicKey.rawBytes`` and ``logId.keyId``), so the public-good
root can be used offline by pointing ``--trusted-root`` at a copy of it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from seawall.errors import InputError, VerificationError
from seawall.supplychain.bundle import log_id_of
from seawall.supplychain.keys import PublicKey, verify_bytes

OIDC_ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
OIDC_ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
SOURCE_REPOSITORY_URI = ObjectIdentifier("1.3.6.1.4.1.57264.1.12")
_MAX_TRUST_ROOT = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CertificateAuthority:
    chain: tuple[x509.Certificate, ...]  # leaf-most first, root last
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class TrustRoot:
    authorities: tuple[CertificateAuthority, ...] = ()
    log_keys: dict[bytes, PublicKey] = field(default_factory=dict)
    #: Certificate Transparency log keys by log id; when present, leaf certificates must carry a
    #: verifying SCT (as Fulcio's public-good certificates do).
    ct_keys: dict[bytes, PublicKey] = field(default_factory=dict)


def _time(v: Any) -> dt.datetime | None:
    if not isinstance(v, str) or not v:
        return None
    try:
        t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def parse_trust_root(data: bytes, *, subject: str = "trusted root") -> TrustRoot:
    """Sigstore ``trusted_root.json``: CAs (``certChain``) and transparency-log keys."""
    if len(data) > _MAX_TRUST_ROOT:
        raise InputError("trusted root is too large", subject=subject)
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: arrays nested 100k deep
        raise InputError("trusted root is not JSON", subject=subject) from None
    if not isinstance(doc, dict):
        raise InputError("trusted root is not a JSON object", subject=subject)
    cas: list[CertificateAuthority] = []
    try:
        for ca in doc.get("certificateAuthorities") or []:
            certs = _d(_d(ca).get("certChain")).get("certificates") or []
            chain = tuple(x509.load_der_x509_certificate(base64.b64decode(_d(c)["rawBytes"])) for c in certs)
            if chain:
                vf = _d(_d(ca).get("validFor"))
                cas.append(CertificateAuthority(chain, _time(vf.get("start")), _time(vf.get("end"))))
        keys = _log_keys(doc.get("tlogs"))
        ct = _log_keys(doc.get("ctlogs"))
    except (KeyError, TypeError, ValueError, binascii.Error) as err:
        raise InputError(f"invalid trusted root ({type(err).__name__})", subject=subject) from None
    return TrustRoot(tuple(cas), keys, ct)


def _log_keys(entries: Any) -> dict[bytes, PublicKey]:
    keys: dict[bytes, PublicKey] = {}
    for tl in entries if isinstance(entries, list) else []:
        raw = base64.b64decode(_d(_d(tl).get("publicKey")).get("rawBytes") or "")
        key = serialization.load_der_public_key(raw)
        if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
            raise ValueError("unsupported log key type")
        kid_b64 = _d(_d(tl).get("logId")).get("keyId")
        keys[base64.b64decode(kid_b64) if isinstance(kid_b64, str) else log_id_of(key)] = key
    return keys


def load_trust_root(path: Path) -> TrustRoot:
    try:  # bounded: /dev/zero (size 0 to stat) was read until 15 GB and the kill
        with path.open("rb") as fh:
            data = fh.read(_MAX_TRUST_ROOT + 1)
    except OSError as err:
        raise InputError(err.strerror or str(err), subject=str(path)) from None
    return parse_trust_root(data, subject=str(path))


def make_trust_root_json(
    ca_chain: Sequence[x509.Certificate],
    log_keys: Sequence[PublicKey],
    *,
    ct_keys: Sequence[PublicKey] = (),
    base_url: str = "https://rekor.invalid",
) -> bytes:
    """A ``trusted_root.json`` for one CA chain, log keys and CT log keys (private deployments, tests)."""
    der = serialization.Encoding.DER

    def logs(keys: Sequence[PublicKey]) -> list[dict[str, Any]]:
        return [
            {
                "baseUrl": base_url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": base64.b64encode(
                        k.public_bytes(der, serialization.PublicFormat.SubjectPublicKeyInfo)
                    ).decode(),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                },
                "logId": {"keyId": base64.b64encode(log_id_of(k)).decode()},
            }
            for k in keys
        ]

    doc = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": logs(log_keys),
        "certificateAuthorities": [
            {
                "certChain": {
                    "certificates": [{"rawBytes": base64.b64encode(c.public_bytes(der)).decode()} for c in ca_chain]
                }
            }
        ],
        "ctlogs": logs(ct_keys),
        "timestampAuthorities": [],
    }
    return json.dumps(doc, indent=2).encode()


# ---- certificates ---------------------------------------------------------------------------------
def _valid_at(cert: x509.Certificate, at: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc


def _fmt(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def verify_certificate(
    leaf: x509.Certificate, intermediates: Sequence[x509.Certificate], root: TrustRoot, at: dt.datetime
) -> x509.Certificate:
    """Chain ``leaf`` to a CA of ``root`` with every certificate valid at ``at``, and check its SCT
    when the root has CT log keys; returns the leaf's issuer, else raises VerificationError."""
    issuer = _chain(leaf, intermediates, root, at)
    if root.ct_keys:
        verify_sct(leaf, issuer, root.ct_keys)
    return issuer


def _chain(
    leaf: x509.Certificate, intermediates: Sequence[x509.Certificate], root: TrustRoot, at: dt.datetime
) -> x509.Certificate:
    if not root.authorities:
        raise VerificationError("no certificate authorities in the trust root (pass --trusted-root)")
    if not _valid_at(leaf, at):
        raise VerificationError(
            f"certificate was not valid at signing time {_fmt(at)} (valid {_fmt(leaf.not_valid_before_utc)} "
            f"to {_fmt(leaf.not_valid_after_utc)})"
        )
    try:
        ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if not ku.digital_signature:
            raise VerificationError("certificate key usage does not allow digital signatures")
    except x509.ExtensionNotFound:
        pass
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if ExtendedKeyUsageOID.CODE_SIGNING not in eku:
            raise VerificationError("certificate is not for code signing (extended key usage)")
    except x509.ExtensionNotFound:
        pass
    last_error = "certificate is not issued by a CA of the trust root"
    for ca in root.authorities:
        if (ca.start and at < ca.start) or (ca.end and at > ca.end):
            continue
        anchors = {c.public_bytes(serialization.Encoding.DER) for c in ca.chain}
        pool = list(intermediates) + list(ca.chain)
        cert = leaf
        first: x509.Certificate | None = None
        for _ in range(8):
            issuer = next((c for c in pool if c.subject == cert.issuer and c is not cert and _issued(cert, c)), None)
            if issuer is None:
                break
            first = first or issuer
            if not _is_ca(issuer):
                last_error = "an issuer in the certificate chain is not a CA"
                break
            if not _valid_at(issuer, at):
                last_error = f"CA certificate {issuer.subject.rfc4514_string()[:60]} was not valid at {_fmt(at)}"
                break
            if issuer.public_bytes(serialization.Encoding.DER) in anchors:
                return first
            cert = issuer
    raise VerificationError(last_error)


def sct_signed_data(leaf: x509.Certificate, issuer: x509.Certificate, timestamp_ms: int, extensions: bytes) -> bytes:
    """RFC 6962 §3.2 ``digitally-signed`` input of a precertificate SCT for ``leaf``."""
    tbs = leaf.tbs_precertificate_bytes
    issuer_key_hash = hashlib.sha256(
        issuer.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ).digest()
    return (
        b"\x00\x00"  # v1, certificate_timestamp
        + timestamp_ms.to_bytes(8, "big")
        + b"\x00\x01"  # precert_entry
        + issuer_key_hash
        + len(tbs).to_bytes(3, "big")
        + tbs
        + len(extensions).to_bytes(2, "big")
        + extensions
    )


def verify_sct(leaf: x509.Certificate, issuer: x509.Certificate, ct_keys: dict[bytes, PublicKey]) -> None:
    """At least one embedded SCT must verify with a CT log key of the trust root."""
    try:
        scts = list(leaf.extensions.get_extension_for_class(x509.PrecertificateSignedCertificateTimestamps).value)
    except x509.ExtensionNotFound:
        raise VerificationError("certificate has no SCT (the trust root requires Certificate Transparency)") from None
    except ValueError:
        raise VerificationError("certificate SCT list is malformed") from None
    epoch = dt.datetime(1970, 1, 1)
    for sct in scts:
        key = ct_keys.get(sct.log_id)
        if key is None:
            continue
        ts = sct.timestamp.replace(tzinfo=None) if sct.timestamp.tzinfo else sct.timestamp
        ms = (ts - epoch) // dt.timedelta(milliseconds=1)
        if verify_bytes(key, sct.signature, sct_signed_data(leaf, issuer, ms, sct.extension_bytes)):
            return
    raise VerificationError("certificate SCT does not verify with a CT log key of the trust root")


def _issued(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, Exception):  # InvalidSignature and unsupported algorithms alike
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


@dataclass(frozen=True, slots=True)
class CertIdentity:
    identities: tuple[str, ...]
    issuer: str
    source_repository: str = ""


def _utf8_ext(cert: x509.Certificate, oid: ObjectIdentifier, der: bool) -> str:
    try:
        raw = cert.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return ""
    data = raw.value if isinstance(raw, x509.UnrecognizedExtension) else b""
    if der:  # a DER UTF8String: tag 0x0c, length, bytes
        if len(data) >= 2 and data[0] == 0x0C:
            n, off = data[1], 2
            if n & 0x80:
                nb = n & 0x7F
                n, off = int.from_bytes(data[2 : 2 + nb], "big"), 2 + nb
            data = data[off : off + n]
        else:
            return ""
    return data.decode("utf-8", "replace")


def identity_of(cert: x509.Certificate) -> CertIdentity:
    """SAN identities (emails, URIs) and the OIDC issuer of a Fulcio-style certificate."""
    ids: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        ids += [str(v) for v in san.get_values_for_type(x509.RFC822Name)]
        ids += [str(v) for v in san.get_values_for_type(x509.UniformResourceIdentifier)]
    except x509.ExtensionNotFound:
        pass
    issuer = _utf8_ext(cert, OIDC_ISSUER_V2, True) or _utf8_ext(cert, OIDC_ISSUER_V1, False)
    return CertIdentity(tuple(ids), issuer, _utf8_ext(cert, SOURCE_REPOSITORY_URI, True))


@functools.lru_cache(maxsize=256)
def _regex(pattern: str) -> Any:
    """``pattern`` compiled with RE2, the engine of cosign's Go ``regexp``: same syntax, and
    linear time. Python's backtracking ``re`` took 3 s (45 s at 30 characters) to test a
    careless ``^(a+)+$`` against a certificate identity of 26 a's and a b, and anyone can get a
    public Fulcio certificate for an identity of their choosing. ValueError if invalid."""
    import re2  # type: ignore[import-untyped]  # google-re2, a dependency of cel-python

    opts = re2.Options()
    opts.log_errors = False  # RE2 would log a parse error to stderr besides raising it
    try:
        return re2.compile(pattern, opts)
    except re2.error as err:
        text = err.args[0] if err.args else err
        raise ValueError(text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)) from None


@dataclass(frozen=True, slots=True)
class IdentityMatcher:
    """``--certificate-identity[-regexp]`` and ``--certificate-oidc-issuer[-regexp]``."""

    identity: str = ""
    identity_regexp: str = ""
    issuer: str = ""
    issuer_regexp: str = ""

    def __post_init__(self) -> None:
        if not (self.identity or self.identity_regexp):
            raise InputError("a keyless identity needs an identity or identity regexp")
        if not (self.issuer or self.issuer_regexp):
            raise InputError("a keyless identity needs an OIDC issuer or issuer regexp")
        for rx in (self.identity_regexp, self.issuer_regexp):
            if rx:
                try:
                    _regex(rx)
                except ValueError as err:
                    raise InputError(f"invalid regular expression {rx[:60]!r} ({err})") from None

    def describe(self) -> str:
        ident = self.identity or f"/{self.identity_regexp}/"
        iss = self.issuer or f"/{self.issuer_regexp}/"
        return f"{ident} (issuer {iss})"

    def mismatch(self, ci: CertIdentity) -> str:
        """'' if the certificate identity matches, else why not (one line)."""
        if self.identity and self.identity not in ci.identities:
            return f"certificate identity {', '.join(ci.identities) or '(none)'} is not {self.identity}"
        if self.identity_regexp and not any(_regex(self.identity_regexp).search(i) for i in ci.identities):
            return (
                f"certificate identity {', '.join(ci.identities) or '(none)'} does not match /{self.identity_regexp}/"
            )
        if self.issuer and ci.issuer != self.issuer:
            return f"certificate OIDC issuer {ci.issuer or '(none)'} is not {self.issuer}"
        if self.issuer_regexp and not _regex(self.issuer_regexp).search(ci.issuer):
            return f"certificate OIDC issuer {ci.issuer or '(none)'} does not match /{self.issuer_regexp}/"
        return ""
