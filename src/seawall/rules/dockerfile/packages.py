"""Package-manager use in RUN: version pinning, recommends, cache cleanup, non-interactive flags."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from seawall.dockerfile.parser import Dockerfile
from seawall.dockerfile.shell import SimpleCommand
from seawall.rules.dockerfile.common import DockerfileContext, commands, has_flag, positional, subcommand
from seawall.rules.registry import Violation, rule

T = "dockerfile"
_PIN: dict[str, Any] = dict(risk=["3.1.1", "3.2.2"], countermeasure=["4.1.1", "4.2.2"], target=T)
_CLEAN: dict[str, Any] = dict(risk=["3.1.2"], countermeasure=["4.1.2"], target=T)


def _unpinned(pkgs: list[str], pinned: re.Pattern[str]) -> list[str]:
    return [p for p in pkgs if not pinned.search(p) and not p.startswith(("/", "./", "$")) and not p.endswith(".deb")]


@rule(
    id="SW-DF-010",
    title="apt-get install without version pins",
    severity="low",
    category="dockerfile",
    description="Unpinned packages make images change between builds; pin versions (package=version).",
    remediation="RUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8",
    tools={"hadolint": "DL3008"},
    **_PIN,
)
def apt_pin(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, c, _ in commands(df, "apt-get", "apt"):
        if subcommand(c) == "install":
            bad = _unpinned(positional(c, "install", ("-o", "-t", "--target-release")), re.compile(r"=|/"))
            if bad:
                yield Violation(f"apt-get install without version pins: {', '.join(bad[:6])}", line=ins.line)


@rule(
    id="SW-DF-011",
    title="apt-get install without --no-install-recommends",
    severity="low",
    category="dockerfile",
    description="Recommended packages enlarge the image and its attack surface (NIST SP 800-190 4.1.2: minimal).",
    remediation="RUN apt-get install -y --no-install-recommends <packages>",
    tools={"hadolint": "DL3015"},
    **_CLEAN,
)
def apt_recommends(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, c, _ in commands(df, "apt-get"):
        if (
            subcommand(c) == "install"
            and not has_flag(c, "--no-install-recommends")
            and not any("Install-Recommends" in a for a in c.argv)
        ):
            yield Violation("apt-get install without --no-install-recommends", line=ins.line)


@rule(
    id="SW-DF-012",
    title="apt lists not removed after apt-get install",
    severity="low",
    category="dockerfile",
    description="/var/lib/apt/lists left in the layer bloats the image and ships stale package indexes.",
    remediation="RUN apt-get update && apt-get install -y ... && rm -rf /var/lib/apt/lists/*",
    tools={"hadolint": "DL3009"},
    **_CLEAN,
)
def apt_lists(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, c, cmds in commands(df, "apt-get"):
        if subcommand(c) == "install" and "--mount" not in ins.raw:
            cleaned = any(x.name == "rm" and any("/var/lib/apt/lists" in a for a in x.argv) for x in cmds) or any(
                x.name in ("apt-get", "apt") and subcommand(x) in ("clean", "distclean") for x in cmds
            )
            if not cleaned:
                yield Violation("apt-get install without removing /var/lib/apt/lists in the same RUN", line=ins.line)


@rule(
    id="SW-DF-013",
    title="apt-get install without -y",
    severity="info",
    category="dockerfile",
    description="Without -y (or --yes/--assume-yes) the build may hang waiting for confirmation.",
    remediation="RUN apt-get install -y <packages>",
    tools={"hadolint": "DL3014"},
    **_CLEAN,
)
def apt_yes(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, c, _ in commands(df, "apt-get"):
        if subcommand(c) == "install" and not has_flag(c, "-y", "--yes", "--assume-yes", "-q", "-qq"):
            yield Violation("apt-get install without -y", line=ins.line)


@rule(
    id="SW-DF-014",
    title="apt used instead of apt-get",
    severity="info",
    category="dockerfile",
    description="apt's CLI is not stable for scripts; use apt-get or apt-cache.",
    remediation="RUN apt-get install -y ...",
    tools={"hadolint": "DL3027"},
    **_CLEAN,
)
def apt_cli(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, _c, _ in commands(df, "apt"):
        yield Violation("apt is meant for interactive use; use apt-get", line=ins.line)


@rule(
    id="SW-DF-015",
    title="apk add without version pins",
    severity="low",
    category="dockerfile",
    description="Pin Alpine packages (package=version) for reproducible images.",
    remediation="RUN apk add --no-cache curl=8.9.1-r1",
    tools={"hadolint": "DL3018"},
    **_PIN,
)
def apk_pin(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, c, _ in commands(df, "apk"):
        if subcommand(c) == "add":
            bad = _unpinned(positional(c, "add", ("-t", "--virtual", "-X", "--repository")), re.compile(r"[=~<>]"))
            if bad:
                yield Violation(f"apk add without version pins: {', '.join(bad[:6])}", line=ins.line)


@rule(
    id="SW-DF-016",
    title="apk add without --no-cache",
    severity="low",
    category="dockerfile",
    description="Without --no-cache the apk index stays in the image.",
    remediation="RUN apk add --no-cache <packages>",
    tools={"hadolint": "DL3019"},
    **_CLEAN,
)
def apk_cache(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, c, cmds in commands(df, "apk"):
        if (
            subcommand(c) == "add"
            and not has_flag(c, "--no-cache")
            and "--mount" not in ins.raw
            and not any(x.name == "rm" and any("/var/cache/apk" in a for a in x.argv) for x in cmds)
        ):
            yield Violation("apk add without --no-cache", line=ins.line)


def _pip(c: SimpleCommand) -> bool:
    if c.name.startswith("pip"):
        return subcommand(c) == "install"
    args = c.effective_argv
    return c.name.startswith("python") and "-m" in args and "pip" in args and "install" in args


@rule(
    id="SW-DF-017",
    title="pip install without version pins",
    severity="low",
    category="dockerfile",
    description="Pin Python packages (name==version) or install from a pinned requirements/constraints file.",
    remediation="RUN pip install --no-cache-dir requests==2.32.3",
    tools={"hadolint": "DL3013"},
    **_PIN,
)
def pip_pin(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, c, _ in commands(df, "pip", "pip3", "python", "python3"):
        if not _pip(c) or has_flag(c, "-r", "--requirement", "-c", "--constraint", "-e", "--editable"):
            continue
        pkgs = positional(c, "install", ("-i", "--index-url", "--extra-index-url", "-t", "--target", "--prefix", "-f"))
        bad = [p for p in pkgs if not re.search(r"==|===|@|\.whl$|\.tar\.gz$|^\.|^/|\$", p) and p != "."]
        if bad:
            yield Violation(f"pip install without version pins: {', '.join(bad[:6])}", line=ins.line)


@rule(
    id="SW-DF-018",
    title="pip install without --no-cache-dir",
    severity="info",
    category="dockerfile",
    description="pip's cache stays in the layer; add --no-cache-dir (or set PIP_NO_CACHE_DIR).",
    remediation="RUN pip install --no-cache-dir <packages>",
    tools={"hadolint": "DL3042"},
    **_CLEAN,
)
def pip_cache(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    env_off = any(ins.cmd == "ENV" and "PIP_NO_CACHE_DIR" in ins.args for ins in df.instructions)
    for ins, c, _ in commands(df, "pip", "pip3", "python", "python3"):
        if _pip(c) and not env_off and not has_flag(c, "--no-cache-dir") and "--mount" not in ins.raw:
            yield Violation("pip install without --no-cache-dir", line=ins.line)


@rule(
    id="SW-DF-019",
    title="npm install of packages without version pins",
    severity="low",
    category="dockerfile",
    description="Pin npm packages (name@version) or use npm ci with a lockfile.",
    remediation="RUN npm install express@4.21.1   # or: npm ci",
    tools={"hadolint": "DL3016"},
    **_PIN,
)
def npm_pin(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, c, _ in commands(df, "npm"):
        sub = subcommand(c)
        if sub in ("install", "i", "add"):
            pkgs = positional(c, sub)
            bad = [p for p in pkgs if not re.search(r"^@?[^@]+@.+|^\.|^/|\.tgz$|^git|^http|\$", p)]
            if bad:
                yield Violation(f"npm install without version pins: {', '.join(bad[:6])}", line=ins.line)


@rule(
    id="SW-DF-020",
    title="gem install without version pins",
    severity="low",
    category="dockerfile",
    description="Pin gems (gem install name:version or -v).",
    remediation="RUN gem install rake:13.2.1",
    tools={"hadolint": "DL3028"},
    **_PIN,
)
def gem_pin(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, c, _ in commands(df, "gem"):
        if subcommand(c) == "install" and not has_flag(c, "-v", "--version"):
            bad = [p for p in positional(c, "install") if ":" not in p]
            if bad:
                yield Violation(f"gem install without version pins: {', '.join(bad[:6])}", line=ins.line)


def _rpm_unpinned(df: Dockerfile, programs: tuple[str, ...]) -> Iterator[Violation]:
    for ins, c, _ in commands(df, *programs):
        if subcommand(c) == "install":
            bad = [p for p in positional(c, "install") if not re.search(r"-\d|\.rpm$|^/|^https?://", p)]
            if bad:
                yield Violation(f"{c.name} install without version pins: {', '.join(bad[:6])}", line=ins.line)


def _rpm_unclean(df: Dockerfile, programs: tuple[str, ...]) -> Iterator[Violation]:
    for ins, c, cmds in commands(df, *programs):
        if (
            subcommand(c) == "install"
            and not any(x.name in ("yum", "dnf", "microdnf") and subcommand(x) == "clean" for x in cmds)
            and not any(x.name == "rm" and any("/var/cache/" in a for a in x.argv) for x in cmds)
        ):
            yield Violation(f"{c.name} install without '{c.name} clean all'", line=ins.line)


@rule(
    id="SW-DF-021",
    title="yum install without version pins",
    severity="low",
    category="dockerfile",
    description="Pin RPM packages (name-version).",
    remediation="RUN yum install -y httpd-2.4.57",
    tools={"hadolint": "DL3033"},
    **_PIN,
)
def yum_pin(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    yield from _rpm_unpinned(df, ("yum",))


@rule(
    id="SW-DF-025",
    title="dnf/microdnf install without version pins",
    severity="low",
    category="dockerfile",
    description="Pin RPM packages (name-version).",
    remediation="RUN dnf install -y httpd-2.4.57",
    tools={"hadolint": "DL3041"},
    **_PIN,
)
def dnf_pin(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    yield from _rpm_unpinned(df, ("dnf", "microdnf"))


@rule(
    id="SW-DF-022",
    title="yum cache not cleaned",
    severity="low",
    category="dockerfile",
    description="Run yum clean all in the same RUN as the install.",
    remediation="RUN yum install -y ... && yum clean all",
    tools={"hadolint": "DL3032"},
    **_CLEAN,
)
def yum_clean(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    yield from _rpm_unclean(df, ("yum",))


@rule(
    id="SW-DF-026",
    title="dnf cache not cleaned",
    severity="low",
    category="dockerfile",
    description="Run dnf clean all in the same RUN as the install.",
    remediation="RUN dnf install -y ... && dnf clean all",
    tools={"hadolint": "DL3040"},
    **_CLEAN,
)
def dnf_clean(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    yield from _rpm_unclean(df, ("dnf", "microdnf"))


@rule(
    id="SW-DF-023",
    title="Package upgrade inside the image build",
    severity="info",
    category="dockerfile",
    description="apt-get upgrade/dist-upgrade hides which versions ship; rebuild on a fresh base instead.",
    remediation="Use a newer base image tag instead of RUN apt-get upgrade.",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=T,
    tools={"hadolint": "DL3005"},
)
def upgrade(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, c, _ in commands(df, "apt-get", "apt"):
        if subcommand(c) in ("upgrade", "dist-upgrade", "full-upgrade"):
            yield Violation(f"{c.name} {subcommand(c)} in the image build", line=ins.line)


@rule(
    id="SW-DF-024",
    title="SSH server or sudo installed",
    severity="high",
    category="dockerfile",
    description="Remote shells and sudo have no place in an immutable container (NIST SP 800-190 4.1.2).",
    remediation="Remove openssh-server/dropbear/sudo from the package list; use kubectl exec for debugging.",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=T,
    tags=["immutability"],
)
def ssh_sudo_installed(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    bad_pkgs = re.compile(r"^(openssh-server|openssh|dropbear|sudo|ssh)(=.*)?$")
    for ins, c, _ in commands(df, "apt-get", "apt", "apk", "yum", "dnf", "microdnf"):
        sub = subcommand(c)
        if sub in ("install", "add"):
            hit = [p for p in positional(c, sub) if bad_pkgs.match(p)]
            if hit:
                yield Violation(f"installs {', '.join(hit)}", line=ins.line)
