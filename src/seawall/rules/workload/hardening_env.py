"""Environment variables: secrets consumed as env, literal credentials, duplicate names.

Why: environment variables leak — into crash dumps, `kubectl describe`, child processes, logs
and /proc/<pid>/environ of anything sharing the PID namespace — and a literal value in a
manifest lives forever in git. NIST SP 800-190 4.1.4 asks for secrets injected at run time from
the orchestrator's store, given only to the containers that need them; mounted files do that
better than env vars. Credential-looking values are redacted the moment they are found
(at most 4 characters plus a hash).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from seawall.inventory.k8s import ContainerView, PodSpecView, as_dict, as_list, as_str
from seawall.rules.registry import Violation, rule
from seawall.rules.workload.hardening_common import ALL_CONTAINERS, redact

# -- what a credential looks like -----------------------------------------------------------------

_SENSITIVE_TOKENS = frozenset(
    {"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN", "APIKEY",
     "CREDENTIAL", "CREDENTIALS", "PRIVATEKEY", "AUTHKEY"}
)
_SENSITIVE_PAIRS = frozenset(
    {("API", "KEY"), ("ACCESS", "KEY"), ("SECRET", "KEY"), ("PRIVATE", "KEY"), ("AUTH", "KEY"),
     ("CLIENT", "SECRET"), ("KEY", "CONTENT"), ("ENCRYPTION", "KEY"), ("SIGNING", "KEY"),
     ("MASTER", "KEY"), ("ACCOUNT", "KEY"), ("BATCH", "KEY"), ("STORAGE", "KEY")}
)
#: A last word that makes the variable a *reference* or a *setting*, not the secret itself.
_NOT_A_VALUE = frozenset(
    {"FILE", "PATH", "DIR", "NAME", "REF", "ENABLED", "ENABLE", "DISABLED", "TTL", "EXPIRY",
     "EXPIRES", "EXPIRATION", "LENGTH", "TIMEOUT", "URL", "URI", "ENDPOINT", "HEADER", "TYPE", "ID",
     "MODE", "POLICY", "LOCATION", "ISSUER", "AUDIENCE", "VERSION", "SIZE", "FORMAT", "ALGORITHM",
     "MOUNT", "KEYS", "FIELD", "REGEX", "PATTERN", "PROVIDER", "USER", "USERNAME"}
)
_SPLIT_RE = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_PLACEHOLDER_RE = re.compile(r"^\s*(\$\{[^}]*\}|\$\([^)]*\)|\{\{.*\}\}|<[^>]*>|%\([^)]*\)s)\s*$")
_PRIVATE_KEY_RE = re.compile(r"-{3,}\s*BEGIN [A-Z ]*PRIVATE KEY", re.IGNORECASE)
_URL_CRED_RE = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@", re.IGNORECASE)
_KNOWN_TOKEN_RE = re.compile(
    r"\b(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|xox[baprs]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|sk_live_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_-]{35})\b"
)
_AUTH_VALUE_RE = re.compile(r"^\s*(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}\s*$", re.IGNORECASE)
_ASSIGN_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*?)\s*$", re.MULTILINE)


def sensitive_name(name: str) -> bool:
    """True when a variable/key name says it holds a credential (PASSWORD, API_KEY, ...)."""
    words = [w.upper() for w in _SPLIT_RE.split(name) if w]
    if not words:
        return False
    if words[-1] in _NOT_A_VALUE:
        return False
    upper = name.upper()
    if "PASSWORD" in upper or "PASSWD" in upper:
        return True
    if any(w in _SENSITIVE_TOKENS for w in words):
        return True
    if any(w in ("PASS", "PWD") for w in words):  # DB_PASS, pwd (a PWD=/app path is no literal)
        return True
    if any((a, b) in _SENSITIVE_PAIRS for a, b in itertools.pairwise(words)):
        return True
    return len(words) > 1 and words[-1] == "KEY"


def literal_value(value: str) -> bool:
    """A value that is itself the secret: not empty, not a ${VAR}/$(VAR)/{{ }} reference, not a
    boolean or a bare number (TOKEN_TTL=3600, SECRET_ENABLED=true)."""
    v = value.strip().strip("'\"")
    if not v or _PLACEHOLDER_RE.match(v):
        return False
    if v.lower() in ("true", "false", "yes", "no", "on", "off", "null", "none"):
        return False
    if v.startswith("/") and " " not in v:
        return False  # a file path (PASSWORD=/run/secrets/db, PWD=/app): a reference, not the value
    return not v.isdigit()


def credential_in_value(value: str) -> str:
    """The reason a value itself looks like a credential, or ''."""
    if _PRIVATE_KEY_RE.search(value):
        return "a private key"
    if _KNOWN_TOKEN_RE.search(value):
        return "a well-known token format"
    if _URL_CRED_RE.search(value):
        return "a URL with an embedded password"
    if _AUTH_VALUE_RE.match(value):
        return "an Authorization header value"
    return ""


def embedded_assignments(value: str) -> Iterator[tuple[str, str]]:
    """`NAME=value` / `name: value` lines inside a larger value (config files in ConfigMaps)."""
    if "\n" not in value and "=" not in value and ":" not in value:
        return
    for m in _ASSIGN_RE.finditer(value):
        yield m.group(1), m.group(2)


# -- rules --------------------------------------------------------------------------------------


def _env(c: ContainerView) -> list[tuple[int, dict[str, Any]]]:
    """(index, entry) for the map entries of ``env``; once per container (three rules ask), shared:
    do not modify the list."""
    env: list[tuple[int, dict[str, Any]]] | None = c.cache.get("env")
    if env is None:
        env = c.cache["env"] = [(i, e) for i, e in enumerate(as_list(c.data.get("env"))) if isinstance(e, dict)]
    return env


@rule(
    id="SW-K8S-040",
    title="Secret consumed as environment variable",
    severity="low",
    category="secret",
    description="""A Secret is exposed to the container through an environment variable
    (`valueFrom.secretKeyRef` or `envFrom.secretRef`). Env vars leak into logs, crash reports,
    child processes and `/proc/*/environ`; mount the Secret as a read-only file instead.""",
    remediation="""
