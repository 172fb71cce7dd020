"""Byte compatibility with cosign and Rekor, proven on a real, publicly posted cosign signature.

The vector is the classic signature of ``ghcr.io/freedomofpress/dangerzone/v1@sha256:7396780b…``
(published in the Dangerzone project's write-up of its signing process): the payload digest is
the ``.sig`` layer digest, the signature is its ``dev.cosignproject.cosign/signature``
annotation, the signer's public key and the Rekor SET come from its ``dev.sigstore.cosign/bundle``
annotation, and Rekor's public-good log key is the one whose SHA-256 is the entry's ``logID``.
"""

from __future__ import annotations

import base64
import hashlib
import json

from seawall.supplychain.bundle import Bundle, TlogEntry, check_tlog_entry, log_id_of, set_payload
from seawall.supplychain.keys import load_public_key, verify_bytes
from seawall.supplychain.simplesigning import make_payload, parse_payload

IMAGE = "ghcr.io/freedomofpress/dangerzone/v1"
DIGEST = "sha256:7396780b5862cf8b37527854a2a2331e5c746b6a71aa1f424258c3bfaf3a1bd7"
LAYER_DIGEST = "88b8a2ac5b829f47bd25a5a4d9c2ccb0fccff7f53a17477b6d9b5680436aa80f"
SIGNATURE = "MEQCIAQScnT03MVfmxjYyW5qAmvQ6TSoukPuw0HmSVlMBwYEAiAzGb76cvDb4CHJ+H6tD00bW1Sh1CK6opaRmI2ist4p2A=="
SET = "MEYCIQCsAt/PgYO2WFKoQX/P42vXCWJVUEgqRLXZ0BlrKwY40QIhAOTu/oE7jDtL8XP4PiZJhJ3nSlW3yXUp5ErSmjedzdCv"
LOG_ID = "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d"
BODY = (
    "eyJhcGlWZXJzaW9uIjoiMC4wLjEiLCJraW5kIjoiaGFzaGVkcmVrb3JkIiwic3BlYyI6eyJkYXRhIjp7Imhhc2giOnsiYWxnb3JpdGhtIjoic2hh"
    "MjU2IiwidmFsdWUiOiI4OGI4YTJhYzViODI5ZjQ3YmQyNWE1YTRkOWMyY2NiMGZjY2ZmN2Y1M2ExNzQ3N2I2ZDliNTY4MDQzNmFhODBmIn19LCJz"
    "aWduYXR1cmUiOnsiY29udGVudCI6Ik1FUUNJQVFTY25UMDNNVmZteGpZeVc1cUFtdlE2VFNvdWtQdXcwSG1TVmxNQndZRUFpQXpHYjc2Y3ZEYjRD"
    "SEorSDZ0RDAwYlcxU2gxQ0s2b3BhUm1JMmlzdDRwMkE9PSIsInB1YmxpY0tleSI6eyJjb250ZW50IjoiTFMwdExTMUNSVWRKVGlCUVZVSk1TVU1n"
    "UzBWWkxTMHRMUzBLVFVacmQwVjNXVWhMYjFwSmVtb3dRMEZSV1VsTGIxcEplbW93UkVGUlkwUlJaMEZGTTBOVmJHNTNhRGd5TlZvMWQxRkJTbFky"
    "VkdWclJXazJZa05MTWdwWmRrRm5OMEVyWVdWbGNrMDFhSFpqTkVORFEwcEdRbUZsTlVGcWJuTnFSMGgyTkZZdk0zaDZjM05qYXpabE5URlhLMkl3"
    "YWxVMGNWWjNQVDBLTFMwdExTMUZUa1FnVUZWQ1RFbERJRXRGV1MwdExTMHRDZz09In19fX0="
)
REKOR_PUBLIC_GOOD = b"""-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwr
kBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==
-----END PUBLIC KEY-----
"""


def test_simple_signing_payload_is_byte_identical_to_cosign() -> None:
    payload = make_payload(IMAGE, DIGEST)
    assert len(payload) == 252  # the layer size cosign pushed
    assert hashlib.sha256(payload).hexdigest() == LAYER_DIGEST
    parsed = parse_payload(payload)
    assert parsed.digest == DIGEST and parsed.docker_reference == IMAGE


def test_cosign_signature_verifies_over_our_payload() -> None:
    body = json.loads(base64.b64decode(BODY))
    signer = load_public_key(base64.b64decode(body["spec"]["signature"]["publicKey"]["content"]))
    payload = make_payload(IMAGE, DIGEST)
    assert verify_bytes(signer, base64.b64decode(SIGNATURE), payload)
    assert not verify_bytes(signer, base64.b64decode(SIGNATURE), payload.replace(b"v1", b"v2"))


def test_rekor_set_canonical_form_matches_rekor() -> None:
    rekor = load_public_key(REKOR_PUBLIC_GOOD)
    assert log_id_of(rekor).hex() == LOG_ID
    entry = TlogEntry(
        929816779,
        bytes.fromhex(LOG_ID),
        "hashedrekord",
        "0.0.1",
        1770622892,
        base64.b64decode(BODY),
        base64.b64decode(SET),
    )
    assert verify_bytes(rekor, entry.signed_entry_timestamp, set_payload(entry))
    # the full check: SET + binding of the hashedrekord body to this payload digest and signature
    bundle = Bundle("", message_digest=bytes.fromhex(LAYER_DIGEST), message_signature=base64.b64decode(SIGNATURE))
    res = check_tlog_entry(entry, bundle, {entry.log_id: rekor})
    assert res.set_verified and res.integrated_time == 1770622892
    moved = TlogEntry(929816779, entry.log_id, "", "", 1770622893, entry.body, entry.signed_entry_timestamp)
    import pytest

    from seawall.errors import VerificationError

    with pytest.raises(VerificationError, match="signed entry timestamp"):
        check_tlog_entry(moved, bundle, {entry.log_id: rekor})
