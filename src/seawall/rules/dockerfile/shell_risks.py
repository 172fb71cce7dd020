"""Risky commands in RUN: remote scripts piped into a shell, sudo, world-writable modes,
commands meaningless in a container, pipelines without pipefail."""

from __future__ import annotations

import re
from collections.abc import Iterator

from seawall.dockerfile.parser import Dockerfile
from seawall.rules.dockerfile.common import DockerfileContext, commands, runs
from seawall.rules.registry import Violation, rule

T = "dockerfile"
_SHELLS = frozenset({"sh", "bash", "zsh", "ash", "dash", "ksh", "python", "python3", "perl", "ruby", "node"})


@rule(
    id="SW-DF-050",
    title="Remote script piped into a shell",
    severity="high",
    category="dockerfile",
    description="curl|sh and wget|bash run whatever the server returns at build time, unverified "
    "(NIST SP 800-190 4.1.5: trusted sources only).",
    remediation="RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\\n"
    "    && echo '<sha256>  /tmp/install.sh' | sha256sum -c - && sh /tmp/install.sh",
    risk=["3.1.5", "3.1.3"],
    countermeasure=["4.1.5", "4.1.3"],
    target=T,
)
def curl_pipe_sh(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, cmds in runs(df):
        for c in cmds:
            src = c.piped_from
            if c.name in _SHELLS and src is not None and src.name in ("curl", "wget", "fetch"):
                yield Violation(f"{src.name} output is piped into {c.name}", line=ins.line)


@rule(
    id="SW-DF-051",
    title="sudo used in RUN",
    severity="medium",
    category="dockerfile",
    description="Builds already run as root; sudo has unpredictable TTY and signal behaviour and its presence "
    "in the image is a privilege-escalation aid.",
    remediation="USER root\nRUN <command>\nUSER app",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=T,
    tools={"hadolint": "DL3004"},
)
def sudo(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, cmds in runs(df):
        if any(c.argv and c.argv[0] == "sudo" for c in cmds):
            yield Violation("RUN uses sudo", line=ins.line)


@rule(
    id="SW-DF-052",
    title="World-writable permissions set",
    severity="medium",
    category="dockerfile",
    description="chmod 777 (or o+w) lets any process in the container modify those files.",
    remediation="RUN chmod 750 /app && chown app:app /app",
    risk=["3.4.3"],
    countermeasure=["4.4.3"],
    target=T,
)
def chmod_777(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, c, _ in commands(df, "chmod"):
        modes = [a for a in c.effective_argv[1:] if not a.startswith("-")][:1]
        if modes and (
            modes[0] in ("777", "0777", "666", "0666", "a+w", "o+w", "ugo+w", "a+rwx", "o+rwx")
            or (modes[0].isdigit() and len(modes[0]) >= 3 and modes[0][-1] in "2367")
        ):
            yield Violation(f"chmod {modes[0]} makes files world-writable", line=ins.line)
    for ins in df.instructions:
        mode = ins.flags.get("chmod", "")
        if ins.cmd in ("COPY", "ADD") and mode and mode[-1:] in "2367":
            yield Violation(f"{ins.cmd} --chmod={mode} makes files world-writable", line=ins.line)


@rule(
    id="SW-DF-053",
    title="Command that makes no sense in a container",
    severity="info",
    category="dockerfile",
    description="ssh, vim, shutdown, service, ps, free, top, kill, mount, ifconfig in a build usually signal "
    "a VM mindset or leftover debugging.",
    remediation="Remove the command from RUN.",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=T,
    tools={"hadolint": "DL3001"},
)
def pointless(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    bad = ("ssh", "vim", "shutdown", "service", "ps", "free", "top", "kill", "mount", "ifconfig")
    for ins, c, _ in commands(df, *bad):
        yield Violation(f"RUN uses {c.name}", line=ins.line)


@rule(
    id="SW-DF-054",
    title="Pipeline without pipefail",
    severity="low",
    category="dockerfile",
    description="In 'a | b' only b's exit status counts; a failed download then goes unnoticed.",
    remediation='SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=T,
    tools={"hadolint": "DL4006"},
)
def pipefail(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    # pipefail set, or a non-POSIX shell (PowerShell, cmd) where the check does not apply; one
    # pass over the RUNs (per stage over every RUN was quadratic: minutes for 100k stages)
    exempt = {
        ins.stage
        for ins in df.instructions
        if ins.cmd == "SHELL" and re.search(r"pipefail|pwsh|powershell|cmd(\.exe)?\b", ins.raw, re.I)
    }
    for ins, cmds in runs(df):
        if (
            ins.stage >= 0
            and ins.stage not in exempt
            and ins.json_args is None
            and any(c.piped_from for c in cmds)
            and not any("pipefail" in a for c in cmds for a in c.argv)
        ):
            yield Violation("RUN with a pipe but no 'set -o pipefail'", line=ins.line)
