"""Ask a registry whether one image reference is still fresh.

For a reference as a workload deploys it (``repo:tag``, ``repo:tag@digest``, ``repo@digest``)
and, optionally, the digest a running pod reports (``status.containerStatuses[].imageID``):

1. the repository's tags are listed (paginated, bounded);
2. **moved tag** — the tag is resolved (HEAD) and compared with the deployed digest; a deployed
   platform manifest that is a child of the tag's current index is *not* stale;
3. a digest-only reference gets its tag line by looking for a versioned tag that points at it
   (newest first, at most ``digest_lookups`` HEAD requests); a digest no tag points to any more,
   when every tag was looked at, is reported as orphaned;
4. **newer tags** of the same line (:mod:`seawall.freshness.tags`), each resolved to the digest to
   deploy;
5. **age** from the image config's ``created``, and **distribution end of life** from the
   os-release files (this streams the layers once; ``eol: false`` skips it).

Every registry failure makes the result ``checked=False`` with a one-line reason: an image whose
freshness could not be asked is never reported as fresh.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass, field
from typing import Any

from seawall.errors import PolicyError, SeawallError
from seawall.freshness.tags import parse_tag, upgrades
from seawall.inventory.osrelease import OSRelease, detect_os
from seawall.rules.image.eol import EolEntry, load_table
from seawall.sources.image.model import DOCKER_MANIFEST_LIST, OCI_INDEX, Platform
from seawall.sources.image.reference import Reference
from seawall.sources.image.registry import RegistryClient, open_registry_image

DEFAULT_MAX_AGE_DAYS = 90
DEFAULT_DIGEST_LOOKUPS = 50
_OS_PATHS = frozenset(
    {
        "etc/os-release",
        "usr/lib/os-release",
        "etc/debian_version",
        "etc/alpine-release",
        "etc/lsb-release",
        "etc/redhat-release",
        "etc/rocky-release",
        "etc/almalinux-release",
        "etc/centos-release",
        "etc/fedora-release",
        "etc/system-release",
    }
)
_KEYS = frozenset({"enabled", "max_age_days", "eol", "match", "digest_lookups", "platform", "max_tags"})


@dataclass(frozen=True, slots=True)
class FreshnessSettings:
    """The validated ``freshness:`` section (registry lookups only when ``enabled``)."""

    enabled: bool = False
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    eol: bool = True
    match: tuple[str, ...] = ("*",)
    digest_lookups: int = DEFAULT_DIGEST_LOOKUPS
    max_tags: int = 10_000
    platform: Platform | None = None

    def applies(self, ref: Reference) -> bool:
        return any(fnmatch.fnmatchcase(ref.name, g) or fnmatch.fnmatchcase(ref.registry, g) for g in self.match)


def _int(section: dict[str, Any], key: str, default: int, subject: str) -> int:
    v = section.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise PolicyError(f"freshness.{key} must be a non-negative whole number", subject=subject)
    return int(v)


def parse_freshness_section(section: dict[str, Any], subject: str = ".seawall.yaml") -> FreshnessSettings:
    """Validate ``freshness:`` (PolicyError naming the config file)."""
    unknown = set(section) - _KEYS
    if unknown:
        raise PolicyError(
            f"freshness: unknown key(s) {', '.join(sorted(map(str, unknown)))} (allowed: {', '.join(sorted(_KEYS))})",
            subject=subject,
        )
    enabled = section.get("enabled", False)  # network access only when asked for explicitly
    eol = section.get("eol", True)
    if not isinstance(enabled, bool) or not isinstance(eol, bool):
        raise PolicyError("freshness.enabled and freshness.eol must be true or false", subject=subject)
    match = section.get("match", ["*"])
    if isinstance(match, str):
        match = [match]
    if not isinstance(match, list) or not all(isinstance(m, str) for m in match) or not match:
        raise PolicyError("freshness.match must be a list of registry/repository globs", subject=subject)
    plat = section.get("platform")
    platform = None
    if plat is not None:
        try:
            platform = Platform.parse(str(plat))
        except (SeawallError, ValueError) as err:
            raise PolicyError(f"freshness.platform: {err}", subject=subject) from None
    return FreshnessSettings(
        enabled=enabled,
        max_age_days=_int(section, "max_age_days", DEFAULT_MAX_AGE_DAYS, subject),
        eol=eol,
        match=tuple(match),
        digest_lookups=_int(section, "digest_lookups", DEFAULT_DIGEST_LOOKUPS, subject),
        max_tags=_int(section, "max_tags", 10_000, subject) or 10_000,
        platform=platform,
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A newer tag of the line and the digest it points to now (what to deploy)."""

    level: str  # patch, minor, major
    tag: str
    digest: str

    def reference(self, ref: Reference) -> str:
        return f"{ref.name}:{self.tag}@{self.digest}"


