"""Image references as written in FROM lines: normalisation to ``registry/repo:tag`` form.

Kept tiny and local (no network); the full OCI reference parser lives in
``seawall.sources.image.reference`` for registry work.
"""

from __future__ import annotations


def split(image: str) -> tuple[str, str, str, str]:
    """(registry, repository, tag, digest) with Docker Hub defaults applied."""
    ref, _, digest = image.partition("@")
    name, tag = ref, ""
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        name, tag = ref[:colon], ref[colon + 1 :]
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, repo = first, rest
    else:
        registry, repo = "docker.io", name
    if registry == "docker.io" and "/" not in repo:
        repo = "library/" + repo
    return registry, repo, tag, digest


def normalize(image: str) -> str:
    registry, repo, tag, digest = split(image)
    out = f"{registry}/{repo}"
    if tag:
        out += f":{tag}"
    if digest:
        out += f"@{digest}"
    return out
