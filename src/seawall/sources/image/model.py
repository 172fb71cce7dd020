"""What every image source returns: an :class:`Image` whose layers can be streamed, verified.

A source (docker-save archive, OCI layout, registry) only knows how to find blobs; the
verification and decompression pipeline lives here once, so no source can skip it:

    raw blob bytes -> digest/size check of the compressed bytes (at EOF, always)
                   -> decompression sniffed from magic bytes (gzip, zstd, plain)
                   -> per-layer and per-image bounds on decompressed bytes (gzip bombs)
                   -> diff_id check of the uncompressed bytes when the config lists one

A mismatch is a :class:`~seawall.errors.SourceError` naming the image and the layer; it is never
a silent pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Protocol

from seawall.errors import InputError, SourceError

if TYPE_CHECKING:  # pragma: no cover - import cycle at runtime
    from seawall.sources.image.layers import LayerStream

# ---- media types --------------------------------------------------------------------------
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
#: Manifests that describe one image (config + layers).
IMAGE_MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
#: Manifests that list other manifests (per platform, or nested).
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
#: Docker schema1 manifests are refused with a clear error (no config, unverifiable).
DOCKER_SCHEMA1 = frozenset(
    {
        "application/vnd.docker.distribution.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
    }
)


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard bounds on what reading one image may cost (all in bytes)."""

    max_manifest_bytes: int = 4 * 1024 * 1024
    max_config_bytes: int = 8 * 1024 * 1024
    #: decompressed bytes of a single layer
    max_layer_bytes: int = 16 * 1024**3
    #: decompressed bytes of all layers of one image read through :meth:`Image.open_layer`
    max_total_bytes: int = 64 * 1024**3
    #: number of tar members in one layer (metadata memory grows with file count)
    max_layer_entries: int = 1_000_000
    #: layers in one image (docker itself stops at 127)
    max_layers: int = 1000
    #: characters of all paths the squashed filesystem holds at once (a real image: well under
    #: 100 MB; 100,000 names of 4,000 characters, a 3.5 MB gzipped layer, cost 850 MB)
    max_path_bytes: int = 256 * 1024 * 1024
    #: depth of nested indexes followed in an OCI layout or registry
    max_index_depth: int = 4
    #: also hash uncompressed layers against the config's diff_ids when the compressed bytes are
    #: already verified against the manifest (docker-save layers are always checked by diff_id)
    verify_diff_ids: bool = False
    #: layers stored in at least this many bytes are read, verified and decompressed in a
    #: background thread while the tar headers are parsed (0: always; huge: never)
    prefetch_min_bytes: int = 1024 * 1024


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Platform:
    """``os/architecture[/variant]`` as in an OCI index entry."""

    os: str
    architecture: str
    variant: str = ""

    @classmethod
    def parse(cls, text: str) -> Platform:
        """``linux/amd64``, ``linux/arm64/v8``, ``linux/arm/v7`` (one-line InputError otherwise)."""
        parts = text.strip().split("/")
        if not 2 <= len(parts) <= 3 or not all(p and p.strip() == p for p in parts):
            raise InputError("platform must be os/arch[/variant], e.g. linux/amd64", subject=text)
        return cls(parts[0].lower(), parts[1].lower(), parts[2].lower() if len(parts) == 3 else "")

    @classmethod
    def host(cls) -> Platform:
        """linux/<this machine's architecture> (images are Linux images whatever the host)."""
        import platform  # here: only a multi-platform image without --platform needs it

        m = platform.machine().lower()
        arch, variant = {
            "x86_64": ("amd64", ""),
            "amd64": ("amd64", ""),
            "aarch64": ("arm64", "v8"),
            "arm64": ("arm64", "v8"),
            "armv7l": ("arm", "v7"),
            "armv6l": ("arm", "v6"),
            "i386": ("386", ""),
            "i686": ("386", ""),
            "ppc64le": ("ppc64le", ""),
            "s390x": ("s390x", ""),
            "riscv64": ("riscv64", ""),
        }.get(m, (m, ""))
        return cls("linux", arch, variant)

    @classmethod
    def from_json(cls, value: Any) -> Platform | None:
        if not isinstance(value, Mapping):
            return None
        os_, arch = value.get("os"), value.get("architecture")
        if not isinstance(os_, str) or not isinstance(arch, str):
            return None
        variant = value.get("variant")
        return cls(os_, arch, variant if isinstance(variant, str) else "")

    def matches(self, other: Platform) -> bool:
        """True if ``other`` (an index entry) satisfies this wanted platform.

        A wanted platform without variant matches any variant; arm64 treats "" and "v8" alike.
        """
        if self.os != other.os or self.architecture != other.architecture:
            return False
        if not self.variant:
            return True
        mine, theirs = self.variant, other.variant
        if self.architecture == "arm64":
            mine, theirs = mine or "v8", theirs or "v8"
        return mine == theirs

    def __str__(self) -> str:
        return f"{self.os}/{self.architecture}" + (f"/{self.variant}" if self.variant else "")


