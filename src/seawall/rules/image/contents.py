"""Rules on what the image's filesystem contains: setuid binaries, remote-access and privilege
tools, package-manager caches, and a base distribution past its end of life.

Why: NIST SP 800-190 4.1.2 asks for minimal images without SSH, 3.1.1/4.1.1 for images whose
components still receive security fixes. Each finding names the file and the layer that put it
there, so the fix lands in the right Dockerfile step.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from seawall.model.finding import Severity
from seawall.rules.image.eol import load_table
from seawall.rules.image.subject import TARGET, ImageSubject, violation
from seawall.rules.registry import Violation, rule

#: setuid/setgid files reported one by one; past this, one finding counts the rest (a layer of
#: 200,000 setuid files, 1.9 MB gzipped, made 200,000 findings: 1.3 GB of SARIF, minutes of table)
MAX_SETUID_LISTED = 100


@rule(
    id="SW-IMG-008",
    title="setuid or setgid binary in the image",
    severity="low",
    category="image",
    description="""A file in the image has the setuid or setgid bit: whoever runs it gains its
    owner's (often root's) rights, a classic privilege-escalation path inside a container that
    otherwise runs unprivileged.""",
    remediation="""
# Dockerfile: drop the special bits (or remove the tools) in the last build stage
RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true
""",
    risk=["3.1.2", "3.4.3"],
    countermeasure=["4.1.2", "4.4.3"],
    target=TARGET,
)
def setuid_files(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    listed = extra = 0  # past MAX_SETUID_LISTED: one summary finding, not one each
    first_extra = ""
    for e in img.fs.entries():
        if e.type not in ("file", "hardlink") or not (e.mode & 0o6000):
            continue
        if listed >= MAX_SETUID_LISTED:
            first_extra = first_extra or e.path
            extra += 1
            continue
        listed += 1
        bits = " and ".join(b for b, on in (("setuid", e.mode & 0o4000), ("setgid", e.mode & 0o2000)) if on)
        owner = "root" if (e.uid == 0 and e.mode & 0o4000) else f"uid {e.uid} gid {e.gid}"
        yield violation(
            f"/{e.path} is {bits} ({owner}, mode {e.mode & 0o7777:04o})",
            path=e.path, layer=e.layer_digest, evidence=f"{e.mode & 0o7777:04o}",
        )
    if extra:
        yield violation(
            f"{extra} more setuid or setgid files (only the first {MAX_SETUID_LISTED} are listed), "
            f"from /{first_extra}",
            path=first_extra, evidence=f"{extra} files",
        )


def _installed(img: ImageSubject, packages: tuple[str, ...], files: tuple[str, ...]) -> Iterable[tuple[str, str, str]]:
    """(what, path, layer) for each package or file found."""
    seen_files: set[str] = set()
    for p in img.packages(*packages):
        loc = p.locations[0] if p.locations else None
        yield f"package {p.name} {p.version}", loc.path if loc else "", loc.layer if loc else ""
        seen_files.add(p.name)
    if seen_files:
        return
    for f in files:
        e = img.fs.get(f)
        if e is not None and e.type in ("file", "hardlink", "symlink"):
            yield f"/{f}", f, e.layer_digest
            return


@rule(
    id="SW-IMG-009",
    title="sudo is installed in the image",
    severity="medium",
    category="image",
    description="""sudo in a container image is a ready-made privilege-escalation tool and a sign
    the image is meant to be administered interactively; a container needs neither.""",
    remediation="""
# Dockerfile: do not install sudo; run as the right user from the start
USER 10001
# and remove: apt-get install sudo / apk add sudo
""",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=TARGET,
)
def sudo_installed(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    for what, path, layer in _installed(img, ("sudo", "sudo-ldap", "doas"), ("usr/bin/sudo", "bin/sudo")):
        yield violation(f"{what} is installed", path=path, layer=layer, evidence=what)


@rule(
    id="SW-IMG-010",
    title="SSH server is installed in the image",
    severity="high",
    category="image",
    description="""An SSH daemon is installed. Containers should be immutable and administered
    through the orchestrator; an sshd adds a remote-login surface with its own keys and users.""",
    remediation="""
