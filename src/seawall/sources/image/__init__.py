"""Container image sources: docker-save archives, OCI layouts (dir or tar), OCI registries.

Public API (stable; catalogers, SBOM and image rules code against it)::

    from seawall.sources.image import open_image, Image, Platform
    from seawall.inventory.imagefs import squash, FileEntry, LayerFile, ImageFS, DirFS

    with open_image("app.tar") as img:                  # or an OCI dir, or "nginx:1.25"
        fs = squash(img, wants=lambda p: p == "var/lib/dpkg/status")
        status = fs.read("var/lib/dpkg/status")

:func:`open_image` dispatches on what it is given:

* an existing path: a directory with an ``oci-layout`` file (OCI layout), or a tar / tar.gz
  holding a docker-save archive (``manifest.json``) or an OCI layout (``index.json``);
  ``PATH:REF`` selects an image of an OCI layout by its ``org.opencontainers.image.ref.name``;
* skopeo-style transports: ``oci:DIR[:REF]``, ``oci-archive:FILE[:REF]``,
  ``docker-archive:FILE``, ``docker://REF``;
* anything else is an image reference pulled over the distribution API v2 (see
  :mod:`seawall.sources.image.registry`; credentials through :class:`RegistryAuth`, which the CLI
  builds from ``~/.docker/config.json`` and ``SEAWALL_REGISTRY_USERNAME``/``_PASSWORD``).

Every blob is verified against its digest while it is read; every error is a one-line
:class:`~seawall.errors.SourceError` (or InputError for an unusable argument) naming the input.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from seawall.errors import InputError, SourceError
from seawall.sources.image.auth import RegistryAuth
from seawall.sources.image.model import DEFAULT_LIMITS, Descriptor, Image, Limits, Platform
from seawall.sources.image.reference import Reference, parse_reference

if TYPE_CHECKING:  # http.client/ssl cost start-up time an archive or layout never needs
    from seawall.sources.image.transport import Transport

__all__ = [
    "DEFAULT_LIMITS",
    "Descriptor",
    "Image",
    "Limits",
    "Platform",
    "Reference",
    "RegistryAuth",
    "SourceError",
    "is_image_archive",
    "is_oci_layout",
    "open_image",
    "parse_reference",
]

_TRANSPORTS = ("oci:", "oci-archive:", "docker-archive:", "docker://")


def is_oci_layout(path: Path) -> bool:
    """A directory holding an OCI image layout (``oci-layout`` marker file)."""
    try:
        return path.is_dir() and (path / "oci-layout").is_file()
    except OSError:
        return False


def is_image_archive(path: Path) -> bool:
    """A tar or tar.gz file that holds a docker-save archive or an OCI layout (reads headers only)."""
    from seawall.sources.image.archive import sniff_archive

    try:
        return sniff_archive(path) is not None
    except (OSError, SourceError):
        return False


def _split_ref_suffix(text: str) -> tuple[str, str]:
    """``PATH:REF`` -> (PATH, REF) for the shortest existing PATH; otherwise (text, "")."""
    if Path(text).exists():
        return text, ""
    for i, ch in enumerate(text):
        if ch == ":" and i and Path(text[:i]).exists():
            return text[:i], text[i + 1 :]
    return text, ""


def open_image(
    ref_or_path: str | Path,
    *,
    platform: Platform | str | None = None,
    insecure_registries: Iterable[str] = (),
    auth: RegistryAuth | None = None,
    ca_file: str | Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    transport: Transport | None = None,
) -> Image:
    """Open an image from an archive, an OCI layout, or a registry (see the module docstring).

    ``platform`` picks the manifest of an index / manifest list (default: linux/<host arch>; a
    single-platform image is accepted whatever its platform unless one was asked for explicitly).
    ``insecure_registries`` are hosts (``host:port``) reached over plain HTTP; ``ca_file`` adds a
    PEM CA bundle for TLS verification; ``transport`` replaces the HTTP layer (tests, proxies).
    """
    plat = Platform.parse(platform) if isinstance(platform, str) else platform
    text = str(ref_or_path)
    if isinstance(ref_or_path, Path):
        return _open_path(ref_or_path, "", plat, limits, text)
    for t in _TRANSPORTS:
        if text.startswith(t):
            rest = text[len(t) :]
            if t == "docker://":
                break
            path, ref = _split_ref_suffix(rest)
            p = Path(path)
            if not p.exists():
                raise InputError("no such file or directory", subject=path)
            if t == "oci:" and not is_oci_layout(p):
                raise InputError("not an OCI image layout directory (no oci-layout file)", subject=path)
            if t != "oci:" and not p.is_file():
                raise InputError("not an archive file", subject=path)
            return _open_path(p, ref, plat, limits, text)
    path, ref = _split_ref_suffix(text)
    if Path(path).exists():
        return _open_path(Path(path), ref, plat, limits, text)
    if text.startswith(("/", "./", "../")) or text.endswith((".tar", ".tar.gz", ".tgz")):
        raise InputError("no such file or directory", subject=text)
    from seawall.sources.image.registry import RegistryClient, open_registry_image

    reference = parse_reference(text)
    client = RegistryClient(
        reference.api_host,
        auth=auth,
        insecure=reference.registry in set(insecure_registries) or reference.api_host in set(insecure_registries),
        ca_file=ca_file,
        transport=transport,
        limits=limits,
    )
    return open_registry_image(client, reference, platform=plat, limits=limits)


def _open_path(p: Path, ref: str, platform: Platform | None, limits: Limits, display: str) -> Image:
    from seawall.sources.image.archive import open_archive
    from seawall.sources.image.oci import open_oci_dir

    if p.is_dir():
        if not is_oci_layout(p):
            raise InputError("directory is not an OCI image layout (no oci-layout file)", subject=display)
        return open_oci_dir(p, ref=ref, platform=platform, limits=limits, display=display)
    if not p.is_file():
        raise InputError("not a regular file or directory", subject=display)
    return open_archive(p, ref=ref, platform=platform, limits=limits, display=display)
