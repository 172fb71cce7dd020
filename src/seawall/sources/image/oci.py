"""OCI image layouts (a directory or a tar of one) and the manifest logic shared with registries.

An OCI layout is ``oci-layout`` + ``index.json`` + ``blobs/<alg>/<hex>``. ``index.json`` may
point at image manifests, at nested indexes (multi-platform images, docker 25+ ``save``), or at
artifacts (signatures, attestations). :func:`select_manifest` walks that tree (bounded depth),
skips attestation manifests, and picks one image manifest by ref name and platform;
:func:`build_image` turns a verified manifest into an :class:`Image`. The registry source uses
the same two functions, so a multi-arch image is selected identically wherever it comes from.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from seawall.errors import SourceError
from seawall.sources.image.blobs import check_digest, parse_json_object, read_verified
from seawall.sources.image.model import (
    DEFAULT_LIMITS,
    DOCKER_CONFIG,
    DOCKER_SCHEMA1,
    IMAGE_MANIFEST_TYPES,
    INDEX_TYPES,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_MANIFEST,
    BlobSource,
    Descriptor,
    Image,
    LayerSpec,
    Limits,
    Platform,
)

REF_NAME = "org.opencontainers.image.ref.name"
CONTAINERD_NAME = "io.containerd.image.name"
_CONFIG_TYPES = frozenset({OCI_CONFIG, DOCKER_CONFIG})


@dataclass(frozen=True, slots=True)
class Selected:
    """The image manifest chosen from an index tree, with its verified bytes."""

    descriptor: Descriptor
    manifest: dict[str, Any]
    media_type: str
    raw: bytes
    ref_name: str = ""


#: fetch(descriptor) -> verified bytes of a manifest or index (bounded)
Fetch = Callable[[Descriptor], bytes]


def manifest_media_type(doc: dict[str, Any], declared: str) -> str:
    """The media type of a manifest/index document (field, then declared type, then shape)."""
    mt = doc.get("mediaType")
    if isinstance(mt, str) and mt:
        return mt
    if declared:
        return declared
    if isinstance(doc.get("manifests"), list):
        return OCI_INDEX
    if isinstance(doc.get("config"), dict):
        return OCI_MANIFEST
    return ""


def _is_attestation(desc: Descriptor) -> bool:
    if desc.annotations.get("vnd.docker.reference.type") == "attestation-manifest":
        return True
    p = desc.platform
    return p is not None and p.os == "unknown" and p.architecture == "unknown"


def _descriptors(doc: dict[str, Any], subject: str) -> list[Descriptor]:
    items = doc.get("manifests")
    if not isinstance(items, list):
        raise SourceError("index has no 'manifests' list", subject=subject)
    return [Descriptor.from_json(d, subject) for d in items]


def _image_name(desc: Descriptor) -> str:
    """containerd's full image name (docker 25+ save) when present, else the OCI ref name."""
    return desc.annotations.get(CONTAINERD_NAME) or desc.annotations.get(REF_NAME, "")


def _name_matches(desc: Descriptor, ref: str) -> bool:
    name = desc.annotations.get(REF_NAME, "")
    full = desc.annotations.get(CONTAINERD_NAME, "")
    return ref in (name, full) or (bool(full) and (full.endswith(":" + ref) or full.endswith("@" + ref)))