# Dockerfile: remove openssh-server (apt-get purge openssh-server / apk del openssh-server)
# and use `kubectl exec` / `docker exec` for debugging
""",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=TARGET,
)
def sshd_installed(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    for what, path, layer in _installed(
        img, ("openssh-server", "openssh-server-pam", "dropbear"), ("usr/sbin/sshd", "sbin/sshd", "usr/sbin/dropbear")
    ):
        yield violation(f"{what} is installed", path=path, layer=layer, evidence=what)


#: (cache directory, what it is, remove command). Files directly or deeper below count.
CACHES: tuple[tuple[str, str, str], ...] = (
    ("var/cache/apt/archives", "apt package cache (*.deb)", "apt-get clean"),
    ("var/lib/apt/lists", "apt package lists", "rm -rf /var/lib/apt/lists/*"),
    ("var/cache/apk", "apk package cache", "apk add --no-cache ..."),
    ("var/cache/yum", "yum cache", "yum clean all"),
    ("var/cache/dnf", "dnf cache", "dnf clean all"),
    ("root/.cache/pip", "pip cache", "pip install --no-cache-dir ..."),
    ("root/.npm/_cacache", "npm cache", "npm cache clean --force"),
    ("usr/local/share/.cache/yarn", "yarn cache", "yarn cache clean"),
    ("root/.cache/go-build", "Go build cache", "go clean -cache"),
)
_IGNORED = {"lock", "partial", "auxfiles"}


@rule(
    id="SW-IMG-012",
    title="Package-manager cache left in the image",
    severity="low",
    category="image",
    description="""Package archives, index lists or language-package caches were left in a layer.
    They enlarge every pull, and stale package lists let later `install` steps pick outdated
    versions.""",
    remediation="""
# Dockerfile: clean up in the same RUN step that installs
RUN apt-get update && apt-get install -y --no-install-recommends curl \\
 && rm -rf /var/lib/apt/lists/*
RUN apk add --no-cache curl
RUN pip install --no-cache-dir -r requirements.txt
""",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=TARGET,
    tools={"hadolint": ["DL3009", "DL3019", "DL3042"]},
)
def caches_left(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    stats: dict[str, list[int]] = {}
    layers: dict[str, str] = {}
    for e in img.fs.entries():
        if e.type != "file":
            continue
        for root, _what, _fix in CACHES:
            if e.path.startswith(root + "/"):
                rest = e.path[len(root) + 1:]
                if rest.split("/", 1)[0] in _IGNORED:
                    break
                if root == "var/cache/apt/archives" and not rest.endswith(".deb"):
                    break
                s = stats.setdefault(root, [0, 0])
                s[0] += 1
                s[1] += e.size
                layers.setdefault(root, e.layer_digest)
                break
    for root, what, fix in CACHES:
        if root in stats:
            count, size = stats[root]
            yield violation(
                f"{what} left in /{root}: {count} file(s), {size} bytes (remove with: {fix})",
                path=root, layer=layers[root], evidence=f"{count} files, {size} bytes",
            )


@rule(
    id="SW-IMG-014",
    title="Base distribution is past its end of life",
    severity="high",
    category="freshness",
    description="""The image's distribution release no longer receives security updates (dates from
    seawall's dated end-of-life table): newly found vulnerabilities in its packages will never
    be fixed, and scanners may not even report them.""",
    remediation="""
# Dockerfile: move to a supported release of the base image, e.g.
FROM debian:12-slim        # or alpine:3.22, ubuntu:24.04, rockylinux:9
""",
    risk=["3.1.1", "3.2.2"],
    countermeasure=["4.1.1", "4.2.2"],
    target=TARGET,
)
def distro_eol(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    os = img.inventory.os
    if os is None:
        return
    table = load_table()
    entry = table.lookup(os)
    if entry is None:
        return
    where = os.source or "etc/os-release"
    if entry.older_than_table:
        yield violation(
            f"{os.display()} is older than every release in the end-of-life table (table compiled "
            f"{table.compiled}): it no longer receives security updates",
            path=where, layer=img.layer_of(where), evidence=os.display(),
        )
        return
    if img.today > entry.eol:
        yield violation(
            f"{os.display()} reached end of life on {entry.eol} (table compiled {table.compiled})",
            path=where, layer=img.layer_of(where), evidence=os.display(),
        )
    elif entry.security is not None and img.today > entry.security:
        yield violation(
            f"{os.display()} left regular security support on {entry.security}; only LTS updates "
            f"until {entry.eol} (table compiled {table.compiled})",
            path=where, layer=img.layer_of(where), evidence=os.display(), severity=Severity.LOW,
        )
