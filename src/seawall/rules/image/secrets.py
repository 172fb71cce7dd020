"""Secrets left in the image config: ENV values, labels and build history (RUN lines and build
arguments, which ``docker history`` shows as ``|1 NPM_TOKEN=... /bin/sh -c ...``).

Anyone who can pull the image can read these (NIST SP 800-190 3.1.4). The detector here is
deliberately simple (secret-looking names with literal values, and a few unambiguous token
formats); the secrets engine can replace it through :func:`set_detector`. Evidence is always
redacted at the moment of detection.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from seawall.rules.image.subject import TARGET, ImageSubject, capped, violation
from seawall.rules.registry import Violation, rule


@dataclass(frozen=True, slots=True)
class SecretHit:
    kind: str  # "AWS access key id", "secret-looking variable", ...
    redacted: str  # never the full value


#: ``detector(name, value) -> hits``; ``name`` is "" for free text (history commands).
Detector = Callable[[str, str], Iterable[SecretHit]]

_NAME = re.compile(
    r"(?:^|[_.-])(?:pass(?:word|wd)?|pwd|secret|token|api_?key|apikey|access_?key|private_?key|"
    r"client_?secret|credentials?|auth)(?:$|[_.-])",
    re.IGNORECASE,
)
_NOT_SECRET_NAME = re.compile(r"(?:_FILE|_PATH|_DIR|_URL_?PATH|_ENABLED|_LENGTH|_TYPE|_VERSION)$", re.IGNORECASE)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
)
_ASSIGN = re.compile(r"(?:^|[\s|;&])([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S+)")
_PLACEHOLDER = re.compile(r"^(?:\$\{?\w+\}?|<[^>]+>|changeme|xxx+|\*+|none|null|false|true|)$", re.IGNORECASE)


def redact(value: str) -> str:
    """Enough to recognise the value, never enough to use it."""
    v = value.strip()
    if len(v) <= 8:
        return f"*** ({len(v)} chars)"
    return f"{v[:4]}…({len(v)} chars)"


def default_detector(name: str, value: str) -> Iterable[SecretHit]:
    hits: list[SecretHit] = []
    for kind, pat in _PATTERNS:
        m = pat.search(value)
        if m:
            hits.append(SecretHit(kind, redact(m.group(0))))
    if name and not hits:
        v = value.strip().strip("\"'")
        named = bool(_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)
        # a path (to a mounted secret) is the right way to do it, and placeholders are no secret
        if named and not _PLACEHOLDER.match(v) and len(v) >= 4 and not v.startswith("/"):
            hits.append(SecretHit("secret-looking variable", redact(v)))
    return hits


_detector: list[Detector] = [default_detector]


def set_detector(detector: Detector | None) -> None:
    """Plug in a fuller secrets engine (None restores the built-in detector)."""
    _detector[0] = detector or default_detector


def detect(name: str, value: str) -> list[SecretHit]:
    return list(_detector[0](name, value))


_COMMON = {
    "risk": ["3.1.4"],
    "countermeasure": ["4.1.4"],
    "target": TARGET,
}


@rule(
    id="SW-IMG-002",
    title="Secret in an image ENV value",
    severity="high",
    category="secret",
    description="""An environment variable baked into the image config holds what looks like a
    secret. Every pull of the image discloses it, and `docker inspect` prints it.""",
    remediation="""
# Dockerfile: remove the ENV line; inject at run time instead, e.g. from a Kubernetes Secret:
#   env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}]
# and rotate the leaked credential.
""",
    tools={"trivy": "DS-0031"},
    **_COMMON,  # type: ignore[arg-type]
)
def env_secret(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    return capped(_env_secret(img), "secrets in ENV values")


def _env_secret(img: ImageSubject) -> Iterator[Violation]:
    for i, name, value in img.env():
        for hit in detect(name, value):
            yield violation(
                f"ENV {name} holds a {hit.kind}", path=f"config.Env[{i}]", evidence=f"{name}={hit.redacted}"
            )


@rule(
    id="SW-IMG-003",
    title="Secret in an image label",
    severity="high",
    category="secret",
    description="""An image label holds what looks like a secret; labels are public metadata of
    the image, readable without pulling any layer.""",
    remediation="""
# Dockerfile: remove the LABEL carrying the credential, rebuild, and rotate the credential.
""",
    **_COMMON,  # type: ignore[arg-type]
)
def label_secret(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    return capped(_label_secret(img), "secrets in labels")


def _label_secret(img: ImageSubject) -> Iterator[Violation]:
    for key, value in sorted(img.labels().items()):
        for hit in detect(key, value):
            yield violation(
                f"label {key} holds a {hit.kind}", path=f"config.Labels.{key}", evidence=f"{key}={hit.redacted}"
            )


@rule(
    id="SW-IMG-004",
    title="Secret in the image build history",
    severity="high",
    category="secret",
    description="""A build step's command line (kept in the image history) contains what looks
    like a secret — often a build argument (`--build-arg NPM_TOKEN=...`), which docker records
    in the history of every RUN that follows it.""",
    remediation="""
# Dockerfile: use a BuildKit secret mount instead of ARG/ENV for credentials
RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci
# docker build --secret id=npm_token,env=NPM_TOKEN .   (and rotate the leaked credential)
""",
    **_COMMON,  # type: ignore[arg-type]
)
def history_secret(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    return capped(_history_secret(img), "secrets in the build history")


def _history_secret(img: ImageSubject) -> Iterator[Violation]:
    for h in img.history():
        text = h.created_by
        if not text:
            continue
        reported: set[str] = set()
        for m in _ASSIGN.finditer(text):
            name, value = m.group(1), m.group(2)
            for hit in detect(name, value):
                reported.add(hit.redacted)
                yield violation(
                    f"history step {h.index + 1} sets {name} to a {hit.kind}",
                    path=f"history[{h.index}].created_by", layer=h.layer, evidence=f"{name}={hit.redacted}",
                )
        for hit in detect("", text):
            if hit.redacted not in reported:
                yield violation(
                    f"history step {h.index + 1} contains a {hit.kind}",
                    path=f"history[{h.index}].created_by", layer=h.layer, evidence=hit.redacted,
                )
