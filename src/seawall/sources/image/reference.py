"""Image references: parse and normalise the way docker does (docker.io/library defaults).

``nginx`` -> ``docker.io/library/nginx:latest``; ``localhost:5000/app@sha256:...``;
``ghcr.io/org/app:1.2``. The first path component is a registry host only if it contains a
``.`` or a ``:`` or is ``localhost`` — the same rule as docker's reference library, so seawall
and the container runtime agree on which registry an image comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seawall.errors import InputError

DOCKER_HUB = "docker.io"
#: The host that actually serves Docker Hub's distribution API.
DOCKER_HUB_API = "registry-1.docker.io"
_LEGACY_HUB = frozenset({"index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})

_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_HOST = re.compile(rf"^(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$")
_MAX_LEN = 4096


@dataclass(frozen=True, slots=True)
class Reference:
    """A normalised image reference. ``tag`` is "" when only a digest was given."""

    registry: str
    repository: str
    tag: str = ""
    digest: str = ""

    @property
    def api_host(self) -> str:
        """The host serving the distribution API (docker.io is served by registry-1.docker.io)."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def name(self) -> str:
        """``registry/repository`` (no tag or digest)."""
        return f"{self.registry}/{self.repository}"

    @property
    def ref(self) -> str:
        """What to ask the registry for: the digest if pinned, else the tag."""
        return self.digest or self.tag or "latest"

    @property
    def is_pinned(self) -> bool:
        return bool(self.digest)

    def with_digest(self, digest: str) -> Reference:
        return Reference(self.registry, self.repository, self.tag, digest)

    def with_tag(self, tag: str) -> Reference:
        return Reference(self.registry, self.repository, tag, "")

    def __str__(self) -> str:
        s = self.name
        if self.tag:
            s += f":{self.tag}"
        if self.digest:
            s += f"@{self.digest}"
        return s

    def familiar(self) -> str:
        """The short form docker prints (``nginx:1.25``, ``org/app:1``)."""
        s = str(self)
        if self.registry == DOCKER_HUB:
            s = s[len(DOCKER_HUB) + 1 :]
            if s.startswith("library/"):
                s = s[len("library/") :]
        return s


def split_host(name: str) -> tuple[str, str]:
    """(registry, remainder) using docker's rule for the first component."""
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first.startswith("[")):
        return first, rest
    return "", name


def parse_reference(text: str, *, default_tag: str = "latest") -> Reference:
    """Parse and normalise an image reference; a malformed one is a one-line InputError.

    A reference without tag or digest gets ``default_tag`` (pass "" to keep it empty, e.g. to
    report "no tag" findings).
    """
    raw = text
    text = text.strip()
    if not text or len(text) > _MAX_LEN or any(c.isspace() for c in text):
        raise InputError("not a valid image reference", subject=raw[:200])
    for prefix in ("docker://", "oci://"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    digest = ""
    if "@" in text:
        text, digest = text.rsplit("@", 1)
        if not _DIGEST.match(digest):
            raise InputError(f"invalid digest {digest[:80]!r}", subject=raw[:200])
    registry, rest = split_host(text)
    tag = ""
    last = rest.rsplit("/", 1)[-1]
    if ":" in last:
        rest, tag = rest.rsplit(":", 1)
        if not _TAG.match(tag):
            raise InputError(f"invalid tag {tag[:80]!r}", subject=raw[:200])
    if registry and not _HOST.match(registry):
        raise InputError(f"invalid registry host {registry[:80]!r}", subject=raw[:200])
    if not registry or registry in _LEGACY_HUB:
        registry = DOCKER_HUB
    if registry == DOCKER_HUB and "/" not in rest:
        rest = f"library/{rest}"
    if not rest or not all(_COMPONENT.match(c) for c in rest.split("/")):
        raise InputError("invalid repository name (lowercase letters, digits and . _ - separators)", subject=raw[:200])
    if not tag and not digest:
        tag = default_tag
    return Reference(registry.lower() if not registry.startswith("[") else registry, rest, tag, digest)


def looks_like_reference(text: str) -> bool:
    try:
        parse_reference(text)
    except InputError:
        return False
    return True
