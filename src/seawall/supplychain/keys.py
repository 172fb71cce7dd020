"""Cosign key files: read and write them byte-compatibly, so cosign users and seawall share keys.

Formats (as cosign and go-securesystemslib write them):

* ``cosign.pub``: a PEM ``PUBLIC KEY`` block (PKIX SubjectPublicKeyInfo, DER).
* ``cosign.key``: a PEM block of type ``ENCRYPTED SIGSTORE PRIVATE KEY`` (cosign 2+) or
  ``ENCRYPTED COSIGN PRIVATE KEY`` (older) whose bytes are the JSON envelope of
  go-securesystemslib's ``encrypted`` package::

      {"kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1}, "salt": B64},
       "cipher": {"name": "nacl/secretbox", "nonce": B64},
       "ciphertext": B64}

  The 32-byte secretbox key is ``scrypt(password, salt, N, r, p)``; the plaintext is the
  PKCS#8 DER private key (ECDSA P-256 by default). Only the three scrypt parameter sets
  go-securesystemslib accepts (N = 2^15, 2^16, 2^17 with r=8, p=1) are accepted here, so a
  hostile key file cannot ask for gigabytes of scrypt memory.

Passwords come from the caller (the CLI reads ``COSIGN_PASSWORD`` or ``--password-env``); the
library never reads the environment or prompts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from seawall.errors import InputError

SIGSTORE_PEM = "ENCRYPTED SIGSTORE PRIVATE KEY"
COSIGN_PEM = "ENCRYPTED COSIGN PRIVATE KEY"
#: (N, r, p) sets go-securesystemslib accepts: Legacy (cosign's default), Standard, OWASP.
SCRYPT_PARAMS = ((32768, 8, 1), (65536, 8, 1), (131072, 8, 1))
DEFAULT_SCRYPT = SCRYPT_PARAMS[0]
_MAX_KEY_FILE = 64 * 1024

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@dataclass(frozen=True, slots=True)
class KeyPair:
    """PEM bytes of an encrypted private key and its public key."""

    private_pem: bytes
    public_pem: bytes


def _b64d(value: Any, what: str, subject: str) -> bytes:
    if not isinstance(value, str):
        raise InputError(f"encrypted key: {what} is missing", subject=subject)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"encrypted key: {what} is not base64", subject=subject) from None


def _secretbox_key(password: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(password)


def encrypt_blob(plaintext: bytes, password: bytes, *, params: tuple[int, int, int] = DEFAULT_SCRYPT) -> bytes:
    """go-securesystemslib ``encrypted.Encrypt``: the JSON envelope (scrypt + nacl/secretbox)."""
    import nacl.secret
    import nacl.utils

    if params not in SCRYPT_PARAMS:
        raise ValueError(f"unsupported scrypt parameters {params}")
    salt = os.urandom(32)
    nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    box = nacl.secret.SecretBox(_secretbox_key(password, salt, *params))
    sealed = box.encrypt(plaintext, nonce).ciphertext  # tag || ciphertext, as Go's secretbox.Seal
    doc = {
        "kdf": {
            "name": "scrypt",
            "params": {"N": params[0], "r": params[1], "p": params[2]},
            "salt": base64.b64encode(salt).decode(),
        },
        "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def decrypt_blob(data: bytes, password: bytes, *, subject: str = "private key") -> bytes:
    """go-securesystemslib ``encrypted.Decrypt``; a wrong password is a one-line InputError."""
    import nacl.exceptions
    import nacl.secret

    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: '[' nested 40k deep fits in a key file
        raise InputError("encrypted key: not a JSON envelope", subject=subject) from None
    if not isinstance(doc, dict):
        raise InputError("encrypted key: not a JSON object", subject=subject)
    kdf = doc.get("kdf") if isinstance(doc.get("kdf"), dict) else {}
    cipher = doc.get("cipher") if isinstance(doc.get("cipher"), dict) else {}
    assert isinstance(kdf, dict) and isinstance(cipher, dict)
    if kdf.get("name") != "scrypt":
        raise InputError(f"encrypted key: unsupported KDF {str(kdf.get('name'))[:40]!r}", subject=subject)
    if cipher.get("name") != "nacl/secretbox":
        raise InputError(f"encrypted key: unsupported cipher {str(cipher.get('name'))[:40]!r}", subject=subject)
    params = kdf.get("params") if isinstance(kdf.get("params"), dict) else {}
    assert isinstance(params, dict)
    npr = (params.get("N"), params.get("r"), params.get("p"))
    if npr not in SCRYPT_PARAMS:
        raise InputError(f"encrypted key: unsupported scrypt parameters {str(npr)[:80]}", subject=subject)
    salt = _b64d(kdf.get("salt"), "kdf salt", subject)
    nonce = _b64d(cipher.get("nonce"), "cipher nonce", subject)
    sealed = _b64d(doc.get("ciphertext"), "ciphertext", subject)
    if len(nonce) != nacl.secret.SecretBox.NONCE_SIZE:
        raise InputError("encrypted key: nonce is not 24 bytes", subject=subject)
    key = _secretbox_key(password, salt, int(npr[0]), int(npr[1]), int(npr[2]))
    try:
        return bytes(nacl.secret.SecretBox(key).decrypt(sealed, nonce))
    except nacl.exceptions.CryptoError:
        raise InputError(
            "cannot decrypt the private key (wrong password or corrupt key file)", subject=subject
        ) from None


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """(type, DER) of every PEM block; lenient about whitespace, strict about base64."""
    out: list[tuple[str, bytes]] = []
    text = data.decode("ascii", "replace")
    pos = 0
    while True:
        start = text.find("-----BEGIN ", pos)
        if start < 0:
            return out
        head_end = text.find("-----", start + 11)
        if head_end < 0:
            return out
        typ = text[start + 11 : head_end]
        end_marker = f"-----END {typ}-----"
        end = text.find(end_marker, head_end)
        if end < 0:
            return out
        body = "".join(line for line in text[head_end + 5 : end].split() if ":" not in line)
        try:
            out.append((typ, base64.b64decode(body, validate=True)))
        except (binascii.Error, ValueError):
            out.append((typ, b""))
        pos = end + len(end_marker)


def private_key_to_pem(key: PrivateKey, password: bytes, *, pem_type: str = SIGSTORE_PEM) -> bytes:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    blob = base64.b64encode(encrypt_blob(der, password)).decode()
    lines = [blob[i : i + 64] for i in range(0, len(blob), 64)]
    return (f"-----BEGIN {pem_type}-----\n" + "\n".join(lines) + f"\n-----END {pem_type}-----\n").encode()


def public_key_to_pem(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def generate_key_pair(password: bytes) -> KeyPair:
    """A new ECDSA P-256 key pair in cosign's file formats (``cosign generate-key-pair``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return KeyPair(private_key_to_pem(key, password), public_key_to_pem(key.public_key()))


