"""What a cataloger reports: one :class:`Package` per installed component.

Packages are frozen so that the SBOM writers, the vulnerability matcher and the ownership filter
can share, hash and de-duplicate them. ``ecosystem`` uses OSV's spelling (``Debian``, ``Alpine``,
``PyPI``, ``npm``, ``Go``, ``Maven``, ``RubyGems``...) because the vulnerability database is keyed
by it; ``purl`` is the package URL the SBOM formats carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from packageurl import PackageURL

from seawall.inventory.osrelease import OSRelease


@dataclass(frozen=True, slots=True)
class PackageLocation:
    """Where a package was found: the file that describes it and the layer that file came from."""

    path: str
    layer: str = ""


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str
    ecosystem: str
    purl: str
    cataloger: str  # "dpkg", "apk", "rpm", "python", "npm", "go", "java", "gem"
    source_name: str = ""
    source_version: str = ""
    licenses: tuple[str, ...] = ()
    locations: tuple[PackageLocation, ...] = ()
    arch: str = ""
    distro: str = ""  # "debian-12", "alpine-3.20": the release an OS package belongs to
    kind: str = "library"  # CycloneDX component type: "library", "application", "operating-system"
    metadata: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        # names and versions come from image files: a byte that is not UTF-8 (decoded with
        # surrogateescape) or a "\\udcff" escape in JSON is a lone surrogate, which SQLite (the
        # vulnerability database), purls and every report encoder refuse; keep its escape instead
        for attr in ("name", "version", "source_name", "source_version", "arch", "distro"):
            value = getattr(self, attr)
            clean = _utf8(value)
            if clean is not value:
                object.__setattr__(self, attr, clean)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity used to de-duplicate the same package seen twice (e.g. nested jars)."""
        return (self.ecosystem, self.name, self.version, self.locations[0].path if self.locations else "")

    def meta(self) -> dict[str, str]:
        return dict(self.metadata)

    @property
    def osv_ecosystem(self) -> str:
        """The OSV ecosystem string advisories for this package are filed under: the release is
        part of it for distributions (``Debian:12``, ``Alpine:v3.20``, ``Ubuntu:22.04``,
        ``Rocky Linux:9``); language ecosystems are release-independent (``PyPI``, ``npm``)."""
        _, _, version = self.distro.partition("-")
        if not version:
            return self.ecosystem
        if self.ecosystem == "Alpine":
            return "Alpine:v" + ".".join(version.split(".")[:2])
        if self.ecosystem == "Ubuntu":
            return f"Ubuntu:{version}"
        if self.ecosystem in ("Debian", "Rocky Linux", "AlmaLinux", "Red Hat", "CentOS", "Oracle Linux"):
            return f"{self.ecosystem}:{version.split('.')[0]}"
        return self.ecosystem


def make_purl(
    type_: str,
    name: str,
    version: str,
    *,
    namespace: str | None = None,
    qualifiers: Mapping[str, str] | None = None,
    subpath: str | None = None,
) -> str:
    """A canonical package URL string (percent-encoding per the purl spec, by packageurl-python).

    Fields come from files in the image (a name read from a dpkg status with bytes that are not
    UTF-8, a ``"\\udcff"`` escape in a package.json or a RepoTag): a lone surrogate cannot be
    percent-encoded, so it is written as its backslash escape first."""
    quals = {_utf8(k): _utf8(v) for k, v in (qualifiers or {}).items() if v}
    try:
        return str(
            PackageURL(
                type=type_,
                namespace=_utf8(namespace) if namespace else None,
                name=_utf8(name),
                version=_utf8(version) if version else None,
                qualifiers=quals or None,
                subpath=_utf8(subpath) if subpath else subpath,
            ).to_string()
        )
    except (ValueError, TypeError):
        # a name packageurl refuses or normalises to nothing (a dpkg package named "/", an npm
        # name "@scope/"): every part percent-encoded, so the purl still says what was read
        from urllib.parse import quote

        def enc(text: str) -> str:
            return quote(_utf8(text), safe="")

        ns = f"{enc(namespace)}/" if namespace else ""
        ver = f"@{enc(version)}" if version else ""
        query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(quals.items()))
        return f"pkg:{type_}/{ns}{enc(name) or '%00'}{ver}" + (f"?{query}" if query else "")


def _utf8(text: str) -> str:
    """``text`` unchanged if it is encodable as UTF-8, else with lone surrogates backslash-escaped."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


@dataclass(frozen=True, slots=True)
class NotChecked:
    """Something the catalogers saw but could not read (e.g. a BerkeleyDB rpmdb): reported, never
    silently dropped, so a short SBOM is never mistaken for a complete one."""

    subject: str  # the path in the image
    reason: str
    layer: str = ""


@dataclass(frozen=True, slots=True)
class ImageInventory:
    """Everything an SBOM says about one image: its identity, distribution and packages."""

    reference: str
    digest: str  # manifest digest ("" for a docker-save archive)
    config_digest: str  # the image id
    os: OSRelease | None
    packages: tuple[Package, ...]
    not_checked: tuple[NotChecked, ...] = ()
    platform: str = ""
    created: str = ""
    layers: tuple[str, ...] = ()  # layer digests, lowest first

    @property
    def id(self) -> str:
        return self.digest or self.config_digest

    @property
    def name(self) -> str:
        """The repository name without tag or digest (``registry/repo``), or the reference."""
        ref = self.reference.split("@", 1)[0]
        head, sep, tail = ref.rpartition(":")
        if sep and head and "/" not in tail:
            ref = head
        return ref or self.id

    @property
    def tag(self) -> str:
        ref = self.reference.split("@", 1)[0]
        head, sep, tail = ref.rpartition(":")
        return tail if sep and head and "/" not in tail else ""

    @property
    def purl(self) -> str:
        """``pkg:oci/<name>@sha256:...?repository_url=...&tag=...`` (the purl spec's oci type)."""
        name = self.name
        last = name.rsplit("/", 1)[-1].lower()
        quals = {"tag": self.tag}
        if "/" in name and not name.startswith(("/", ".")):
            quals["repository_url"] = name.lower()
        return make_purl("oci", last or "image", self.id, qualifiers=quals)
