"""A planted-secret corpus: realistic files (.env, YAML, JSON, Python, shell, Dockerfile,
Kubernetes Secrets, kubeconfig, docker config.json, .netrc, .git-credentials, .npmrc) holding
secrets of every supported format, plus look-alike decoys that a good scanner must not report.

Everything is generated from a seed at test time (no secret is stored in the repository). The
ground truth lists each planted secret as (path, first line, last line, kind); a scanner's
finding counts as a true positive when it names a line inside a planted range, every other
finding (after folding several findings on one line into one) is a false positive.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
B64 = string.ascii_letters + string.digits + "+/"
URLSAFE = string.ascii_letters + string.digits + "-_"
_BAD = (
    "example",
    "xxxxx",
    "0123456789",
    "1234567890",
    "abcdefghij",
    "fake",
    "sample",
    "dummy",
    "test",
    "your",
    "placeholder",
    "changeme",
    "redacted",
    "aaaaa",
    "...",
)


@dataclass(frozen=True, slots=True)
class Planted:
    path: str
    line: int
    end_line: int
    kind: str
    needle: str = field(default="", compare=False)  # a part of the secret no output may contain


@dataclass(slots=True)
class Corpus:
    root: Path
    planted: list[Planted] = field(default_factory=list)
    decoys: int = 0
    files: int = 0
    bytes: int = 0
    #: lines where a finding is neither right nor wrong (e.g. a peer reporting a Secret by its
    #: ``kind: Secret`` line): ignored by :func:`score`
    neutral: set[tuple[str, int]] = field(default_factory=set)

    def kinds(self) -> set[str]:
        return {p.kind for p in self.planted}


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    while True:
        s = "".join(rng.choice(alphabet) for _ in range(n))
        if not any(b in s.lower() for b in _BAD):
            return s


def _b62(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")


def _crc_token(rng: random.Random, prefix: str) -> str:
    body = _rand(rng, ALNUM, 30)
    return prefix + body + _b62(binascii.crc32(body.encode()))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _pem_body(rng: random.Random, n_lines: int) -> list[str]:
    return [_rand(rng, B64, 64) for _ in range(n_lines)] + [_rand(rng, B64, 40) + "=="]


def _jwt(rng: random.Random) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(
        json.dumps(
            {"sub": _rand(rng, LOWER_ALNUM, 12), "iat": rng.randint(1600000000, 1800000000), "role": "admin"}
        ).encode()
    )
    return f"{header}.{payload}.{_b64url(rng.randbytes(32))}"


def _password(rng: random.Random) -> str:
    alphabet = ALNUM + "!#%^*-_+="
    while True:
        p = _rand(rng, alphabet, rng.randint(12, 20))
        if any(c.isdigit() for c in p) and any(c.isalpha() for c in p):
            return p


# -- one-line secret formats: kind -> (variable name, value maker) ---------------------------------
Maker = Callable[[random.Random], str]
TOKENS: dict[str, tuple[str, Maker]] = {
    "aws-access-key-id": ("AWS_ACCESS_KEY_ID", lambda r: "AKIA" + _rand(r, string.ascii_uppercase + "234567", 16)),
    "github-pat": ("GITHUB_TOKEN", lambda r: _crc_token(r, "ghp_")),
    "github-oauth": ("GH_OAUTH", lambda r: _crc_token(r, "gho_")),
    "github-app": ("GH_APP_TOKEN", lambda r: _crc_token(r, "ghs_")),
    "github-fine-grained": ("GH_PAT", lambda r: "github_pat_" + _rand(r, ALNUM, 22) + "_" + _rand(r, ALNUM, 59)),
    "gitlab-pat": ("GITLAB_TOKEN", lambda r: "glpat-" + _rand(r, ALNUM + "_-", 20)),
    "gitlab-runner": ("RUNNER_TOKEN", lambda r: "glrt-" + _rand(r, ALNUM, 20)),
    "slack-bot": (
        "SLACK_BOT_TOKEN",
        lambda r: f"xoxb-{r.randint(10**11, 10**12)}-{r.randint(10**11, 10**12)}-{_rand(r, ALNUM, 24)}",
    ),
    "slack-webhook": (
        "SLACK_WEBHOOK",
        lambda r: (
            "https://hooks.slack.com/services/T"
            + _rand(r, string.ascii_uppercase + string.digits, 8)
            + "/B"
            + _rand(r, string.ascii_uppercase + string.digits, 8)
            + "/"
            + _rand(r, ALNUM, 24)
        ),
    ),
    "stripe-live": ("STRIPE_SECRET_KEY", lambda r: "sk_live_" + _rand(r, ALNUM, 24)),
    "stripe-restricted": ("STRIPE_RK", lambda r: "rk_live_" + _rand(r, ALNUM, 24)),
    "twilio-api-key": ("TWILIO_API_KEY", lambda r: "SK" + _rand(r, HEX, 32)),
    "sendgrid": ("SENDGRID_API_KEY", lambda r: "SG." + _rand(r, ALNUM + "_-", 22) + "." + _rand(r, ALNUM + "_-", 43)),
    "npm-token": ("NPM_TOKEN", lambda r: _crc_token(r, "npm_")),
    "pypi-token": ("PYPI_TOKEN", lambda r: "pypi-AgEIcHlwaS5vcmc" + _rand(r, URLSAFE, 70)),
    "gcp-api-key": ("GOOGLE_API_KEY", lambda r: "AIza" + _rand(r, URLSAFE, 35)),
    "google-oauth-secret": ("GOOGLE_CLIENT_SECRET", lambda r: "GOCSPX-" + _rand(r, URLSAFE, 28)),
    "azure-client-secret": (
        "AZURE_CLIENT_SECRET",
        lambda r: _rand(r, ALNUM, 3) + str(r.randint(0, 9)) + "Q~" + _rand(r, ALNUM + "_~.", 34),
    ),
    "azure-storage-key": (
        "AZURE_STORAGE_KEY",
        lambda r: (
            "DefaultEndpointsProtocol=https;AccountName=acct"
            + _rand(r, LOWER_ALNUM, 6)
            + ";AccountKey="
            + _rand(r, B64, 86)
            + "=="
        ),
    ),
    "digitalocean-pat": ("DO_TOKEN", lambda r: "dop_v1_" + _rand(r, HEX, 64)),
    "shopify": ("SHOPIFY_TOKEN", lambda r: "shpat_" + _rand(r, HEX, 32)),
    "openai": ("OPENAI_API_KEY", lambda r: "sk-proj-" + _rand(r, ALNUM, 58) + "T3BlbkFJ" + _rand(r, ALNUM, 58)),
    "anthropic": ("ANTHROPIC_API_KEY", lambda r: "sk-ant-api03-" + _rand(r, ALNUM + "_-", 93) + "AA"),
    "huggingface": ("HF_TOKEN", lambda r: "hf_" + _rand(r, ALNUM, 34)),
    "databricks": ("DATABRICKS_TOKEN", lambda r: "dapi" + _rand(r, HEX, 32)),
    "sentry": ("SENTRY_AUTH_TOKEN", lambda r: "sntryu_" + _rand(r, HEX, 64)),
    "age-key": ("AGE_KEY", lambda r: "AGE-SECRET-KEY-1" + _rand(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)),
    "dockerhub-pat": ("DOCKERHUB_TOKEN", lambda r: "dckr_pat_" + _rand(r, ALNUM + "_-", 27)),
    "hashicorp-vault": ("VAULT_TOKEN", lambda r: "hvs." + _rand(r, ALNUM + "_-", 95)),
    "jwt": ("SESSION_JWT", _jwt),
    "postgres-url": ("DATABASE_URL", lambda r: f"postgresql://app:{_password(r)}@db.internal:5432/app"),
    "mysql-url": ("MYSQL_URL", lambda r: f"mysql://root:{_password(r)}@mysql:3306/shop"),
    "mongodb-url": ("MONGO_URI", lambda r: f"mongodb+srv://svc:{_password(r)}@cluster0.mongo.net/prod"),
    "redis-url": ("REDIS_URL", lambda r: f"redis://default:{_password(r)}@cache:6379/0"),
    "amqp-url": ("BROKER_URL", lambda r: f"amqp://worker:{_password(r)}@rabbitmq:5672/vhost"),
    "generic-password": ("DB_PASSWORD", _password),
    "generic-secret": ("CLIENT_SECRET", lambda r: _rand(r, ALNUM, 32)),
    "generic-api-key": ("PAYMENTS_API_KEY", lambda r: _rand(r, LOWER_ALNUM, 40)),
    "generic-token": ("AUTH_TOKEN", lambda r: _rand(r, ALNUM, 48)),
    "telegram-bot": ("TELEGRAM_BOT_TOKEN", lambda r: f"{r.randint(10**8, 10**9)}:AA" + _rand(r, ALNUM + "_-", 33)),
    "grafana-sa": ("GRAFANA_TOKEN", lambda r: "glsa_" + _rand(r, ALNUM, 32) + "_" + _rand(r, HEX, 8)),
    "newrelic": ("NEW_RELIC_API_KEY", lambda r: "NRAK-" + _rand(r, string.ascii_uppercase + string.digits, 27)),
    "linear": ("LINEAR_API_KEY", lambda r: "lin_api_" + _rand(r, ALNUM, 40)),
    "doppler": ("DOPPLER_TOKEN", lambda r: "dp.st." + _rand(r, ALNUM, 43)),
    "pulumi": ("PULUMI_ACCESS_TOKEN", lambda r: "pul-" + _rand(r, HEX, 40)),
    "rubygems": ("GEM_HOST_API_KEY", lambda r: "rubygems_" + _rand(r, HEX, 48)),
    "postman": ("POSTMAN_API_KEY", lambda r: "PMAK-" + _rand(r, HEX, 24) + "-" + _rand(r, HEX, 34)),
    "alibaba": ("ALIBABA_ACCESS_KEY_ID", lambda r: "LTAI" + _rand(r, ALNUM, 20)),
    "mailchimp": ("MAILCHIMP_KEY", lambda r: _rand(r, HEX, 32) + "-us" + str(r.randint(1, 20))),
}

#: Values that look like secrets but are not: the scanner must stay quiet on these lines.
DECOY_LINES: list[Callable[[random.Random], str]] = [
    lambda r: "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
    lambda r: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    lambda r: "GITHUB_TOKEN=ghp_" + _rand(r, ALNUM, 36),  # fails the CRC32 checksum
    lambda r: "NPM_TOKEN=npm_" + _rand(r, ALNUM, 36),  # fails the CRC32 checksum
    lambda r: "DB_PASSWORD=${DB_PASSWORD}",
    lambda r: 'password: "{{ .Values.db.password }}"',
    lambda r: "PASSWORD=changeme",
    lambda r: 'password: ""',
    lambda r: "password_min_length: 16",
    lambda r: "token_url: https://auth.example.org/oauth/token",
    lambda r: 'api_key: "<your-api-key>"',
    lambda r: "secretName: " + r.choice(["app-tls", "db-credentials", "registry-pull"]),
    lambda r: "commit: " + _rand(r, HEX, 40),
    lambda r: "image: registry.local/app@sha256:" + _rand(r, HEX, 64),
    lambda r: "request_id: " + "-".join(_rand(r, HEX, n) for n in (8, 4, 4, 4, 12)),
    lambda r: "DATABASE_URL=postgres://app@db:5432/app",
    lambda r: "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app",
    lambda r: "SLACK_TOKEN=xoxb-your-token-here",
    lambda r: "checksum: sha256:" + _rand(r, HEX, 64),
    lambda r: "session: eyJ" + _rand(r, ALNUM, 30) + ".eyJ" + _rand(r, ALNUM, 30) + "." + _rand(r, ALNUM, 20),
    lambda r: "passwordPolicy: strict",
    lambda r: "apiVersion: v1",
    lambda r: "key: " + r.choice(["password", "api-token", "tls.key"]),
    lambda r: "token: true",
    lambda r: 'public_key: "' + _rand(r, B64, 44) + '"',
    lambda r: "secret_key_ref: app-credentials",
    lambda r: "auth_token_ttl: 3600",
    lambda r: "build_id: " + str(r.randint(10**15, 10**16)),
]
PY_DECOYS = [
    'password = os.environ["DB_PASSWORD"]',
    'token = request.headers.get("Authorization")',
    "api_key = settings.PAYMENTS_API_KEY",
    'secret = get_secret("app/prod")',
    "if password == confirm_password:",
    "self.password = password",
]
FILLER = [
    "# service configuration",
    "LOG_LEVEL=info",
    "replicas: 3",
    "timeout_seconds: 30",
    "region: eu-west-1",
    "feature_flags: [search, checkout]",
    "max_connections: 100",
    "enable_tracing: true",
    "endpoint: https://api.internal.local/v2",
    "cache_ttl: 600",
    "username: app",
    "port: 8080",
]


_WORDS = (
    "order",
    "invoice",
    "customer",
    "session",
    "cache",
    "payment",
    "report",
    "user",
    "config",
    "token",
    "metrics",
    "queue",
    "worker",
    "request",
    "response",
    "account",
    "product",
    "search",
    "index",
    "batch",
)
_BULK: tuple[str, ...] = (
    "def handle_{w}(request, {w}_id):",
    "    return self.{w}_service.get({w}_id, timeout={n})",
    '    logger.info("processing {w} %s", {w}_id)',
    "    if user.is_authenticated and {w}.is_valid():",
    '    key = cache_key("{w}", item.id)',
    '    url = f"https://api.internal.local/v1/{w}/{{item.id}}"',
    "{w}_retries: {n}",
    "  - name: {w}-{n}",
    "    image: registry.local/{w}:{n}.0.1",
    "# {w}: see docs/{w}.md for the token refresh flow",
    "{w}.max_pool_size = {n}",
    "export {W}_TIMEOUT={n}",
    "sha: {hex}",
)


def bulk_lines(rng: random.Random, n: int) -> list[str]:
    """Ordinary code/config lines (some with words like token/key) to give files a realistic size."""
    out = []
    for _ in range(n):
        w = rng.choice(_WORDS)
        tpl = rng.choice(_BULK)
        out.append(tpl.format(w=w, W=w.upper(), n=rng.randint(1, 500), hex=_rand(rng, HEX, 40)))
    return out


class _File:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: list[str] = []
        self.planted: list[tuple[int, int, str, str]] = []
        self.neutral: list[int] = []

    def add(self, *lines: str) -> int:
        self.lines.extend(lines)
        return len(self.lines)

    def plant(self, kind: str, *lines: str, needle: str = "") -> None:
        start = len(self.lines) + 1
        self.lines.extend(lines)
        self.planted.append((start, len(self.lines), kind, needle or _needle(lines)))


def _needle(lines: tuple[str, ...]) -> str:
    """The longest run of secret-alphabet characters in the planted lines (>= 12 chars)."""
    import re

    runs = re.findall(r"[A-Za-z0-9+/_\-.~!#%^*]{12,}", " ".join(lines))
    return max(runs, key=len) if runs else ""


def _core(value: str) -> str:
    """The part of a value that is the secret: a URL's password, a JWT's signature, else all."""
    if "://" in value and "@" in value:
        return value.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    if value.startswith("eyJ"):
        return value.rsplit(".", 1)[1]
    if "AccountKey=" in value:
        return value.split("AccountKey=", 1)[1]
    return value


def _fmt(style: str, name: str, value: str) -> str:
    if style == "env":
        return f"{name}={value}"
    if style == "shell":
        return f'export {name}="{value}"'
    if style == "yaml":
        return f'{name.lower()}: "{value}"'
    if style == "python":
        return f'{name} = "{value}"'
    if style == "dockerfile":
        return f"ENV {name}={value}"
    if style == "json":
        return f'  "{name.lower()}": "{value}",'
    raise ValueError(style)


_STYLES = {"env": ".env", "shell": ".sh", "yaml": ".yaml", "python": ".py", "dockerfile": "Dockerfile", "json": ".json"}


def _token_file(
    rng: random.Random, idx: int, kinds: list[str], decoys: int, counter: list[int], bulk: int = 0
) -> _File:
    style = rng.choice(sorted(_STYLES))
    suffix = _STYLES[style]
    name = f"svc{idx:03d}/{'Dockerfile' if style == 'dockerfile' else 'config' + suffix}"
    f = _File(name)
    if style == "dockerfile":
        f.add("FROM python:3.12-slim", "WORKDIR /app", "COPY . .")
    elif style == "json":
        f.add("{", '  "name": "svc",')
    elif style == "python":
        f.add("import os", "", "DEBUG = False")
    elif style == "shell":
        f.add("#!/bin/sh", "set -eu")
    for kind in kinds:
        for _ in range(rng.randint(0, 2)):
            f.add(_filler(rng, style))
        var, make = TOKENS[kind]
        value = make(rng)
        f.plant(kind, _fmt(style, var, value), needle=_core(value))
    for _ in range(decoys):
        line = rng.choice(DECOY_LINES)(rng)
        if style == "python":
            line = rng.choice(PY_DECOYS)
        elif style == "json":
            k, _, v = line.partition(":") if ": " in line else line.partition("=")
            line = f'  "{k.strip()}": "{v.strip().strip(chr(34))}",'
        elif style == "dockerfile":
            line = "# " + line
        elif style == "yaml" and "=" in line.split(":")[0]:
            k, _, v = line.partition("=")
            line = f'{k.lower()}: "{v}"'
        f.add(line)
        counter[0] += 1
    if bulk and style in ("python", "shell", "env"):
        f.add(*("# " + b if style != "python" else b for b in bulk_lines(rng, bulk)))
    elif bulk and style in ("yaml", "dockerfile"):
        f.add(*("# " + b for b in bulk_lines(rng, bulk)))
    if style == "json":
        f.add('  "version": 1', "}")
    elif style == "dockerfile":
        f.add('CMD ["python", "-m", "app"]')
    return f


def _filler(rng: random.Random, style: str) -> str:
    line = rng.choice(FILLER)
    if style == "yaml" and "=" in line:
        k, _, v = line.partition("=")
        line = f"{k.lower()}: {v}"
    if style in ("python", "dockerfile", "json"):
        return "# " + line if style != "json" else '  "note": "' + line.replace('"', "") + '",'
    return line


def _structured(rng: random.Random) -> list[_File]:
    out: list[_File] = []
    # AWS credentials file with a key pair
    f = _File("home/.aws/credentials")
    f.add("[default]")
    f.plant("aws-access-key-id", "aws_access_key_id = AKIA" + _rand(rng, string.ascii_uppercase + "234567", 16))
    f.plant("aws-secret-access-key", "aws_secret_access_key = " + _rand(rng, ALNUM + "+/", 40))
    f.add("region = us-east-1")
    out.append(f)
    # GCP service-account JSON
    f = _File("deploy/gcp-sa.json")
    f.add(
        "{",
        '  "type": "service_account",',
        '  "project_id": "shop-prod",',
        '  "private_key_id": "' + _rand(rng, HEX, 40) + '",',
    )
    body = "\\n".join(_pem_body(rng, 20))
    f.plant(
        "gcp-service-account",
        f'  "private_key": "-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n",',
    )
    f.add('  "client_email": "deployer@shop-prod.iam.gserviceaccount.com",', '  "client_id": "1234"', "}")
    _s, _e, kind, needle = f.planted[-1]
    f.planted[-1] = (1, len(f.lines), kind, needle)  # the key file is one credential: any line of it
    out.append(f)
    # private keys
    for label, name, kind in (
        ("RSA PRIVATE KEY", "keys/id_rsa", "rsa-private-key"),
        ("OPENSSH PRIVATE KEY", "keys/id_ed25519", "openssh-private-key"),
        ("EC PRIVATE KEY", "certs/server.key", "ec-private-key"),
        ("PGP PRIVATE KEY BLOCK", "keys/signing.asc", "pgp-private-key"),
        ("PRIVATE KEY", "certs/tls.key", "pkcs8-private-key"),
    ):
        f = _File(name)
        lines = [f"-----BEGIN {label}-----", *_pem_body(rng, 12), f"-----END {label}-----"]
        f.plant(kind, *lines)
        out.append(f)
    # decoy: a certificate and a public key
    f = _File("certs/server.crt")
    f.add(
        "-----BEGIN CERTIFICATE-----",
        *_pem_body(rng, 12),
        "-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----",
        *_pem_body(rng, 4),
        "-----END PUBLIC KEY-----",
    )
    out.append(f)
    # .netrc, .git-credentials, .npmrc, docker config.json, kubeconfig
    f = _File("home/.netrc")
    pw = _password(rng)
    f.plant("netrc", f"machine api.github.com login deploy password {pw}", needle=pw)
    f.add("machine registry.local login ci password ${REGISTRY_PASSWORD}")
    out.append(f)
    f = _File("home/.git-credentials")
    tok = _rand(rng, ALNUM, 24)
    f.plant("git-credentials", f"https://deploy:{tok}@git.internal.local", needle=tok)
    out.append(f)
    f = _File("web/.npmrc")
    f.add("registry=https://registry.npmjs.org/")
    tok = _rand(rng, ALNUM, 36)
    f.plant("npmrc-auth-token", "//npm.internal.local/:_authToken=" + tok, needle=tok)
    f.add("//registry.npmjs.org/:_authToken=${NPM_TOKEN}")
    out.append(f)
    f = _File("home/.docker/config.json")
    pw = _password(rng)
    cred = base64.b64encode(f"ci-bot:{pw}".encode()).decode()
    f.add("{", '  "auths": {', '    "registry.local:5000": {')
    f.plant("docker-config-auth", f'      "auth": "{cred}"', needle=pw)
    f.add("    }", "  },", '  "credsStore": ""', "}")
    out.append(f)
    f = _File("home/.kube/config")
    key_data = base64.b64encode(
        (
            "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(_pem_body(rng, 10)) + "\n-----END RSA PRIVATE KEY-----\n"
        ).encode()
    ).decode()
    f.add(
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- cluster:",
        "    server: https://10.0.0.1:6443",
        "  name: prod",
        "users:",
        "- name: admin",
        "  user:",
    )
    f.plant("kubeconfig-client-key", f"    client-key-data: {key_data}")
    f.add("- name: robot", "  user:")
    tok = _rand(rng, ALNUM, 54)
    f.plant("kubeconfig-token", f"    token: {tok}", needle=tok)
    f.add("contexts: []", "current-context: prod")
    out.append(f)
    # Kubernetes Secret (base64 data and stringData) and a templated decoy Secret
    pw, tk = _password(rng), _crc_token(rng, "ghp_")
    f = _File("k8s/secret.yaml")
    f.neutral.append(2)  # "kind: Secret": where some scanners report the whole object
    f.add(
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: app-credentials",
        "  namespace: shop",
        "type: Opaque",
        "data:",
    )
    f.plant("k8s-secret-data", f"  db-password: {base64.b64encode(pw.encode()).decode()}", needle=pw)
    f.add("  username: " + base64.b64encode(b"app").decode(), "stringData:")
    f.plant("k8s-secret-stringdata", f"  github-token: {tk}", needle=tk)
    f.add(
        "---",
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: templated",
        "stringData:",
        '  password: "{{ .Values.password }}"',
        '  api-key: ""',
    )
    out.append(f)
    # Deployment with a literal secret env value and a secretKeyRef decoy
    f = _File("k8s/deployment.yaml")
    f.add(
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: api",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        "        - name: api",
        "          image: registry.local/api:1.4.2",
        "          env:",
        "            - name: STRIPE_SECRET_KEY",
    )
    sk = "sk_live_" + _rand(rng, ALNUM, 24)
    f.plant("k8s-env-value", "              value: " + sk, needle=sk)
    f.add(
        "            - name: DB_PASSWORD",
        "              valueFrom:",
        "                secretKeyRef:",
        "                  name: app-credentials",
        "                  key: db-password",
    )
    out.append(f)
    # Python settings with a Django SECRET_KEY and decoys
    f = _File("app/settings.py")
    f.add("import os", "", "DEBUG = False")
    f.plant("django-secret-key", "SECRET_KEY = '" + _rand(rng, ALNUM + "!@#%^&*(-_=+)", 50) + "'")
    f.add(*PY_DECOYS)
    out.append(f)
    # Terraform, Java properties with JDBC, curl script, htpasswd, Maven settings, .pypirc, docs
    f = _File("infra/main.tf")
    pw = _password(rng)
    f.add('resource "aws_db_instance" "main" {', '  engine   = "postgres"', '  username = "app"')
    f.plant("terraform-password", f'  password = "{pw}"', needle=pw)
    f.add("  password_length = 24", "  kms_key_id = var.kms_key_id", "}")
    out.append(f)
    f = _File("service/src/main/resources/application.properties")
    pw = _password(rng)
    f.add("spring.application.name=orders", "server.port=8080")
    f.plant("jdbc-url", f"spring.datasource.url=jdbc:mysql://db:3306/orders?user=app&password={pw}", needle=pw)
    f.add("spring.datasource.password=${DB_PASSWORD}", "management.endpoints.web.exposure.include=health")
    out.append(f)
    f = _File("scripts/release.sh")
    tok = _rand(rng, ALNUM, 40)
    f.add("#!/bin/sh", "set -eu")
    f.plant(
        "bearer-header",
        f'curl -fsS -H "Authorization: Bearer {tok}" https://api.internal.local/v1/releases',
        needle=tok,
    )
    pw = _password(rng)
    f.plant("curl-user", f"curl -u deploy:{pw} https://nexus.internal.local/repository/raw/", needle=pw)
    f.add(
        'curl -H "Authorization: Bearer $TOKEN" https://api.internal.local/v1/ping',
        'curl -u "$USER:$PASS" https://nexus.internal.local/',
    )
    out.append(f)
    f = _File("nginx/htpasswd")
    h = "$apr1$" + _rand(rng, ALNUM, 8) + "$" + _rand(rng, ALNUM + "./", 22)
    f.plant("htpasswd", "admin:" + h, needle=h)
    out.append(f)
    f = _File("build/settings.xml")
    pw = _password(rng)
    f.add("<settings>", "  <servers>", "    <server>", "      <id>internal</id>", "      <username>ci</username>")
    f.plant("maven-password", f"      <password>{pw}</password>", needle=pw)
    f.add(
        "    </server>",
        "    <server>",
        "      <id>enc</id>",
        "      <password>{COQLCE6DU6GtcS5P=}</password>",
        "    </server>",
        "  </servers>",
        "</settings>",
    )
    out.append(f)
    f = _File("home/.pypirc")
    tok = "pypi-AgEIcHlwaS5vcmc" + _rand(rng, URLSAFE, 80)
    f.add("[distutils]", "index-servers = pypi", "", "[pypi]", "username = __token__")
    f.plant("pypirc-token", f"password = {tok}", needle=tok)
    out.append(f)
    f = _File("docs/operations.md")
    hook = _rand(rng, ALNUM, 24)
    f.add("# Operations", "", "Alerts go to the on-call channel:", "")
    f.plant(
        "slack-webhook-doc",
        "    https://hooks.slack.com/services/"
        + f"T{_rand(rng, string.ascii_uppercase, 8)}/B{_rand(rng, string.ascii_uppercase, 8)}/{hook}",
        needle=hook,
    )
    f.add(
        "",
        "Rotate tokens with `vault write auth/token/create policies=ci`.",
        "Example config: `api_key: <your key>` and `password: ********`.",
        "![diagram](data:image/png;base64," + _rand(rng, B64, 120) + ")",
    )
    out.append(f)
    # decoys only: checksums, UUIDs, minified JS, CSS
    f = _File("dist/SHA256SUMS")
    for i in range(10):
        f.add(f"{_rand(rng, HEX, 64)}  release-{i}.tar.gz")
    out.append(f)
    f = _File("web/static/app.min.js")
    f.add(";".join(f'var {_rand(rng, string.ascii_lowercase, 2)}="{_rand(rng, ALNUM, 16)}"' for _ in range(40)))
    f.add('const cfg={apiBase:"https://api.internal.local",publicKey:"' + _rand(rng, B64, 44) + '",retries:3};')
    out.append(f)
    f = _File("web/static/site.css")
    f.add(
        *(
            f".c{i}{{color:#{_rand(rng, HEX, 6)};background:url(data:image/png;base64,{_rand(rng, B64, 60)})}}"
            for i in range(10)
        )
    )
    out.append(f)
    f = _File("data/fixtures.json")
    f.add("[")
    for _ in range(10):
        f.add(
            f'  {{"id": "{"-".join(_rand(rng, HEX, n) for n in (8, 4, 4, 4, 12))}", "sha": "{_rand(rng, HEX, 40)}"}},'
        )
    f.add('  {"id": "last"}', "]")
    out.append(f)
    # a lock file full of hashes: must be skipped
    f = _File("web/package-lock.json")
    f.add("{", '  "packages": {')
    for i in range(20):
        f.add(f'    "node_modules/pkg{i}": {{"integrity": "sha512-{_rand(rng, B64, 86)}=="}},')
    f.add("  }", "}")
    out.append(f)
    return out


def generate(root: Path, seed: int = 1, files: int = 80, scale: int = 1, bulk: int = 0) -> Corpus:
    """Write the corpus under ``root``; ``scale`` repeats the token files and ``bulk`` adds that
    many ordinary lines to most files (for throughput runs)."""
    rng = random.Random(seed)
    corpus = Corpus(root)
    counter = [0]
    out: list[_File] = _structured(rng)
    kinds = sorted(TOKENS)
    n = files * scale
    for i in range(n):
        chosen = [kinds[(i * 3 + j) % len(kinds)] for j in range(rng.randint(1, 4))]
        out.append(_token_file(rng, i, list(dict.fromkeys(chosen)), rng.randint(2, 6), counter, bulk))
    for f in out:
        p = root / f.path
        p.parent.mkdir(parents=True, exist_ok=True)
        data = "\n".join(f.lines) + "\n"
        p.write_text(data, encoding="utf-8")
        corpus.files += 1
        corpus.bytes += len(data.encode())
        for start, end, kind, needle in f.planted:
            corpus.planted.append(Planted(f.path, start, end, kind, needle))
        corpus.neutral.update((f.path, n) for n in f.neutral)
    corpus.decoys = counter[0]
    return corpus


@dataclass(frozen=True, slots=True)
class Score:
    tp: int
    fp: int
    fn: int
    missed: tuple[Planted, ...]
    false: tuple[tuple[str, int], ...]

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        found = self.tp_findings + self.fp
        return self.tp_findings / found if found else 1.0

    @property
    def tp_findings(self) -> int:
        return self.tp


def score(corpus: Corpus, findings: Iterable[tuple[str, int]]) -> Score:
    """Compare (relative path, line) findings with the planted ranges (several findings on one
    line count once; a planted range found by any finding counts once)."""
    by_path: dict[str, list[Planted]] = {}
    for p in corpus.planted:
        by_path.setdefault(p.path, []).append(p)
    hit: set[Planted] = set()
    false: set[tuple[str, int]] = set()
    for path, line in set(findings):
        if (path, line) in corpus.neutral:
            continue
        match = [p for p in by_path.get(path, ()) if p.line <= line <= p.end_line]
        if match:
            hit.update(match)
        else:
            false.add((path, line))
    missed = tuple(p for p in corpus.planted if p not in hit)
    # precision counts each planted range once, however many findings land in it
    return Score(len(hit), len(false), len(missed), missed, tuple(sorted(false)))