spec:
  containers:
  - name: app
    volumeMounts:
    - {name: creds, mountPath: /var/run/secrets/app, readOnly: true}
  volumes:
  - name: creds
    secret: {secretName: app-creds, defaultMode: 0400}
""",
    risk=["3.1.4"],
    countermeasure=["4.1.4"],
    target="pod",
    tools={
        "checkov": "CKV_K8S_35",
        "kubescape": "C-0207",
        "kube-linter": "read-secret-from-env-var",
        "kubesec": "SecretsAsEnvironmentVariables",
    },
    cis=["5.4.1"],
)
def secrets_in_env(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        for i, e in _env(c):
            ref = as_dict(as_dict(e.get("valueFrom")).get("secretKeyRef"))
            if ref:
                yield Violation(
                    f"container {c.name!r}: env {as_str(e.get('name'))!r} reads Secret"
                    f" {as_str(ref.get('name'))!r} key {as_str(ref.get('key'))!r}",
                    c.ptr("env", i, "valueFrom", "secretKeyRef"),
                    c.name,
                )
        for i, src in enumerate(as_list(c.data.get("envFrom"))):
            ref = as_dict(as_dict(src).get("secretRef"))
            if ref:
                yield Violation(
                    f"container {c.name!r}: envFrom imports every key of Secret {as_str(ref.get('name'))!r}",
                    c.ptr("envFrom", i, "secretRef"),
                    c.name,
                )


@rule(
    id="SW-K8S-041",
    title="Credential in plain-text environment value",
    severity="high",
    category="secret",
    description="""An env var whose name says it is a credential (PASSWORD, SECRET, TOKEN,
    API_KEY...) has a literal value, or a value that is itself a credential (private key, known
    token format, URL with a password). It is stored in plain text in the manifest, in etcd as
    part of the pod spec, and in git. The evidence is redacted.""",
    remediation="""
spec:
  containers:
  - name: app
    env:
    - name: DB_PASSWORD
      valueFrom:
        secretKeyRef: {name: db-creds, key: password}   # better: mount the Secret as a file
""",
    risk=["3.1.4"],
    countermeasure=["4.1.4"],
    target="pod",
    tools={
        "kubescape": "C-0012",
        "kube-linter": "env-var-secret",
        "polaris": "sensitiveContainerEnvVar",
    },
)
def plaintext_credentials(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        for i, e in _env(c):
            if "value" not in e:
                continue
            name = as_str(e.get("name"))
            value = as_str(e.get("value"))
            why = credential_in_value(value)
            if not why and sensitive_name(name) and literal_value(value):
                why = "a literal value for a credential-named variable"
            if why:
                yield Violation(
                    f"container {c.name!r}: env {name!r} holds {why}",
                    c.ptr("env", i, "value"),
                    c.name,
                    evidence=f"{name}={redact(value)}",
                )


@rule(
    id="SW-K8S-042",
    title="Duplicate environment variable name",
    severity="low",
    category="workload",
    description="""The same env var name appears twice in one container; only the last value
    takes effect, so the manifest does not say what runs (and a reviewer checks the wrong one).""",
    remediation="""
spec:
  containers:
  - name: app
    env:
    - {name: PORT, value: "8080"}     # keep exactly one entry per name
""",
    risk=["3.4.3"],
    countermeasure=["4.4.3"],
    target="pod",
    tools={
        "kubescape": "C-0295",
        "kube-linter": "duplicate-env-var",
        "kube-score": "environment-variable-key-duplication",
    },
)
def duplicate_env(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        seen: dict[str, int] = {}
        for i, e in _env(c):
            name = as_str(e.get("name"))
            if not name:
                continue
            if name in seen:
                yield Violation(
                    f"container {c.name!r}: env {name!r} is set twice (entries {seen[name]} and {i})",
                    c.ptr("env", i, "name"),
                    c.name,
                    evidence=name,
                )
            else:
                seen[name] = i