def load_private_key(data: bytes, password: bytes, *, subject: str = "private key") -> PrivateKey:
    """An encrypted cosign/sigstore key (or an unencrypted PKCS#8 / SEC1 PEM key)."""
    if len(data) > _MAX_KEY_FILE:
        raise InputError("key file is too large", subject=subject)
    blocks = _pem_blocks(data)
    if not blocks:
        raise InputError("not a PEM key file", subject=subject)
    typ, der = blocks[0]
    if not der:
        raise InputError(f"PEM block {typ[:60]!r} is not valid base64", subject=subject)
    if typ in (SIGSTORE_PEM, COSIGN_PEM):
        der = decrypt_blob(der, password, subject=subject)
    elif typ not in ("PRIVATE KEY", "EC PRIVATE KEY"):
        raise InputError(f"unsupported PEM type {typ[:60]!r} (expected {SIGSTORE_PEM})", subject=subject)
    try:
        key = serialization.load_der_private_key(der, None)
    except (ValueError, TypeError):
        raise InputError("the decrypted key is not a valid PKCS#8 private key", subject=subject) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise InputError(f"unsupported key type {type(key).__name__}", subject=subject)
    return key


def load_public_key(data: bytes, *, subject: str = "public key") -> PublicKey:
    """A PEM ``PUBLIC KEY`` (or the key of a PEM certificate)."""
    if len(data) > _MAX_KEY_FILE:
        raise InputError("key file is too large", subject=subject)
    blocks = _pem_blocks(data)
    if not blocks:
        raise InputError("not a PEM public key", subject=subject)
    typ, der = blocks[0]
    try:
        if typ == "PUBLIC KEY":
            key = serialization.load_der_public_key(der)
        elif typ == "CERTIFICATE":
            key = x509.load_der_x509_certificate(der).public_key()
        else:
            raise InputError(f"unsupported PEM type {typ[:60]!r} (expected PUBLIC KEY)", subject=subject)
    except ValueError:
        raise InputError("invalid public key", subject=subject) from None
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise InputError(f"unsupported key type {type(key).__name__}", subject=subject)
    return key


def key_id(key: PublicKey) -> str:
    """sha256 of the DER SubjectPublicKeyInfo, hex: a stable, printable name for a key."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def _hash_for(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> hashes.HashAlgorithm:
    size = key.curve.key_size
    return hashes.SHA384() if size == 384 else hashes.SHA512() if size == 521 else hashes.SHA256()


def sign_bytes(key: PrivateKey, data: bytes) -> bytes:
    """Sign as cosign does: ECDSA over SHA-256 (P-256) in ASN.1 DER, RSA PKCS#1 v1.5, Ed25519."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(_hash_for(key)))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


def verify_bytes(key: PublicKey, signature: bytes, data: bytes) -> bool:
    """True if ``signature`` over ``data`` verifies with ``key`` (never raises on bad input)."""
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(_hash_for(key)))
        elif isinstance(key, rsa.RSAPublicKey):
            try:
                key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                key.verify(
                    signature, data, padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.AUTO), hashes.SHA256()
                )
        else:
            key.verify(signature, data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def verify_digest(key: PublicKey, signature: bytes, digest: bytes) -> bool:
    """Verify a signature over a pre-computed SHA-256 digest (Sigstore ``messageSignature``)."""
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        else:
            return False  # Ed25519 signs the message itself, never a digest
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
