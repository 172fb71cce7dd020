"""Sigstore bundles and transparency-log evidence: SET, inclusion proofs, checkpoints, binding."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from seawall.errors import VerificationError
from seawall.supplychain import bundle as b
from seawall.supplychain import dsse, intoto
from support.sigstore import PrivateSigstore, Rekor, dsse_body, merkle_path, merkle_root


@pytest.mark.parametrize("size", range(1, 18))
def test_inclusion_proofs_for_every_leaf(size: int) -> None:
    leaves = [b.leaf_hash(f"e{i}".encode()) for i in range(size)]
    root = merkle_root(leaves)
    for i in range(size):
        path = merkle_path(i, leaves)
        assert b.verify_inclusion(i, size, leaves[i], path, root)
        assert not b.verify_inclusion(i, size, b.leaf_hash(b"other"), path, root)
        if path:
            bad = [*path[:-1], bytes(32)]
            assert not b.verify_inclusion(i, size, leaves[i], bad, root)
    assert not b.verify_inclusion(size, size, leaves[0], [], root)


def _signed(sig: PrivateSigstore) -> tuple[b.Bundle, b.TlogEntry]:
    key, cert = sig.fulcio.issue("dev@example.com", "https://issuer.example")
    stmt = intoto.make_statement("r/app", "sha256:" + "c" * 64, intoto.COSIGN_SIGN_V1, {})
    env = dsse.sign_envelope(stmt, dsse.INTOTO_PAYLOAD_TYPE, key)
    entry = sig.rekor.log(dsse_body(env, cert))
    raw = b.make_bundle(env, certificate=cert, tlog_entries=[entry])
    return b.parse_bundle(raw), entry


def test_bundle_round_trip_and_log_checks() -> None:
    ps = PrivateSigstore()
    bundle, entry = _signed(ps)
    assert bundle.envelope is not None and len(bundle.certificates) == 1
    keys = {ps.rekor.log_id: ps.rekor.key.public_key()}
    res = b.check_tlog_entry(bundle.tlog_entries[0], bundle, keys)
    assert res.set_verified and res.proof_verified and res.verified
    # unknown log: nothing checked, and said so
    unknown = b.check_tlog_entry(entry, bundle, {})
    assert not unknown.verified and "unknown log id" in unknown.notes[0]


def _replace(e: b.TlogEntry, **kw: object) -> b.TlogEntry:
    d = {f: getattr(e, f) for f in b.TlogEntry.__dataclass_fields__}
    d.update(kw)
    return b.TlogEntry(**d)  # type: ignore[arg-type]


def test_forged_or_mismatched_log_evidence_fails() -> None:
    ps = PrivateSigstore()
    bundle, entry = _signed(ps)
    keys = {ps.rekor.log_id: ps.rekor.key.public_key()}
    # a different integrated time (backdating) breaks the SET
    with pytest.raises(VerificationError, match="signed entry timestamp"):
        b.check_tlog_entry(_replace(entry, integrated_time=entry.integrated_time - 3600), bundle, keys)
    # a SET by another key
    other = Rekor()
    forged = other.key.sign(b.set_payload(entry), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(VerificationError, match="signed entry timestamp"):
        b.check_tlog_entry(_replace(entry, signed_entry_timestamp=forged), bundle, keys)
    # a proof whose path is wrong
    assert entry.proof is not None
    p = entry.proof
    bad_proof = b.InclusionProof(p.log_index, p.tree_size, p.root_hash, (bytes(32), *p.hashes[1:]), p.checkpoint)
    with pytest.raises(VerificationError, match="inclusion proof"):
        b.check_tlog_entry(_replace(entry, signed_entry_timestamp=b"", proof=bad_proof), bundle, keys)
    # a checkpoint for another tree
    cp = ps.rekor.checkpoint(p.tree_size + 1, p.root_hash)
    with pytest.raises(VerificationError, match="checkpoint does not match"):
        b.check_tlog_entry(
            _replace(entry, proof=b.InclusionProof(p.log_index, p.tree_size, p.root_hash, p.hashes, cp)), bundle, keys
        )
    # a checkpoint signed by another log
    cp2 = other.checkpoint(p.tree_size, p.root_hash)
    with pytest.raises(VerificationError, match="checkpoint signature"):
        b.check_tlog_entry(
            _replace(entry, proof=b.InclusionProof(p.log_index, p.tree_size, p.root_hash, p.hashes, cp2)), bundle, keys
        )
    # an entry about another signature (a valid log entry, but not evidence for this bundle)
    _, entry2 = _signed(ps)
    with pytest.raises(VerificationError, match=r"different DSSE payload|different signature"):
        b.check_tlog_entry(entry2, bundle, keys)
    # neither SET nor proof
    with pytest.raises(VerificationError, match="neither"):
        b.check_tlog_entry(_replace(entry, signed_entry_timestamp=b"", proof=None), bundle, keys)


@pytest.mark.parametrize(
    "doc, message",
    [
        ({}, "unsupported bundle mediaType"),
        ({"mediaType": b.BUNDLE_V03}, "neither dsseEnvelope nor messageSignature"),
        (
            {
                "mediaType": b.BUNDLE_V03,
                "verificationMaterial": {"certificate": {"rawBytes": "AAAA"}},
                "messageSignature": {},
            },
            "certificate is not valid DER",
        ),
        ({"mediaType": b.BUNDLE_V03, "verificationMaterial": {"tlogEntries": [{"logIndex": "x"}]}}, "logIndex"),
        (
            {"mediaType": b.BUNDLE_V03, "messageSignature": {"messageDigest": {"algorithm": "MD5", "digest": ""}}},
            "unsupported digest algorithm",
        ),
    ],
)
def test_hostile_bundles(doc: dict[str, object], message: str) -> None:
    with pytest.raises(VerificationError, match=message):
        b.parse_bundle(json.dumps(doc).encode())
    with pytest.raises(VerificationError, match="not JSON"):
        b.parse_bundle(b"\xff")


def test_checkpoint_parsing() -> None:
    r = Rekor()
    cp = b.parse_checkpoint(r.checkpoint(7, bytes(32)))
    assert cp.size == 7 and cp.root == bytes(32) and len(cp.signatures) == 1
    with pytest.raises(VerificationError):
        b.parse_checkpoint("origin\n7\n")
    assert base64.b64encode(cp.signatures[0][1][:4]) == base64.b64encode(b.key_hint(r.key.public_key()))


@pytest.mark.parametrize("mutation", ["deep", "media_list", "media_dict"])
def test_hostile_documents_from_a_registry_are_verification_errors(mutation: str) -> None:
    """A bundle, DSSE envelope, in-toto statement or simple-signing payload nested 100k deep
    escaped as 'internal error: RecursionError'; a bundle mediaType that is a list or object as
    'TypeError: unhashable type'."""
    from seawall.supplychain import simplesigning

    if mutation == "deep":
        data = b"[" * 100_000 + b"]" * 100_000
        for parse in (b.parse_bundle, dsse.parse_envelope, intoto.parse_statement, simplesigning.parse_payload):
            with pytest.raises(VerificationError, match=r"not JSON|not a"):
                parse(data)
    else:
        media: object = [1] if mutation == "media_list" else {"a": 1}
        with pytest.raises(VerificationError, match="unsupported bundle mediaType"):
            b.parse_bundle(json.dumps({"mediaType": media}).encode())


@pytest.mark.parametrize("size", ["\u00b2", "9" * 5000])
def test_checkpoint_tree_size_that_int_refuses(size: str) -> None:
    """'²' passes str.isdigit() but not int(), and 5000 digits pass isdigit() but exceed int()'s
    limit: both escaped as ValueError (an internal error during verify)."""
    with pytest.raises(VerificationError, match="tree size"):
        b.parse_checkpoint(f"origin\n{size}\nAAAA\n\n")
    with pytest.raises(VerificationError, match="not an integer"):
        b._int(size, "logIndex")
