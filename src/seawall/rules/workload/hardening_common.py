"""Helpers shared by the hardening rule modules (not a rule module itself).

Why a separate module: the hardening families (containers, resources, images, env, volumes...)
all need the same few facts — the *effective* security context of a container (container fields
override pod fields), where a missing field should point, how to parse an image reference, and
how to show a secret-looking value without leaking it. Computing those once keeps every rule a
few lines long and makes the semantics identical across rules.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from seawall.inventory.k8s import ContainerView, PodSpecView, as_int, as_str, dig
from seawall.secrets.redact import redact as _redact

#: Regular and init containers: what checkov, kube-linter, polaris and trivy evaluate. Ephemeral
#: containers are debugging sessions added at run time; they do not appear in manifests that a
#: team deploys, and resource/probe fields are forbidden on them.
RUN_CONTAINERS: tuple[str, ...] = ("initContainers", "containers")
ALL_CONTAINERS: tuple[str, ...] = ("initContainers", "containers", "ephemeralContainers")

#: Job-like kinds: they run to completion, so probes and some availability rules do not apply.
JOB_KINDS: frozenset[str] = frozenset({"Job", "CronJob", "ScaledJob"})


def present_ptr(base: str, data: Any, *path: str | int) -> str:
    """Pointer to ``base/path...`` if the field exists, else to its deepest existing ancestor.

    Findings must point at the offending field, or at the enclosing container/object when the
    field is absent (the line lookup then lands on the object a reader has to edit).
    """
    ptr = base
    cur = data
    for seg in path:
        # a string key into a map is the common case: dig() would do the same lookup
        nxt = cur.get(seg) if isinstance(seg, str) and isinstance(cur, dict) else dig(cur, seg)
        if nxt is None:
            return ptr
        ptr = f"{ptr}/{_escape(seg)}"
        cur = nxt
    return ptr


def _escape(seg: str | int) -> str:
    s = seg if isinstance(seg, str) else str(seg)
    if "~" in s or "/" in s:
        return s.replace("~", "~0").replace("/", "~1")
    return s


def effective(view: PodSpecView, c: ContainerView, key: str) -> tuple[Any, str]:
    """Value of a security-context field for a container (container overrides pod) and the
    pointer of whichever level supplied it ('' when neither sets it)."""
    value = c.security_context.get(key)
    if value is not None:
        return value, c.ptr("securityContext", key)
    value = view.security_context.get(key)
    if value is not None:
        return value, view.ptr("securityContext", key)
    return None, ""


def capabilities(c: ContainerView) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(add, drop) lists of (index, upper-cased capability without a CAP_ prefix).

    Computed once per container (several rules ask) and shared: do not modify the lists.
    """
    hit: tuple[list[tuple[int, str]], list[tuple[int, str]]] | None = c.cache.get("capabilities")
    if hit is None:
        caps = c.security_context.get("capabilities")
        hit = (_norm_caps(caps.get("add")), _norm_caps(caps.get("drop"))) if isinstance(caps, dict) else ([], [])
        c.cache["capabilities"] = hit
    return hit


def _norm_caps(items: Any) -> list[tuple[int, str]]:
    out = []
    if isinstance(items, list):
        for i, v in enumerate(items):
            s = as_str(v).strip().upper()
            if s.startswith("CAP_"):
                s = s[4:]
            if s:
                out.append((i, s))
    return out


def workload_containers(view: PodSpecView, kinds: tuple[str, ...] = RUN_CONTAINERS) -> list[ContainerView]:
    return view.containers(kinds)


# -- images -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A container image reference split the way the container runtimes do it."""

    raw: str
    registry: str  # "" when implicit (Docker Hub)
    repository: str
    tag: str
    digest: str

    @property
    def registry_or_default(self) -> str:
        return self.registry or "docker.io"


@functools.lru_cache(maxsize=4096)
def parse_image(ref: str) -> ImageRef:
    """Split ``[registry/]repo[:tag][@digest]``. A first path component containing '.' or ':'
    (or equal to ``localhost``) is a registry host, as in distribution/reference."""
    raw = ref.strip()
    rest, _, digest = raw.partition("@")
    name, tag = rest, ""
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        name, tag = rest[:colon], rest[colon + 1 :]
    registry = ""
    first, sep, remainder = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, name = first, remainder
    return ImageRef(raw, registry.lower(), name, tag, digest)


_DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
#: Registered algorithms (OCI image-spec) have a fixed-length lowercase-hex encoding.
_DIGEST_LEN = {"sha256": 64, "sha384": 96, "sha512": 128, "blake3": 64}


def has_digest(img: ImageRef) -> bool:
    """A digest that follows the OCI image-spec grammar; registered algorithms (sha256, sha512,
    blake3...) must have their exact hex length. A malformed digest (``@sha256:123456``) is
    rejected by the kubelet, so it does not count as pinning."""
    if not _DIGEST_RE.match(img.digest):
        return False
    algo, _, enc = img.digest.partition(":")
    want = _DIGEST_LEN.get(algo)
    if want is None:
        return True
    return len(enc) == want and all(ch in "0123456789abcdef" for ch in enc)


def image_of(c: ContainerView) -> tuple[ImageRef, bool]:
    """``(parse_image(c.image), has_digest(...))`` for a container, computed once per container:
    the image rules, the Tiller/Dashboard/git-sync rules all ask."""
    hit: tuple[ImageRef, bool] | None = c.cache.get("image")
    if hit is None:
        img = parse_image(c.image)
        hit = c.cache["image"] = (img, has_digest(img))
    return hit


# -- secrets ------------------------------------------------------------------------------------


def redact(value: str) -> str:
    """The project-wide redaction (a short prefix, never more than 4 characters or a quarter of
    the value, plus a SHA-256 prefix so findings of one secret can be matched), as text."""
    return str(_redact(value))


def setting_list(ctx: Any, rule_id: str, key: str, default: Iterable[str]) -> list[str]:
    """A list-of-strings rule setting; wrong types fall back to the default (config is user input
    but the config loader does not know each rule's schema)."""
    value = ctx.setting(rule_id, key, None) if ctx is not None else None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, str):
        return [value]
    return list(default)


def setting_int(ctx: Any, rule_id: str, key: str, default: int) -> int:
    value = ctx.setting(rule_id, key, None) if ctx is not None else None
    got = as_int(value)
    return got if got is not None else default


def setting_bool(ctx: Any, rule_id: str, key: str, default: bool) -> bool:
    value = ctx.setting(rule_id, key, None) if ctx is not None else None
    return value if isinstance(value, bool) else default
