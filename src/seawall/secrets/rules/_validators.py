"""Format checks that turn a regex match into a confident finding (or drop a look-alike).

Checksummed formats are verified exactly: GitHub's ``gh?_`` tokens and npm's ``npm_`` tokens end
in a CRC32 of their random part, base62-encoded in six characters, so a typo, a truncated token
or a made-up ``ghp_0123...`` fails. Structured formats (JWT, docker ``auth``, kubeconfig key
data, PEM bodies) are decoded and checked for the structure they must have.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_B62_INDEX = {c: i for i, c in enumerate(_B62)}


def base62_encode(n: int, width: int = 6) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(width, "0")


def base62_decode(text: str) -> int | None:
    n = 0
    for c in text:
        i = _B62_INDEX.get(c)
        if i is None:
            return None
        n = n * 62 + i
    return n


def crc32_token_ok(token: str, prefix_len: int = 4) -> bool:
    """``<prefix><30 random><6 base62 CRC32 of the random part>`` (GitHub classic, npm)."""
    body, check = token[prefix_len:-6], token[-6:]
    if len(body) < 20:
        return False
    value = base62_decode(check)
    return value is not None and value == binascii.crc32(body.encode("ascii", "replace"))


def github_token_ok(token: str) -> bool:
    return crc32_token_ok(token, 4)


def npm_token_ok(token: str) -> bool:
    return crc32_token_ok(token, 4)


#: Validators that verify a checksum (``secrets.verify_checksums: false`` turns them off).
CHECKSUM_VALIDATORS = frozenset({github_token_ok, npm_token_ok})


def _b64decode(text: str, urlsafe: bool = False) -> bytes | None:
    t = text.strip().replace("\\n", "").replace("\n", "")
    t += "=" * (-len(t) % 4)
    try:
        if urlsafe:
            return base64.urlsafe_b64decode(t)
        return base64.b64decode(t, validate=True)
    except (binascii.Error, ValueError):
        return None


def jwt_ok(token: str) -> bool:
    """Header and payload are base64url JSON objects and the header names an ``alg``."""
    parts = token.split(".")
    if len(parts) < 3:
        return False
    try:
        header = json.loads(_b64decode(parts[0], urlsafe=True) or b"")
        payload = json.loads(_b64decode(parts[1], urlsafe=True) or b"")
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header and isinstance(payload, dict)


def basic_auth_b64_ok(value: str) -> bool:
    """Docker ``auth``: base64 of ``user:password`` with a non-empty password."""
    raw = _b64decode(value)
    if raw is None:
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    user, sep, pw = text.partition(":")
    return bool(sep and user and len(pw) >= 3 and text.isprintable())


def pem_in_b64_ok(value: str) -> bool:
    """kubeconfig ``client-key-data``: base64 of a PEM private key."""
    raw = _b64decode(value)
    return raw is not None and b"PRIVATE KEY-----" in raw


_PEM_BODY = re.compile(r"-----BEGIN[^-]*-----(.*?)-----END", re.S)


def pem_ok(block: str) -> bool:
    """A PEM block with a body of at least 64 base64 characters (not a truncated sample)."""
    m = _PEM_BODY.search(block)
    body = m.group(1) if m else block
    lines = [ln for ln in re.split(r"\\n|\n", body) if ln.strip() and ":" not in ln]
    chars = re.sub(r"[^A-Za-z0-9+/=]", "", "".join(lines))
    if len(chars) < 64:
        return False
    return len(set(chars)) >= 20  # a body of one repeated character is a placeholder


def aws_secret_ok(value: str) -> bool:
    """40 characters of base64 alphabet with upper, lower case and a digit or symbol."""
    return (
        len(value) == 40
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() or c in "+/" for c in value)
    )


def not_all_hex_lower(value: str) -> bool:
    return not re.fullmatch(r"[0-9a-f]+", value)


def has_digit_and_letter(value: str) -> bool:
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
