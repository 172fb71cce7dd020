"""Secrets baked into the image through ARG or ENV (both end up in the image's history/config)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from seawall.dockerfile.parser import Dockerfile, env_pairs
from seawall.model.finding import Severity
from seawall.rules.dockerfile.common import DockerfileContext
from seawall.rules.registry import Violation, rule

T = "dockerfile"
_NAME = re.compile(
    r"(?i)(passw(or)?d|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|"
    r"auth|client[_-]?secret|session[_-]?key)"
)
_PLACEHOLDER = re.compile(
    r"(?i)^(\$\{?\w+\}?|<[^>]*>|changeme|change_me|xxx+|example|dummy|none|null|true|false|"
    r"\*+|\.\.\.|todo|redacted|your[_-].*|\d{1,4})?$"
)


def redact(value: str) -> str:
    """A short prefix and a hash: enough to recognise, never the secret itself."""
    digest = hashlib.sha256(value.encode()).hexdigest()[:12]
    return f"{value[:3]}…(len {len(value)}, sha256:{digest})"


def _secretish(name: str, value: str) -> bool:
    return bool(_NAME.search(name)) and not _PLACEHOLDER.match(value.strip().strip("'\""))


@rule(
    id="SW-DF-060",
    title="Secret in an ENV instruction",
    severity="high",
    category="dockerfile",
    description="ENV values are stored in the image config and visible to anyone who can pull the image "
    "(NIST SP 800-190 3.1.4).",
    remediation="# pass secrets at run time (Kubernetes Secret, vault) or use a build\n"
    "# secret that is not stored:  RUN --mount=type=secret,id=token ...",
    risk=["3.1.4"],
    countermeasure=["4.1.4"],
    target=T,
)
def env_secret(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins in df.instructions:
        if ins.cmd == "ENV":
            for k, v in env_pairs(ins):
                if _secretish(k, v):
                    yield Violation(f"ENV {k} holds a secret-looking value", line=ins.line, evidence=redact(v))


@rule(
    id="SW-DF-061",
    title="Secret in an ARG default",
    severity="high",
    category="dockerfile",
    description="ARG values are recorded in the image history; use build secrets (RUN --mount=type=secret).",
    remediation="RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci",
    risk=["3.1.4"],
    countermeasure=["4.1.4"],
    target=T,
)
def arg_secret(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins in df.instructions:
        if ins.cmd == "ARG":
            name, sep, default = ins.args.partition("=")
            if sep and _secretish(name, default):
                yield Violation(
                    f"ARG {name.strip()} has a secret-looking default", line=ins.line, evidence=redact(default.strip())
                )
            elif not sep and _NAME.search(name) and not ctx.setting("SW-DF-061", "allow_secret_args", False):
                yield Violation(
                    f"ARG {name.strip()} looks like it carries a secret into the build history",
                    line=ins.line,
                    severity=Severity.MEDIUM,
                )
