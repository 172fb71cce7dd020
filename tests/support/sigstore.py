"""A private Sigstore for tests: a Fulcio-like CA, a Rekor-like log key, real log proofs.

Everything is generated here with ``cryptography`` (no network, no fixtures from elsewhere):

* :class:`Fulcio` — a root CA and an intermediate issuing short-lived code-signing leaf
  certificates with the SAN identity (URI or email) and the OIDC-issuer extension
  (1.3.6.1.4.1.57264.1.8, a DER UTF8String), as Fulcio does;
* :class:`Rekor` — a log key; :meth:`Rekor.log` appends an entry to an RFC 6962 Merkle tree and
  returns a :class:`~seawall.supplychain.bundle.TlogEntry` with a signed entry timestamp, an
  inclusion proof and a signed checkpoint;
* :class:`ReferrersProxy` — a plain-HTTP pass-through in front of a real docker-registry that adds
  the OCI 1.1 referrers API (``GET /v2/<repo>/referrers/<digest>``) by recording manifests pushed
  through it with a ``subject`` (distribution 2.8 has no referrers API).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.client
import http.server
import json
import re
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from seawall.supplychain import dsse
from seawall.supplychain.bundle import (
    InclusionProof,
    TlogEntry,
    key_hint,
    leaf_hash,
    log_id_of,
    node_hash,
    set_payload,
)
from seawall.supplychain.keyless import make_trust_root_json

OIDC_ISSUER = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
SCT_LIST = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "seawall-test"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


def _utf8(value: str) -> bytes:
    raw = value.encode()
    assert len(raw) < 128
    return bytes([0x0C, len(raw)]) + raw


@dataclass
class Fulcio:
    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    inter_key: ec.EllipticCurvePrivateKey
    intermediate: x509.Certificate

    @classmethod
    def create(cls, cn: str = "seawall test fulcio") -> Fulcio:
        now = dt.datetime.now(dt.UTC)
        rk = ec.generate_private_key(ec.SECP384R1())
        root = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(_name(cn))
            .public_key(rk.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=30))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(rk, hashes.SHA384())
        )
        ik = ec.generate_private_key(ec.SECP384R1())
        inter = (
            x509.CertificateBuilder()
            .subject_name(_name(cn + " intermediate"))
            .issuer_name(root.subject)
            .public_key(ik.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=30))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(rk, hashes.SHA384())
        )
        return cls(rk, root, ik, inter)

    def issue(
        self,
        identity: str,
        issuer: str,
        *,
        not_before: dt.datetime | None = None,
        minutes: int = 10,
        eku: bool = True,
        ct_key: ec.EllipticCurvePrivateKey | None = None,
    ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        """A short-lived leaf for ``identity`` (URI if it has a scheme, else an email).

        With ``ct_key``, an embedded precertificate SCT from that CT log is added, signed over the
        TBSCertificate without the SCT extension, as a CT log signs Fulcio's precertificates.
        """
        key = ec.generate_private_key(ec.SECP256R1())
        nb = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        san: x509.GeneralName = (
            x509.UniformResourceIdentifier(identity) if "://" in identity else x509.RFC822Name(identity)
        )
        b = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.intermediate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(nb)
            .not_valid_after(nb + dt.timedelta(minutes=minutes))
            .add_extension(x509.SubjectAlternativeName([san]), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.UnrecognizedExtension(OIDC_ISSUER, _utf8(issuer)), critical=False)
        )
        if eku:
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        if ct_key is None:
            return key, b.sign(self.inter_key, hashes.SHA384())
        pre = b.sign(self.inter_key, hashes.SHA384())
        ts = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        ikh = hashlib.sha256(
            self.intermediate.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).digest()
        tbs = pre.tbs_certificate_bytes
        signed = (
            b"\x00\x00" + ts.to_bytes(8, "big") + b"\x00\x01" + ikh + len(tbs).to_bytes(3, "big") + tbs + b"\x00\x00"
        )
        sig = ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (
            b"\x00"
            + log_id_of(ct_key.public_key())
            + ts.to_bytes(8, "big")
            + b"\x00\x00"
            + b"\x04\x03"  # sha256, ecdsa
            + len(sig).to_bytes(2, "big")
            + sig
        )
        sct_list = len(sct).to_bytes(2, "big") + sct
        sct_list = len(sct_list).to_bytes(2, "big") + sct_list
        assert len(sct_list) < 256
        der = (
            b"\x04\x81" + bytes([len(sct_list)]) + sct_list
            if len(sct_list) >= 128
            else b"\x04" + bytes([len(sct_list)]) + sct_list
        )
        cert = b.add_extension(x509.UnrecognizedExtension(SCT_LIST, der), critical=False).sign(
            self.inter_key, hashes.SHA384()
        )
        assert cert.tbs_precertificate_bytes == tbs  # what the SCT signed is what a verifier rebuilds
        return key, cert


def merkle_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 MTH over leaf hashes."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def merkle_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 PATH(m, D[n]): the audit path of leaf ``index``."""
    if len(leaves) == 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if index < k:
        return [*merkle_path(index, leaves[:k]), merkle_root(leaves[k:])]
    return [*merkle_path(index - k, leaves[k:]), merkle_root(leaves[:k])]


