# ruff: noqa: E501  (rule tables: one rule per call, long regexes stay on one line)
"""Private keys and signed tokens: PEM (RSA, EC, DSA, PKCS#8, encrypted), OpenSSH, PGP, PuTTY,
SSH2, age, WireGuard, OpenVPN static keys, JWK private keys, JWTs, kubeconfig client keys and
tokens, and key-store files found by name (PKCS#12, Java keystores)."""

from __future__ import annotations

import re

from seawall.rules.registry import declare
from seawall.secrets.rules._spec import COUNTERMEASURE, PRIO_STRUCTURED, RISK, ctx, secret, tok
from seawall.secrets.rules._validators import jwt_ok, pem_in_b64_ok, pem_ok

KEY_REMEDIATION = (
    "Treat the key as compromised: revoke/replace it (new key pair, reissue certificates, remove "
    "the public key from authorized_keys / the CA), delete it from the tree and history, and mount "
    "it at run time, e.g. a kubernetes.io/tls Secret volume or `RUN --mount=type=secret,id=key`."
)


def _pem(label: str) -> str:
    lab = label.replace(" ", r"[ \t]")
    # the body never holds five dashes, so a BEGIN without its END costs one short look ahead
    return rf"(?P<s>-----BEGIN[ \t]{lab}-----(?:[^-]|-(?!----)){{64,20000}}?-----END[ \t]{lab}-----)"


secret(140, "rsa-private-key", "RSA private key", "critical", _pem("RSA PRIVATE KEY"), ["-----begin rsa private key"],
       validate=pem_ok, whole=True, gitleaks="private-key", trivy="private-key", remediation=KEY_REMEDIATION)
secret(141, "ec-private-key", "EC private key", "critical", _pem("EC PRIVATE KEY"), ["-----begin ec private key"],
       validate=pem_ok, whole=True, gitleaks="private-key", trivy="private-key", remediation=KEY_REMEDIATION)
secret(142, "dsa-private-key", "DSA private key", "critical", _pem("DSA PRIVATE KEY"), ["-----begin dsa private key"],
       validate=pem_ok, whole=True, gitleaks="private-key", trivy="private-key", remediation=KEY_REMEDIATION)
secret(143, "openssh-private-key", "OpenSSH private key", "critical", _pem("OPENSSH PRIVATE KEY"),
       ["-----begin openssh private key"], validate=pem_ok, whole=True, gitleaks="private-key", trivy="private-key",
       remediation=KEY_REMEDIATION)
secret(144, "pkcs8-private-key", "PKCS#8 private key", "critical", _pem("PRIVATE KEY"), ["-----begin private key"],
       validate=pem_ok, whole=True, gitleaks="private-key", trivy="private-key", remediation=KEY_REMEDIATION)
secret(145, "encrypted-private-key", "Encrypted PKCS#8 private key", "medium", _pem("ENCRYPTED PRIVATE KEY"),
       ["-----begin encrypted private key"], validate=pem_ok, whole=True, gitleaks="private-key", remediation=KEY_REMEDIATION,
       description="A passphrase-protected private key: brute-forcible offline, and the passphrase is often nearby.")
secret(146, "pgp-private-key", "PGP private key block", "critical", _pem("PGP PRIVATE KEY BLOCK"),
       ["-----begin pgp private key block"], validate=pem_ok, whole=True, gitleaks="private-key", trivy="private-key",
       remediation=KEY_REMEDIATION)
secret(147, "putty-private-key", "PuTTY private key", "critical",
       r"(?P<s>PuTTY-User-Key-File-[23]:[^\n]*\n(?:[^\n]*\n){2,40}?Private-Lines:[ \t]*\d+\s*\n(?:[A-Za-z0-9+/=]+\s*\n){1,40})",
       ["putty-user-key-file-"], whole=True, remediation=KEY_REMEDIATION)