def select_manifest(
    root: dict[str, Any],
    root_type: str,
    fetch: Fetch,
    *,
    subject: str,
    ref: str = "",
    platform: Platform | None = None,
    limits: Limits = DEFAULT_LIMITS,
    root_descriptor: Descriptor | None = None,
    root_raw: bytes = b"",
) -> Selected:
    """Pick one image manifest below ``root`` (an index or already an image manifest).

    ``ref`` filters the top-level entries by ``org.opencontainers.image.ref.name`` (or
    containerd's image name); ``platform`` picks among platform-specific manifests (default:
    the single one, else the host's). Errors list what was available.
    """
    if root_type in DOCKER_SCHEMA1:
        raise SourceError(
            "Docker schema 1 manifests are not supported (re-push with a current client)", subject=subject
        )
    if root_type in IMAGE_MANIFEST_TYPES:
        if root_descriptor is None:
            raise SourceError("image manifest without descriptor", subject=subject)
        return Selected(root_descriptor, root, root_type, root_raw)
    if root_type not in INDEX_TYPES:
        raise SourceError(f"unsupported manifest media type {root_type[:100]!r}", subject=subject)
    top = _descriptors(root, subject)
    if ref:
        named = [d for d in top if _name_matches(d, ref)]
        if not named:
            names = sorted({d.annotations.get(REF_NAME) or d.annotations.get(CONTAINERD_NAME, "") for d in top} - {""})
            raise SourceError(
                f"no image named {ref!r} in the index (available: {', '.join(names) or 'none'})", subject=subject
            )
        top = named
    # walk nested indexes breadth-first, collecting (descriptor, platform, ref name)
    leaves: list[tuple[Descriptor, str]] = []
    frontier: list[tuple[Descriptor, str]] = [(d, _image_name(d)) for d in top]
    depth = 0
    # an index naming the same child index thousands of times would multiply the frontier
    # (15,000 x 15,000 entries from two 3 MB documents): each index and leaf is walked once
    expanded: set[str] = set()
    seen_leaves: set[tuple[str, str]] = set()
    while frontier:
        depth += 1
        if depth > limits.max_index_depth:
            raise SourceError(f"indexes nested deeper than {limits.max_index_depth} levels", subject=subject)
        nxt: list[tuple[Descriptor, str]] = []
        for d, name in frontier:
            if _is_attestation(d):
                continue
            if d.media_type in INDEX_TYPES:
                if d.digest in expanded:
                    continue
                expanded.add(d.digest)
                doc = parse_json_object(fetch(d), f"index {d.digest[:19]}", subject)
                nxt.extend((c, name or _image_name(c)) for c in _descriptors(doc, subject))
            elif d.media_type in IMAGE_MANIFEST_TYPES or not d.media_type:
                if (d.digest, name) not in seen_leaves:
                    seen_leaves.add((d.digest, name))
                    leaves.append((d, name))
            elif d.media_type in DOCKER_SCHEMA1:
                raise SourceError("Docker schema 1 manifests are not supported", subject=subject)
            # other media types are artifacts (signatures, SBOMs...): not images
        frontier = nxt
    if not leaves:
        raise SourceError("the index holds no image manifest", subject=subject)
    chosen = _choose_platform(leaves, platform, subject)
    if chosen is None:
        # leaves without platform in the index: read each manifest's config platform lazily
        chosen = _choose_by_config(leaves, platform, fetch, subject, limits)
    desc, name = chosen
    raw = fetch(desc)
    doc = parse_json_object(raw, f"manifest {desc.digest[:19]}", subject)
    mt = manifest_media_type(doc, desc.media_type)
    if mt not in IMAGE_MANIFEST_TYPES:
        raise SourceError(f"selected manifest has unsupported media type {mt[:100]!r}", subject=subject)
    return Selected(desc, doc, mt, raw, name)


def _choose_platform(
    leaves: list[tuple[Descriptor, str]], platform: Platform | None, subject: str
) -> tuple[Descriptor, str] | None:
    with_plat = [(d, n) for d, n in leaves if d.platform is not None]
    if len(leaves) == 1 and platform is None:
        return leaves[0]
    if len(with_plat) != len(leaves):
        return None
    want = platform or Platform.host()
    for d, n in with_plat:
        assert d.platform is not None
        if want.matches(d.platform):
            return d, n
    if platform is None and len({(d.platform) for d, _ in with_plat}) == 1:
        return with_plat[0]
    avail = ", ".join(sorted({str(d.platform) for d, _ in with_plat}))
    raise SourceError(f"no manifest for platform {want} (available: {avail}); use --platform", subject=subject)


def _choose_by_config(
    leaves: list[tuple[Descriptor, str]], platform: Platform | None, fetch: Fetch, subject: str, limits: Limits
) -> tuple[Descriptor, str]:
    want = platform or Platform.host()
    seen: list[str] = []
    for d, n in leaves:
        doc = parse_json_object(fetch(d), f"manifest {d.digest[:19]}", subject)
        cfg = doc.get("config")
        if not isinstance(cfg, dict):
            continue
        p = Descriptor.from_json(cfg, subject).platform
        if p is None:
            # platform only in the config blob: the caller builds the image and checks later
            continue
        seen.append(str(p))
        if want.matches(p):
            return d, n
    if len(leaves) == 1 or (platform is None and not seen):
        return leaves[0]
    raise SourceError(
        f"{len(leaves)} images in the index and none for platform {want} "
        f"(available: {', '.join(sorted(set(seen))) or 'unknown'}); use a ref name or --platform",
        subject=subject,
    )


