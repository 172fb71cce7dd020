"""Write signatures and attestations to a registry in the layouts cosign reads (and we verify).

* :func:`sign_classic`: append a simple-signing layer to ``sha256-<hex>.sig`` (existing
  signatures are kept, as cosign does);
* :func:`attest_classic`: append a DSSE layer to ``sha256-<hex>.att``;
* :func:`attach_bundle`: push a Sigstore bundle as an OCI 1.1 referrer manifest
  (``artifactType`` = bundle media type, ``subject`` = the image, an empty config) and, when the
  registry has no referrers API, add it to the ``sha256-<hex>`` fallback tag index (OCI 1.1
  "referrers tag schema"), keeping the referrers already listed there.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from seawall.errors import RegistryError
from seawall.sources.image.blobs import digest_bytes
from seawall.sources.image.model import OCI_INDEX, OCI_MANIFEST, Descriptor
from seawall.sources.image.reference import Reference
from seawall.sources.image.registry import RegistryClient
from seawall.supplychain import dsse, intoto
from seawall.supplychain.bundle import BUNDLE_V03, make_bundle
from seawall.supplychain.keys import PrivateKey, sign_bytes
from seawall.supplychain.simplesigning import (
    DSSE_MT,
    SIGNATURE_ANNOTATION,
    SIMPLESIGNING_MT,
    make_payload,
    signature_tag,
)

OCI_EMPTY = "application/vnd.oci.empty.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
EMPTY_JSON = b"{}"


def resolve_digest(client: RegistryClient, ref: Reference) -> Descriptor:
    """The descriptor (media type, digest, size) of what ``ref`` names right now."""
    desc = client.head_manifest(ref.repository, ref.ref)
    if desc is None:
        raise RegistryError(f"{ref.ref} not found in {ref.name}", subject=ref.api_host)
    if desc.size < 0 or not desc.media_type:
        m = client.get_manifest(ref.repository, desc.digest)
        desc = Descriptor(m.media_type, m.digest, len(m.data))
    return desc


def _append_layer(
    client: RegistryClient, repo: str, tag: str, data: bytes, media_type: str, annotations: dict[str, str]
) -> str:
    layer = client.upload_blob(repo, data)
    layers: list[dict[str, Any]] = []
    if client.head_manifest(repo, tag) is not None:
        old = client.get_manifest(repo, tag).json()
        raw = old.get("layers")
        layers = [d for d in raw if isinstance(d, dict)] if isinstance(raw, list) else []
    entry = {"mediaType": media_type, "digest": layer.digest, "size": layer.size, "annotations": annotations}
    layers = [d for d in layers if d.get("digest") != layer.digest or d.get("annotations") != annotations] + [entry]
    config = {
        "architecture": "",
        "os": "",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in layers]},
    }
    cfg_raw = json.dumps(config, separators=(",", ":")).encode()
    cfg = client.upload_blob(repo, cfg_raw)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cfg.digest, "size": cfg.size},
        "layers": layers,
    }
    return client.put_manifest(repo, tag, json.dumps(manifest, separators=(",", ":")).encode(), OCI_MANIFEST)


def sign_classic(
    client: RegistryClient, ref: Reference, key: PrivateKey, *, annotations: dict[str, str] | None = None
) -> str:
    """Sign what ``ref`` points to; returns the image digest signed."""
    desc = resolve_digest(client, ref)
    payload = make_payload(ref.name, desc.digest, annotations)
    sig = base64.b64encode(sign_bytes(key, payload)).decode()
    _append_layer(
        client, ref.repository, signature_tag(desc.digest), payload, SIMPLESIGNING_MT, {SIGNATURE_ANNOTATION: sig}
    )
    return desc.digest


def _signed_statement(
    client: RegistryClient, ref: Reference, key: PrivateKey, predicate_type: str, predicate: dict[str, Any]
) -> tuple[Descriptor, dsse.Envelope]:
    """The image's current digest and a DSSE-signed in-toto statement about it (both attestation
    formats, classic .att tag and Sigstore bundle, carry the same envelope)."""
    desc = resolve_digest(client, ref)
    stmt = intoto.make_statement(ref.name, desc.digest, predicate_type, predicate)
    return desc, dsse.sign_envelope(stmt, dsse.INTOTO_PAYLOAD_TYPE, key)


def attest_classic(
    client: RegistryClient, ref: Reference, key: PrivateKey, predicate_type: str, predicate: dict[str, Any]
) -> str:
    desc, env = _signed_statement(client, ref, key, predicate_type, predicate)
    _append_layer(
        client,
        ref.repository,
        signature_tag(desc.digest, "att"),
        env.to_json(),
        DSSE_MT,
        {"predicateType": predicate_type},
    )
    return desc.digest


def has_referrers_api(client: RegistryClient, repo: str, digest: str) -> bool:
    resp = client.request(
        "GET",
        f"/v2/{repo}/referrers/{digest}",
        scope=f"repository:{repo}:pull",
        headers={"Accept": OCI_INDEX},
        allow=(404, 405, 400),
    )
    ctype = resp.headers.get("content-type", "").split(";")[0].strip()
    resp.read_all(4 * 1024 * 1024)
    return resp.status == 200 and ctype == OCI_INDEX


def attach_bundle(
    client: RegistryClient, ref: Reference, subject: Descriptor, bundle: bytes, predicate_type: str
) -> str:
    """Push ``bundle`` as a referrer of ``subject``; returns the referrer manifest digest."""
    repo = ref.repository
    empty = client.upload_blob(repo, EMPTY_JSON)
    layer = client.upload_blob(repo, bundle)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": BUNDLE_V03,
        "config": {"mediaType": OCI_EMPTY, "digest": empty.digest, "size": empty.size},
        "layers": [{"mediaType": BUNDLE_V03, "digest": layer.digest, "size": layer.size}],
        "subject": {"mediaType": subject.media_type, "digest": subject.digest, "size": subject.size},
        "annotations": {
            "dev.sigstore.bundle.content": "dsse-envelope",
            "dev.sigstore.bundle.predicateType": predicate_type,
        },
    }
    raw = json.dumps(manifest, separators=(",", ":")).encode()
    mdig = client.put_manifest(repo, digest_bytes(raw), raw, OCI_MANIFEST)
    if has_referrers_api(client, repo, subject.digest):
        return mdig
    tag = subject.digest.replace(":", "-")
    entries: list[dict[str, Any]] = []
    if client.head_manifest(repo, tag) is not None:
        old = client.get_manifest(repo, tag).json()
        raw_entries = old.get("manifests")
        entries = [e for e in raw_entries if isinstance(e, dict)] if isinstance(raw_entries, list) else []
    entries = [e for e in entries if e.get("digest") != mdig]
    entries.append(
        {
            "mediaType": OCI_MANIFEST,
            "digest": mdig,
            "size": len(raw),
            "artifactType": BUNDLE_V03,
            "annotations": manifest["annotations"],
        }
    )
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    client.put_manifest(repo, tag, json.dumps(index, separators=(",", ":")).encode(), OCI_INDEX)
    return mdig


def sign_bundle(client: RegistryClient, ref: Reference, key: PrivateKey) -> str:
    """cosign 3 style: a DSSE in-toto statement of type ``https://sigstore.dev/cosign/sign/v1``."""
    return attest_bundle(client, ref, key, intoto.COSIGN_SIGN_V1, {})


def attest_bundle(
    client: RegistryClient, ref: Reference, key: PrivateKey, predicate_type: str, predicate: dict[str, Any]
) -> str:
    desc, env = _signed_statement(client, ref, key, predicate_type, predicate)
    pub = key.public_key()
    attach_bundle(client, ref, desc, make_bundle(env, public_key=pub), predicate_type)
    return desc.digest