secret(148, "age-secret-key", "age encryption secret key", "critical",
       tok(r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"), ["age-secret-key-1"],
       gitleaks="age-secret-key", trivy="age-secret-key", remediation=KEY_REMEDIATION)
secret(149, "ssh2-private-key", "SSH2 (RFC 4716) private key", "critical",
       r"(?P<s>----[ \t]BEGIN[ \t]SSH2[ \t](?:ENCRYPTED[ \t])?PRIVATE[ \t]KEY[ \t]----(?:[^-]|-(?!---)){64,20000}?----[ \t]END[ \t]SSH2[ \t](?:ENCRYPTED[ \t])?PRIVATE[ \t]KEY[ \t]----)",
       ["---- begin ssh2"], validate=pem_ok, whole=True, remediation=KEY_REMEDIATION)
secret(150, "jwt", "JSON Web Token", "medium",
       tok(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), ["eyj"], validate=jwt_ok,
       gitleaks="jwt", trivy="jwt-token", allow=[r"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c$"],
       description="A signed bearer token (header and payload verified to be JSON); whoever holds it acts as its subject until it expires.")
secret(151, "kubeconfig-client-key-data", "Kubernetes client private key in a kubeconfig", "critical",
       r"client-key-data[\"']?[ \t]*:[ \t]*[\"']?(?P<s>[A-Za-z0-9+/]{40,}={0,2})", ["client-key-data"],
       validate=pem_in_b64_ok, priority=PRIO_STRUCTURED,
       remediation="Remove the kubeconfig from the tree; rotate the client certificate (kubeadm certs renew / revoke at the CA) and use short-lived exec-plugin or OIDC credentials.")
secret(152, "kubeconfig-token", "Kubernetes bearer token in a kubeconfig", "critical",
       r"(?m)^[ \t]*(?:token|id-token|refresh-token)[ \t]*:[ \t]*[\"']?(?P<s>[A-Za-z0-9._~+/=\-]{20,})[\"']?[ \t]*$",
       ["token"], requires=["clusters:", "users:"], priority=PRIO_STRUCTURED, entropy=3.0,
       remediation="Delete the ServiceAccount token Secret or revoke the user token, remove the kubeconfig from the tree, and use short-lived tokens (kubectl create token, OIDC).")
secret(153, "jwk-private-key", "JSON Web Key with private part", "critical",
       r"\"kty\"\s*:\s*\"(?:RSA|EC|OKP)\"[^{}]{0,600}?\"d\"\s*:\s*\"(?P<s>[A-Za-z0-9_-]{32,})\"", ["\"kty\""],
       whole=True, remediation=KEY_REMEDIATION)
secret(154, "wireguard-private-key", "WireGuard private key", "critical",
       ctx(r"privatekey", r"[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]="), ["privatekey"], requires=["[interface]"],
       remediation=KEY_REMEDIATION)
secret(155, "openvpn-static-key", "OpenVPN static key", "critical",
       r"(?P<s>-----BEGIN OpenVPN Static key V1-----(?:[^-]|-(?!----)){64,4000}?-----END OpenVPN Static key V1-----)",
       ["-----begin openvpn static key"], whole=True, remediation=KEY_REMEDIATION)
secret(156, "private-key-other", "Private key (other PEM type)", "high",
       r"(?P<s>-----BEGIN[ A-Z0-9_-]{1,40}PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-(?!----)){64,20000}?-----END[ A-Z0-9_-]{1,40}PRIVATE KEY(?: BLOCK)?-----)",
       ["-----begin"], validate=pem_ok, priority=20, whole=True, gitleaks="private-key", trivy="private-key",
       remediation=KEY_REMEDIATION)

#: Key stores found by file name (binary files are not read as text).
PKCS12_RULE = "SW-SEC-157"
JKS_RULE = "SW-SEC-158"
declare(id=PKCS12_RULE, title="PKCS#12 key store file (.p12/.pfx)", severity="high", category="secret",
        description="A PKCS#12 bundle usually holds a private key with its certificate chain.",
        remediation=KEY_REMEDIATION, risk=RISK, countermeasure=COUNTERMEASURE, target="secret",
        tools={"gitleaks": "pkcs12-file"}, cwe=("CWE-798",), tags=("secret", "pkcs12-file"))
declare(id=JKS_RULE, title="Java key store file (.jks/.keystore)", severity="medium", category="secret",
        description="A Java key store often holds private keys protected by a weak or default store password.",
        remediation=KEY_REMEDIATION, risk=RISK, countermeasure=COUNTERMEASURE, target="secret",
        cwe=("CWE-798",), tags=("secret", "java-keystore"))
PATH_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\.p(?:12|fx)$"), PKCS12_RULE),
    (re.compile(r"(?i)\.(?:jks|keystore)$"), JKS_RULE),
)
