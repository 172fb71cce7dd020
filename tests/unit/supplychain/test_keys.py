"""cosign key files: byte-compatible encryption envelope, round trips, hostile key files."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from seawall.errors import InputError
from seawall.supplychain import keys

# go-securesystemslib's published vectors for its ``encrypted`` package (the envelope cosign
# wraps its private keys in), passphrase "supersecret". ENCRYPT_VECTOR is ``Encrypt``'s output for
# the plaintext "reallyimportant"; GO_VECTORS are ``Marshal``'s (the plaintext JSON-encoded first,
# so a base64 JSON string), one per accepted scrypt parameter set. Decrypting them proves the KDF,
# cipher and JSON layout match byte for byte.
ENCRYPT_VECTOR = (
    b'{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"N9a7x5JFGbrtB2uBR81jPwp0eiLR4A7FV3mjVAQrg1g="},'
    b'"cipher":{"name":"nacl/secretbox","nonce":"2h8HxMmgRfuYdpswZBQaU3xJ1nkA/5Ik"},'
    b'"ciphertext":"SEW6sUh0jf2wfdjJGPNS9+bkk2uB+Cxamf32zR8XkQ=="}'
)
GO_VECTORS = [
    b'{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"WO3mVvyTwJ9vwT5/Tk5OW5WPIBUofMjcpEfrLnfY4uA="},'
    b'"cipher":{"name":"nacl/secretbox","nonce":"tCy7HcTFr4uxv4Nrg/DWmncuZ148U1MX"},'
    b'"ciphertext":"08n43p5G5yviPEZpO7tPPF4aZQkWiWjkv4taFdhDBA0tamKH4nw="}',
    b'{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"FhzPOt9/bJG4PTq6lQ6ecG6GzaOuOy/ynG5+yRiFlNs="},'
    b'"cipher":{"name":"nacl/secretbox","nonce":"aw1ng1jHaDz/tQ7V2gR9O2+IGQ8xJEuE"},'
    b'"ciphertext":"HycvuLZL4sYH0BrYTh4E/H20VtAW6u5zL5Pr+IBjYLYnCPzDkq8="}',
    b'{"kdf":{"name":"scrypt","params":{"N":131072,"r":8,"p":1},"salt":"m38E3kouJTtiheLQN22NQ8DTito5hrjpUIskqcd375k="},'
    b'"cipher":{"name":"nacl/secretbox","nonce":"Y6PM13yA+o44pE/W1ZBwczeGnTV/m9Zc"},'
    b'"ciphertext":"6H8sqj1K6B6yDjtH5AQ6lbFigg/C2yDDJc4rYJ79w9aVPImFIPI="}',
]


@pytest.mark.parametrize("vector", GO_VECTORS, ids=["legacy", "standard", "owasp"])
def test_decrypts_go_securesystemslib_vectors(vector: bytes) -> None:
    assert base64.b64decode(json.loads(keys.decrypt_blob(vector, b"supersecret"))) == b"reallyimportant"
    with pytest.raises(InputError, match="wrong password"):
        keys.decrypt_blob(vector, b"Supersecret")


def test_decrypts_go_encrypt_vector() -> None:
    assert keys.decrypt_blob(ENCRYPT_VECTOR, b"supersecret") == b"reallyimportant"


def test_unsupported_scrypt_parameters_are_refused_before_any_work() -> None:
    doc = json.loads(GO_VECTORS[0])
    doc["kdf"]["params"] = {"N": 1 << 30, "r": 8, "p": 1}  # a gigabyte-scale scrypt request
    with pytest.raises(InputError, match="unsupported scrypt parameters"):
        keys.decrypt_blob(json.dumps(doc).encode(), b"supersecret")


def test_generated_key_pair_is_cosign_format_and_round_trips() -> None:
    kp = keys.generate_key_pair(b"correct horse")
    text = kp.private_pem.decode()
    assert text.startswith("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n")
    der = base64.b64decode("".join(text.strip().splitlines()[1:-1]))
    env = json.loads(der)
    assert env["kdf"]["name"] == "scrypt" and env["kdf"]["params"] == {"N": 32768, "r": 8, "p": 1}
    assert len(base64.b64decode(env["kdf"]["salt"])) == 32
    assert env["cipher"]["name"] == "nacl/secretbox" and len(base64.b64decode(env["cipher"]["nonce"])) == 24
    # the plaintext is a PKCS#8 P-256 key whose public half is cosign.pub
    pkcs8 = keys.decrypt_blob(der, b"correct horse")
    priv = serialization.load_der_private_key(pkcs8, None)
    assert isinstance(priv, ec.EllipticCurvePrivateKey) and priv.curve.name == "secp256r1"
    pub = keys.load_public_key(kp.public_pem)
    assert kp.public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert keys.key_id(pub) == keys.key_id(priv.public_key())
    loaded = keys.load_private_key(kp.private_pem, b"correct horse")
    sig = keys.sign_bytes(loaded, b"payload")
    assert keys.verify_bytes(pub, sig, b"payload")
    assert not keys.verify_bytes(pub, sig, b"payloaD")


def test_wrong_password_is_one_line_error() -> None:
    kp = keys.generate_key_pair(b"right")
    with pytest.raises(InputError) as exc:
        keys.load_private_key(kp.private_pem, b"wrong", subject="cosign.key")
    assert str(exc.value) == "cosign.key: cannot decrypt the private key (wrong password or corrupt key file)"


def test_legacy_cosign_pem_type_and_empty_password() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = keys.private_key_to_pem(key, b"", pem_type=keys.COSIGN_PEM)
    assert pem.startswith(b"-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----")
    assert keys.key_id(keys.load_private_key(pem, b"").public_key()) == keys.key_id(key.public_key())  # type: ignore[arg-type]


def test_tampered_ciphertext_fails() -> None:
    kp = keys.generate_key_pair(b"pw")
    lines = kp.private_pem.decode().strip().splitlines()
    env = json.loads(base64.b64decode("".join(lines[1:-1])))
    ct = bytearray(base64.b64decode(env["ciphertext"]))
    ct[20] ^= 1
    env["ciphertext"] = base64.b64encode(bytes(ct)).decode()
    blob = base64.b64encode(json.dumps(env).encode()).decode()
    bad = f"{lines[0]}\n{blob}\n{lines[-1]}\n".encode()
    with pytest.raises(InputError, match="cannot decrypt"):
        keys.load_private_key(bad, b"pw")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "not a PEM key file"),
        (b"hello", "not a PEM key file"),
        (
            b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n!!!\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
            "base64",
        ),
        (
            b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nbm90IGpzb24=\n"
            b"-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
            "not a JSON envelope",
        ),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "unsupported PEM type"),
        (b"A" * 100_000, "too large"),
        (  # 40k nested arrays: 'internal error: RecursionError'
            b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n" + base64.b64encode(b"[" * 40_000)
            + b"\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
            "not a JSON envelope",
        ),
        (  # the PEM type is echoed, bounded
            b"-----BEGIN " + b"X" * 30_000 + b"-----\nAAAA\n-----END " + b"X" * 30_000 + b"-----\n",
            r"unsupported PEM type 'X{60}' \(expected",
        ),
    ],
)
def test_hostile_private_key_files(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        keys.load_private_key(data, b"pw")


def test_public_key_from_certificate_and_ed25519() -> None:
    ed = ed25519.Ed25519PrivateKey.generate()
    pub = keys.load_public_key(keys.public_key_to_pem(ed.public_key()))
    assert keys.verify_bytes(pub, keys.sign_bytes(ed, b"m"), b"m")
    with pytest.raises(InputError, match="unsupported PEM type"):
        keys.load_public_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(InputError, match="invalid public key"):
        keys.load_public_key(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


def test_generate_key_pair_never_writes_through_a_symlink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A link planted at cosign.key sent the private key where it pointed (a dangling link passed
    the exists() check), and with --force truncated its target; a missing directory was
    'internal error: FileNotFoundError'."""
    from seawall.cli.main import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COSIGN_PASSWORD", "pw")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (tmp_path / "a.key").symlink_to(victim)
    (tmp_path / "b.key").symlink_to(tmp_path / "elsewhere.key")
    for prefix, force in (("a", ["--force"]), ("b", [])):
        assert main(["generate-key-pair", "--output-key-prefix", prefix, *force]) == 2
        assert "is a symbolic link" in capsys.readouterr().err
    assert victim.read_text() == "keep me\n" and not (tmp_path / "elsewhere.key").exists()
    assert main(["generate-key-pair", "--output-key-prefix", str(tmp_path / "missing" / "k")]) == 2
    assert "cannot write the key" in capsys.readouterr().err
    assert main(["generate-key-pair", "--output-key-prefix", "ok"]) == 0
    assert (tmp_path / "ok.key").stat().st_mode & 0o777 == 0o600