@dataclass(frozen=True, slots=True)
class Descriptor:
    """An OCI content descriptor: what a manifest says a blob is."""

    media_type: str
    digest: str
    size: int
    annotations: Mapping[str, str] = field(default_factory=dict)
    platform: Platform | None = None
    artifact_type: str = ""

    @classmethod
    def from_json(cls, value: Any, subject: str) -> Descriptor:
        """Parse and validate one descriptor object (hostile JSON gives a one-line SourceError)."""
        from seawall.sources.image.blobs import check_digest

        if not isinstance(value, Mapping):
            raise SourceError("descriptor is not a JSON object", subject=subject)
        mt, dg, size = value.get("mediaType", ""), value.get("digest"), value.get("size")
        if not isinstance(mt, str):
            raise SourceError("descriptor mediaType is not a string", subject=subject)
        if not isinstance(dg, str):
            raise SourceError("descriptor has no digest", subject=subject)
        check_digest(dg, subject)
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise SourceError(f"descriptor {dg} has an invalid size", subject=subject)
        ann = value.get("annotations")
        annotations = {str(k): str(v) for k, v in ann.items() if isinstance(v, str)} if isinstance(ann, Mapping) else {}
        at = value.get("artifactType")
        plat = Platform.from_json(value.get("platform"))
        return cls(mt, dg, size, annotations, plat, at if isinstance(at, str) else "")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.artifact_type:
            out["artifactType"] = self.artifact_type
        if self.platform is not None:
            p: dict[str, str] = {"os": self.platform.os, "architecture": self.platform.architecture}
            if self.platform.variant:
                p["variant"] = self.platform.variant
            out["platform"] = p
        return out


class BlobSource(Protocol):
    """How a source hands out raw blob bytes; the :class:`Image` wraps them in verification."""

    def open_blob(self, desc: Descriptor) -> IO[bytes]:
        """A binary stream of the stored bytes of ``desc`` (raise SourceError if missing)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class LayerSpec:
    """How to verify one layer: against its descriptor (compressed) or only its diff_id.

    docker-save archives store layers by diff_id only; registry and OCI layers by descriptor
    digest (compressed bytes) and, when the config lists it, also by diff_id.
    """

    descriptor: Descriptor
    verify_descriptor: bool = True
    diff_id: str = ""


class Image:
    """An opened image: manifest, config and layers, whatever it was read from.

    ``digest`` is the manifest digest ("" for a docker-save archive, which stores no manifest: use
    ``config_digest``, the image ID, to identify it). ``layers`` are descriptors in application
    order (lowest first); ``open_layer(i)`` streams the *decompressed* tar of layer ``i`` and
    raises SourceError at EOF if the bytes read do not match the digests. Close the image (or use
    it as a context manager) to release file handles and connections.
    """

    def __init__(
        self,
        *,
        reference: str,
        digest: str,
        manifest: dict[str, Any],
        manifest_media_type: str,
        config: dict[str, Any],
        config_digest: str,
        layers: list[LayerSpec],
        platform: Platform | None,
        source: str,
        blobs: BlobSource,
        limits: Limits = DEFAULT_LIMITS,
        repo_tags: tuple[str, ...] = (),
        display: str = "",
    ) -> None:
        self.reference = reference
        #: how the user named the input (path or reference); errors name it
        self.display = display or reference
        self.digest = digest
        self.manifest = manifest
        self.manifest_media_type = manifest_media_type
        self.config = config
        self.config_digest = config_digest
        self._specs = layers
        self.layers: list[Descriptor] = [s.descriptor for s in layers]
        self.diff_ids: list[str] = [s.diff_id for s in layers]
        self.platform = platform
        #: "docker-archive", "oci-layout", "oci-archive" or "registry"
        self.source = source
        self.repo_tags = repo_tags
        self.limits = limits
        self._blobs = blobs
        self._total_read = [0]
        #: digest of the index / manifest list the image was selected from ("" if none)
        self.index_digest = ""

    # -- layers ---------------------------------------------------------------------------------
    def open_layer(self, index: int) -> LayerStream:
        """The decompressed tar stream of layer ``index``, verified while it is read.

        Read it to EOF (or call ``drain()``): the digest checks run at EOF and raise SourceError.
        """
        from seawall.sources.image.layers import LayerStream

        if not 0 <= index < len(self._specs):
            raise IndexError(index)
        spec = self._specs[index]
        raw = self._blobs.open_blob(spec.descriptor)
        return LayerStream(
            raw,
            spec,
            subject=self.layer_subject(index),
            limits=self.limits,
            total_counter=self._total_read,
        )

    def read_order(self) -> list[int]:
        """Layer indices in the order this source reads them most cheaply (default: application order).

        Only a gzipped archive whose layers are stored out of order differs: reading it in
        application order would re-decompress the archive from its start for each step back.
        """
        order = getattr(self._blobs, "read_order", None)
        if callable(order):
            got = order(self.layers)
            if sorted(got) == list(range(len(self.layers))):
                return list(got)
        return list(range(len(self.layers)))

    def layer_subject(self, index: int) -> str:
        """How errors name a layer: ``<reference> layer N (sha256:abc...)``."""
        d = self._specs[index].descriptor.digest if 0 <= index < len(self._specs) else "?"
        return f"{self.display} layer {index + 1}/{len(self._specs)} ({d[:19]})"

    @property
    def created(self) -> str:
        v = self.config.get("created")
        return v if isinstance(v, str) else ""

    @property
    def id(self) -> str:
        """Stable identity: the manifest digest when there is one, else the config digest."""
        return self.digest or self.config_digest

    def close(self) -> None:
        self._blobs.close()

    def __enter__(self) -> Image:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Image({self.reference!r}, {self.source}, {len(self.layers)} layers, {self.id[:19]})"


def limits_from_config(section: dict[str, Any]) -> Limits:
    """``image: {max_layer_size: BYTES, max_image_size: BYTES}`` in .seawall.yaml."""
    layer = section.get("max_layer_size")
    total = section.get("max_image_size")
    return Limits(
        max_layer_bytes=layer if isinstance(layer, int) and layer > 0 else DEFAULT_LIMITS.max_layer_bytes,
        max_total_bytes=total if isinstance(total, int) and total > 0 else DEFAULT_LIMITS.max_total_bytes,
    )
