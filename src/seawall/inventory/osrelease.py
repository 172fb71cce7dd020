"""Which distribution an image is built on: ``etc/os-release`` and its older relatives.

The distro id and release decide which advisory feed applies (Debian 12 vs 11) and whether the
base has reached end of life, so the answer must come from the files the distribution itself
ships, in the order distributions document: ``etc/os-release``, then ``usr/lib/os-release``
(os-release(5): the former overrides the latter), then the single-purpose files
(``etc/debian_version``, ``etc/alpine-release``, ``etc/redhat-release``...) that minimal images
sometimes keep when os-release was removed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

#: Files consulted, in priority order. Catalogers ask the image view to capture these.
OS_FILES: tuple[str, ...] = (
    "etc/os-release",
    "usr/lib/os-release",
    "etc/lsb-release",
    "etc/debian_version",
    "etc/alpine-release",
    "etc/redhat-release",
    "etc/centos-release",
    "etc/rocky-release",
    "etc/almalinux-release",
    "etc/fedora-release",
    "etc/system-release",
)

_MAX_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class OSRelease:
    id: str  # os-release ID: "debian", "ubuntu", "alpine", "rhel", "almalinux", "rocky"...
    version_id: str  # "12", "22.04", "3.20.3", "9.4"
    pretty_name: str = ""
    id_like: tuple[str, ...] = ()
    codename: str = ""
    source: str = ""  # the file it came from

    @property
    def release(self) -> str:
        """The release a support table is keyed by: Alpine and RHEL-likes by major.minor / major."""
        if self.id == "alpine":
            parts = self.version_id.split(".")
            return ".".join(parts[:2])
        if self.id in ("rhel", "almalinux", "rocky", "centos", "ol"):
            return self.version_id.split(".")[0]
        if self.id == "debian":
            return self.version_id.split(".")[0]
        return self.version_id

    @property
    def purl_distro(self) -> str:
        """The purl ``distro`` qualifier: ``debian-12``, ``alpine-3.20.3``, ``ubuntu-22.04``."""
        return f"{self.id}-{self.version_id}" if self.version_id else self.id

    def display(self) -> str:
        return f"{self.id} {self.version_id}".strip()


def parse_os_release(text: str, source: str = "etc/os-release") -> OSRelease | None:
    """Parse os-release(5) text (shell-style ``KEY=value`` lines with optional quoting)."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if not re.fullmatch(r"[A-Z0-9_]+", key):
            continue
        try:
            parts = shlex.split(value, posix=True)
        except ValueError:
            parts = [value.strip().strip("\"'")]
        values[key] = parts[0] if parts else ""
    os_id = values.get("ID", "").lower()
    if not os_id:
        return None
    return OSRelease(
        id=os_id,
        version_id=values.get("VERSION_ID", ""),
        pretty_name=values.get("PRETTY_NAME", ""),
        id_like=tuple(values.get("ID_LIKE", "").lower().split()),
        codename=values.get("VERSION_CODENAME", ""),
        source=source,
    )


_RELEASE_FILE_IDS = {
    "etc/rocky-release": "rocky",
    "etc/almalinux-release": "almalinux",
    "etc/centos-release": "centos",
    "etc/fedora-release": "fedora",
}

_DEBIAN_CODENAMES = {
    "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
}


def _from_release_line(path: str, text: str) -> OSRelease | None:
    line = text.strip().splitlines()[0] if text.strip() else ""
    m = re.search(r"release\s+([0-9][0-9.]*)", line)
    if not m:
        return None
    version = m.group(1)
    os_id = _RELEASE_FILE_IDS.get(path, "")
    low = line.lower()
    if not os_id:
        if "red hat" in low:
            os_id = "rhel"
        elif "almalinux" in low:
            os_id = "almalinux"
        elif "rocky" in low:
            os_id = "rocky"
        elif "centos" in low:
            os_id = "centos"
        elif "fedora" in low:
            os_id = "fedora"
        elif "amazon" in low:
            os_id = "amzn"
        else:
            return None
    return OSRelease(id=os_id, version_id=version, pretty_name=line, source=path)


def detect_os(read: Callable[[str, int], bytes | None]) -> OSRelease | None:
    """Detect the distribution. ``read(path, max_bytes)`` returns a file's bytes or None.

    ``etc/os-release`` wins; when it lacks VERSION_ID (Debian testing/sid) the version comes from
    ``etc/debian_version``. Returns None for images with no distribution (scratch, distroless
    static without os-release).
    """

    def text(path: str) -> str | None:
        data = read(path, _MAX_BYTES)
        return None if data is None else data.decode("utf-8", "replace")

    for path in ("etc/os-release", "usr/lib/os-release"):
        t = text(path)
        if t is None:
            continue
        rel = parse_os_release(t, path)
        if rel is None:
            continue
        if not rel.version_id and rel.id == "debian":
            dv = text("etc/debian_version")
            if dv and dv.strip():
                v = dv.strip().split()[0]
                rel = OSRelease(rel.id, v, rel.pretty_name, rel.id_like, rel.codename, path)
        if not rel.version_id and rel.id == "alpine":
            av = text("etc/alpine-release")
            if av and av.strip():
                rel = OSRelease(rel.id, av.strip().split()[0], rel.pretty_name, rel.id_like, rel.codename, path)
        return rel
    t = text("etc/alpine-release")
    if t and t.strip():
        return OSRelease(id="alpine", version_id=t.strip().split()[0], source="etc/alpine-release")
    for path in (
        "etc/rocky-release", "etc/almalinux-release", "etc/centos-release",
        "etc/redhat-release", "etc/fedora-release", "etc/system-release",
    ):
        t = text(path)
        if t:
            rel2 = _from_release_line(path, t)
            if rel2:
                return rel2
    t = text("etc/lsb-release")
    if t:
        vals = dict(
            line.split("=", 1) for line in t.splitlines() if "=" in line
        )
        dist = vals.get("DISTRIB_ID", "").strip().strip('"').lower()
        if dist:
            return OSRelease(
                id=dist, version_id=vals.get("DISTRIB_RELEASE", "").strip().strip('"'),
                codename=vals.get("DISTRIB_CODENAME", "").strip(), source="etc/lsb-release",
            )
    t = text("etc/debian_version")
    if t and t.strip():
        v = t.strip().split()[0]
        major = v.split(".")[0]
        if not major.isdigit():  # "bookworm/sid"
            major = _DEBIAN_CODENAMES.get(v.split("/")[0], "")
            v = major
        return OSRelease(id="debian", version_id=v, source="etc/debian_version")
    return None