@dataclass(slots=True)
class FreshnessResult:
    reference: Reference
    checked: bool = True
    reason: str = ""
    deployed_digest: str = ""  # the digest that runs ("" when only a tag is known)
    tag: str = ""  # the tag line (given, or found for a digest-only reference)
    tag_digest: str = ""  # what the tag points to now
    tag_moved: bool = False
    tag_missing: bool = False
    orphaned: bool = False  # digest-only reference no tag points to (every tag looked at)
    upgrades: list[Candidate] = field(default_factory=list)
    image_digest: str = ""  # the image whose age / distribution was read
    created: dt.datetime | None = None
    age_days: int | None = None
    os: OSRelease | None = None
    eol: EolEntry | None = None
    eol_state: str = ""  # "", "eol" (no security updates) or "lts" (only LTS updates left)
    notes: list[str] = field(default_factory=list)

    @property
    def current_reference(self) -> str:
        """The tag as it should be deployed now (by digest)."""
        if not self.tag or not self.tag_digest:
            return ""
        return f"{self.reference.name}:{self.tag}@{self.tag_digest}"


def parse_created(text: str) -> dt.datetime | None:
    from seawall.rules.image.config import parse_created as _pc

    when = _pc(text)
    if when is None or when.year < 1990:  # reproducible builds write the epoch: age unknown
        return None
    return when


def _children(client: RegistryClient, repo: str, digest: str, media_type: str) -> set[str]:
    if media_type not in (OCI_INDEX, DOCKER_MANIFEST_LIST) and media_type:
        return set()
    doc = client.get_manifest(repo, digest).json()
    items = doc.get("manifests")
    return {str(m.get("digest")) for m in items if isinstance(m, dict)} if isinstance(items, list) else set()


def _find_tag(client: RegistryClient, repo: str, digest: str, tags: list[str], budget: int) -> tuple[str, bool]:
    """(tag pointing at ``digest`` or '', whether every candidate tag was looked at)."""
    versioned = [t for t in (parse_tag(x) for x in tags) if t is not None and not t.prerelease]
    versioned.sort(key=lambda t: t.numbers, reverse=True)
    order = [t.tag for t in versioned] + [t for t in tags if t == "latest"]
    for i, tag in enumerate(order):
        if i >= budget:
            return "", False
        d = client.head_manifest(repo, tag)
        if d is not None and d.digest == digest:
            return tag, True
    return "", len(order) == len([t for t in tags if not t.startswith("sha256-")])


def _image_facts(
    client: RegistryClient, ref: Reference, digest: str, settings: FreshnessSettings, today: dt.date,
    res: FreshnessResult,
) -> None:
    from seawall.inventory.imagefs import squash

    with open_registry_image(client, ref.with_digest(digest), platform=settings.platform, owns_client=False) as img:
        res.image_digest = img.digest
        created = img.config.get("created")
        res.created = parse_created(created) if isinstance(created, str) else None
        if res.created is not None:
            res.age_days = (today - res.created.date()).days
        if not settings.eol:
            return
        fs = squash(img, wants=lambda p: p in _OS_PATHS)
        res.os = detect_os(lambda p, n: fs.read(p, n))
    if res.os is None:
        return
    table = load_table()
    entry = table.lookup(res.os)
    if entry is None:
        return
    res.eol = entry
    if entry.older_than_table or today > entry.eol:
        res.eol_state = "eol"
    elif entry.security is not None and today > entry.security:
        res.eol_state = "lts"


def check_freshness(
    ref: Reference,
    client: RegistryClient,
    settings: FreshnessSettings,
    *,
    deployed_digest: str = "",
    today: dt.date | None = None,
    tags: list[str] | None = None,
) -> FreshnessResult:
    """Everything the registry says about ``ref``'s freshness (see the module docstring)."""
    today = today or dt.date.today()
    repo = ref.repository
    res = FreshnessResult(ref, deployed_digest=ref.digest or deployed_digest, tag=ref.tag)
    try:
        all_tags = tags if tags is not None else client.list_tags(repo, max_tags=settings.max_tags)
        if res.tag:
            desc = client.head_manifest(repo, res.tag)
            if desc is None:
                res.tag_missing = True
                res.notes.append(f"tag {res.tag!r} no longer exists in {ref.name}")
            else:
                res.tag_digest = desc.digest
                if res.deployed_digest and res.deployed_digest != desc.digest:
                    kids = _children(client, repo, desc.digest, desc.media_type)
                    res.tag_moved = res.deployed_digest not in kids
        elif res.deployed_digest:
            tag, complete = _find_tag(client, repo, res.deployed_digest, all_tags, settings.digest_lookups)
            res.tag, res.tag_digest = tag, res.deployed_digest if tag else ""
            res.orphaned = not tag and complete and bool(all_tags)
            if not tag and not complete:
                res.notes.append(
                    f"no tag found for {res.deployed_digest[:19]} in the {settings.digest_lookups} newest version tags"
                )
        if res.tag:
            for up in upgrades(res.tag, all_tags):
                d = client.head_manifest(repo, up.tag)
                if d is not None:
                    res.upgrades.append(Candidate(up.level, up.tag, d.digest))
        subject = res.deployed_digest or res.tag_digest
        if subject:
            _image_facts(client, ref, subject, settings, today, res)
    except SeawallError as err:
        res.checked = False
        res.reason = str(err)
    return res