def build_image(
    selected: Selected,
    *,
    reference: str,
    blobs: BlobSource,
    source: str,
    subject: str,
    limits: Limits = DEFAULT_LIMITS,
    platform: Platform | None = None,
    display: str = "",
) -> Image:
    """Validate the manifest, read and verify the config, and return the :class:`Image`."""
    doc = selected.manifest
    sv = doc.get("schemaVersion")
    if sv != 2:
        raise SourceError(f"unsupported manifest schemaVersion {str(sv)[:20]}", subject=subject)
    cfg_desc = Descriptor.from_json(doc.get("config"), subject)
    if cfg_desc.media_type and cfg_desc.media_type not in _CONFIG_TYPES:
        raise SourceError(f"not a container image (config media type {cfg_desc.media_type[:100]!r})", subject=subject)
    layers_json = doc.get("layers")
    if not isinstance(layers_json, list):
        raise SourceError("manifest has no 'layers' list", subject=subject)
    if len(layers_json) > limits.max_layers:
        raise SourceError(f"manifest lists {len(layers_json)} layers (limit {limits.max_layers})", subject=subject)
    layer_descs = [Descriptor.from_json(x, subject) for x in layers_json]
    raw_cfg = read_verified(
        blobs.open_blob(cfg_desc), cfg_desc.digest, cfg_desc.size, limits.max_config_bytes, f"{subject} config"
    )
    config = parse_json_object(raw_cfg, "image config", subject)
    rootfs = config.get("rootfs")
    diff_ids_raw = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    diff_ids: list[str] = []
    if isinstance(diff_ids_raw, list) and len(diff_ids_raw) == len(layer_descs):
        diff_ids = [check_digest(x, f"{subject} config rootfs.diff_ids") for x in diff_ids_raw]
    elif isinstance(diff_ids_raw, list):
        raise SourceError(
            f"config lists {len(diff_ids_raw)} diff_ids but the manifest has {len(layer_descs)} layers",
            subject=subject,
        )
    specs = [LayerSpec(d, True, diff_ids[i] if diff_ids else "") for i, d in enumerate(layer_descs)]
    plat = Platform.from_json(config) or selected.descriptor.platform
    if platform is not None and plat is not None and not platform.matches(plat):
        raise SourceError(f"image is for {plat}, not the requested {platform}", subject=subject)
    return Image(
        reference=reference,
        digest=selected.descriptor.digest,
        manifest=doc,
        manifest_media_type=selected.media_type,
        config=config,
        config_digest=cfg_desc.digest,
        layers=specs,
        platform=plat,
        source=source,
        blobs=blobs,
        limits=limits,
        display=display or subject,
    )


# ---- OCI layout directory --------------------------------------------------------------------
class DirBlobs:
    """Blobs of an OCI layout directory; refuses symlinks so a layout cannot read host files."""

    def __init__(self, root: Path, subject: str) -> None:
        self.root = root
        self.subject = subject

    def _open(self, rel: str) -> IO[bytes]:
        full = self.root
        for part in rel.split("/"):
            full = full / part
            try:
                st = os.lstat(full)
            except OSError:
                raise SourceError(f"missing {rel}", subject=self.subject) from None
            if stat.S_ISLNK(st.st_mode):
                raise SourceError(f"{rel} is a symlink (refused)", subject=self.subject)
        if not stat.S_ISREG(st.st_mode):
            raise SourceError(f"{rel} is not a regular file", subject=self.subject)
        try:
            fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as err:
            raise SourceError(f"cannot open {rel}: {err.strerror}", subject=self.subject) from None
        return os.fdopen(fd, "rb")

    def read_file(self, rel: str, limit: int) -> bytes:
        with self._open(rel) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise SourceError(f"{rel} is over the {limit}-byte limit", subject=self.subject)
        return data

    def open_blob(self, desc: Descriptor) -> IO[bytes]:
        alg, _, hexd = check_digest(desc.digest, self.subject).partition(":")
        rel = f"blobs/{alg}/{hexd}"
        if not os.path.lexists(self.root / rel):
            raise SourceError(f"blob {desc.digest[:19]} ({desc.media_type or 'blob'}) is missing", subject=self.subject)
        return self._open(rel)

    def close(self) -> None:
        pass


class LayoutStore(BlobSource, Protocol):
    """A blob source that also reads the layout's own files (``oci-layout``, ``index.json``)."""

    def read_file(self, rel: str, limit: int) -> bytes: ...


def open_layout(
    store: LayoutStore,
    *,
    ref: str,
    platform: Platform | None,
    limits: Limits,
    display: str,
    source: str,
) -> Image:
    """Open an image from an OCI layout store (``DirBlobs`` or an archive's ``TarBlobs``)."""
    try:
        marker = parse_json_object(store.read_file("oci-layout", 64 * 1024), "oci-layout", display)
        ver = marker.get("imageLayoutVersion")
        if not isinstance(ver, str) or not ver.startswith("1."):
            raise SourceError(f"unsupported imageLayoutVersion {str(ver)[:20]!r}", subject=display)
        raw = store.read_file("index.json", limits.max_manifest_bytes)
        index = parse_json_object(raw, "index.json", display)

        def fetch(d: Descriptor) -> bytes:
            data: bytes = read_verified(store.open_blob(d), d.digest, d.size, limits.max_manifest_bytes, display)
            return data

        sel = select_manifest(
            index,
            manifest_media_type(index, OCI_INDEX),
            fetch,
            subject=display,
            ref=ref,
            platform=platform,
            limits=limits,
        )
        name = sel.ref_name
        reference = display if not name else (name if "/" in name else f"{display}:{name}")
        return build_image(
            sel, reference=reference, blobs=store, source=source, subject=display, limits=limits, platform=platform
        )
    except BaseException:
        store.close()
        raise


def open_oci_dir(
    path: Path, *, ref: str = "", platform: Platform | None = None, limits: Limits = DEFAULT_LIMITS, display: str = ""
) -> Image:
    display = display or str(path)
    return open_layout(
        DirBlobs(path, display), ref=ref, platform=platform, limits=limits, display=display, source="oci-layout"
    )