@dataclass
class Rekor:
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    origin: str = "rekor.seawall.test - 1"
    leaves: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        # some unrelated entries first, so the proofs have real paths
        for i in range(5):
            self.leaves.append(leaf_hash(f"other entry {i}".encode()))

    @property
    def log_id(self) -> bytes:
        return log_id_of(self.key.public_key())

    def checkpoint(self, size: int, root: bytes) -> str:
        body = f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        sig = self.key.sign(body.encode(), ec.ECDSA(hashes.SHA256()))
        hint = key_hint(self.key.public_key())
        return body + "\n" + f"\u2014 {self.origin.split(' ')[0]} {base64.b64encode(hint + sig).decode()}\n"

    def log(
        self, body: bytes, *, integrated_time: int | None = None, with_set: bool = True, with_proof: bool = True
    ) -> TlogEntry:
        index = len(self.leaves)
        self.leaves.append(leaf_hash(body))
        self.leaves.append(leaf_hash(b"a later entry"))
        when = int(integrated_time if integrated_time is not None else dt.datetime.now(dt.UTC).timestamp())
        entry = TlogEntry(index, self.log_id, "dsse", "0.0.1", when, body)
        sset = self.key.sign(set_payload(entry), ec.ECDSA(hashes.SHA256())) if with_set else b""
        proof = None
        if with_proof:
            size = len(self.leaves)
            root = merkle_root(self.leaves)
            proof = InclusionProof(
                index, size, root, tuple(merkle_path(index, self.leaves)), self.checkpoint(size, root)
            )
        return TlogEntry(index, self.log_id, "dsse", "0.0.1", when, body, sset, proof)


def dsse_body(env: dsse.Envelope, cert: x509.Certificate) -> bytes:
    """A Rekor ``dsse`` v0.0.1 entry body for ``env`` signed by ``cert``'s key."""
    pem = cert.public_bytes(serialization.Encoding.PEM)
    doc = {
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hashlib.sha256(env.to_json()).hexdigest()},
            "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(env.payload).hexdigest()},
            "signatures": [
                {"signature": base64.b64encode(s.sig).decode(), "verifier": base64.b64encode(pem).decode()}
                for s in env.signatures
            ],
        },
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


@dataclass
class PrivateSigstore:
    fulcio: Fulcio = field(default_factory=Fulcio.create)
    rekor: Rekor = field(default_factory=Rekor)
    ct: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    def trusted_root(self, dest: Path, *, with_ct: bool = False) -> Path:
        """Write a ``trusted_root.json``; ``with_ct`` lists the CT log (certificates then need SCTs)."""
        chain = [self.fulcio.intermediate, self.fulcio.root]
        ct = [self.ct.public_key()] if with_ct else []
        dest.write_bytes(make_trust_root_json(chain, [self.rekor.key.public_key()], ct_keys=ct))
        return dest


# ---- referrers API in front of a registry -----------------------------------------------------
_REFERRERS = re.compile(r"^/v2/(.+)/referrers/(sha256:[0-9a-f]{64})(?:\?.*)?$")
_MANIFEST_PUT = re.compile(r"^/v2/(.+)/manifests/([^/?]+)$")


class ReferrersProxy:
    """Plain-HTTP proxy to a TLS docker-registry, adding the OCI 1.1 referrers API."""

    def __init__(self, backend_host: str, ca_file: Path) -> None:
        self.backend = backend_host
        self.ctx = ssl.create_default_context(cafile=str(ca_file))
        self.referrers: dict[tuple[str, str], list[dict[str, Any]]] = {}
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                n = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(n) if n else None
                m = _REFERRERS.match(self.path)
                if m and self.command == "GET":
                    manifests = proxy.referrers.get((m.group(1), m.group(2)), [])
                    raw = json.dumps(
                        {
                            "schemaVersion": 2,
                            "mediaType": "application/vnd.oci.image.index.v1+json",
                            "manifests": manifests,
                        }
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/vnd.oci.image.index.v1+json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                    return
                conn = http.client.HTTPSConnection(proxy.backend, context=proxy.ctx, timeout=30)
                hdrs = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                hdrs["X-Forwarded-Proto"] = "http"
                conn.request(self.command, self.path, body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
                pm = _MANIFEST_PUT.match(self.path.split("?", 1)[0])
                if self.command == "PUT" and pm and resp.status == 201 and body:
                    try:
                        doc = json.loads(body)
                    except ValueError:
                        doc = {}
                    subj = doc.get("subject") if isinstance(doc, dict) else None
                    if isinstance(subj, dict):
                        desc = {
                            "mediaType": doc.get("mediaType"),
                            "digest": "sha256:" + hashlib.sha256(body).hexdigest(),
                            "size": len(body),
                            "artifactType": doc.get("artifactType") or doc.get("config", {}).get("mediaType"),
                        }
                        if doc.get("annotations"):
                            desc["annotations"] = doc["annotations"]
                        proxy.referrers.setdefault((pm.group(1), subj["digest"]), []).append(desc)
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(k, v)
                length = resp.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", length or str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_HEAD = do_PATCH = do_DELETE = _forward

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
