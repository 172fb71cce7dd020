"""Instruction-level checks: USER, CMD/ENTRYPOINT, WORKDIR, EXPOSE, HEALTHCHECK, ADD, COPY."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from seawall.dockerfile.parser import Dockerfile, Instruction
from seawall.rules.dockerfile.common import DockerfileContext, runs
from seawall.rules.registry import Violation, rule

T = "dockerfile"
_CFG: dict[str, Any] = dict(risk=["3.1.2"], countermeasure=["4.1.2"], target=T)


def _is_root(user: str) -> bool:
    name = user.split(":", 1)[0].strip()
    return name in ("root", "0", "")


def _final_user(df: Dockerfile) -> tuple[Instruction | None, int]:
    """The USER in effect for the final stage (following FROM <stage> chains) and the stage line."""
    st = df.final_stage
    if st is None:
        return None, 0
    chain = [st]
    seen = {st.index}  # indexes, not "stage in chain": Stage equality compares every instruction
    names = {s.name.lower(): s for s in df.stages if s.name}
    while chain[-1].base.lower() in names and names[chain[-1].base.lower()].index not in seen:
        chain.append(names[chain[-1].base.lower()])
        seen.add(chain[-1].index)
    for s in chain:
        user = s.last("USER")
        if user is not None:
            return user, st.line
    return None, st.line


@rule(
    id="SW-DF-029",
    title="Final USER is root",
    severity="high",
    category="dockerfile",
    description="The last USER of the final stage is root (or UID 0), so the container runs as root "
    "(CIS Docker Benchmark 4.1; NIST SP 800-190 4.1.2).",
    remediation="RUN useradd --uid 10001 --no-create-home app\nUSER 10001",
    tools={"hadolint": "DL3002"},
    risk=["3.1.2", "3.4.3"],
    countermeasure=["4.1.2", "4.4.3"],
    target=T,
)
def root_user(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    user, _ = _final_user(df)
    if user is not None and _is_root(user.args):
        yield Violation(
            f"the final USER is {user.args.strip() or 'empty'} (root)", line=user.line, evidence=user.args.strip()
        )


@rule(
    id="SW-DF-030",
    title="No USER in the final stage (runs as root)",
    severity="high",
    category="dockerfile",
    description="Without USER the container runs as root unless the orchestrator overrides it "
    "(CIS Docker Benchmark 4.1; NIST SP 800-190 4.1.2).",
    remediation="RUN useradd --uid 10001 --no-create-home app\nUSER 10001",
    risk=["3.1.2", "3.4.3"],
    countermeasure=["4.1.2", "4.4.3"],
    target=T,
)
def no_user(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    user, line = _final_user(df)
    if user is None and line:
        yield Violation("no USER instruction: the container runs as root", line=line)


@rule(
    id="SW-DF-031",
    title="No HEALTHCHECK",
    severity="low",
    category="dockerfile",
    description="A HEALTHCHECK lets the runtime detect a hung container (CIS Docker Benchmark 4.6).",
    remediation='HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/healthcheck"]',
    tools={"hadolint": "DL3057"},
    **_CFG,
)
def no_healthcheck(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    st = df.final_stage
    if st is not None and not any(i.cmd == "HEALTHCHECK" for s in df.stages for i in s.instructions):
        yield Violation("the image defines no HEALTHCHECK", line=st.line)


def _repeated(df: Dockerfile, cmd: str) -> Iterator[Violation]:
    for st in df.stages:
        found = [i for i in st.instructions if i.cmd == cmd]
        for extra in found[1:]:
            yield Violation(
                f"{cmd} is given {len(found)} times in stage {st.name or st.index}; only the last counts",
                line=extra.line,
            )


_MULTI = "Only the last one takes effect; earlier ones are dead code that misleads."


@rule(
    id="SW-DF-032",
    title="More than one CMD in a stage",
    severity="low",
    category="dockerfile",
    description=_MULTI,
    remediation="Keep a single CMD per stage.",
    tools={"hadolint": "DL4003"},
    **_CFG,
)
def multiple_cmd(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    yield from _repeated(df, "CMD")


@rule(
    id="SW-DF-044",
    title="More than one ENTRYPOINT in a stage",
    severity="low",
    category="dockerfile",
    description=_MULTI,
    remediation="Keep a single ENTRYPOINT per stage.",
    tools={"hadolint": "DL4004"},
    **_CFG,
)
def multiple_entrypoint(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    yield from _repeated(df, "ENTRYPOINT")


@rule(
    id="SW-DF-045",
    title="More than one HEALTHCHECK in a stage",
    severity="low",
    category="dockerfile",
    description=_MULTI,
    remediation="Keep a single HEALTHCHECK per stage.",
    tools={"hadolint": "DL3012"},
    **_CFG,
)
def multiple_healthcheck(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    yield from _repeated(df, "HEALTHCHECK")


@rule(
    id="SW-DF-033",
    title="CMD/ENTRYPOINT in shell form",
    severity="low",
    category="dockerfile",
    description="Shell form runs under /bin/sh -c, so the process does not receive signals (no clean shutdown).",
    remediation='CMD ["python", "/app/main.py"]',
    tools={"hadolint": "DL3025"},
    **_CFG,
)
def shell_form(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins in df.instructions:
        if ins.cmd in ("CMD", "ENTRYPOINT") and not ins.is_exec_form and ins.args.strip():
            yield Violation(f"{ins.cmd} uses the shell form", line=ins.line)


@rule(
    id="SW-DF-034",
    title="Relative WORKDIR",
    severity="low",
    category="dockerfile",
    description="A relative WORKDIR depends on the previous one; use absolute paths.",
    remediation="WORKDIR /app",
    tools={"hadolint": "DL3000"},
    **_CFG,
)
def relative_workdir(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins in df.instructions:
        path = ins.args.strip().strip('"')
        if ins.cmd == "WORKDIR" and path and not path.startswith(("/", "$")) and not re.match(r"^[A-Za-z]:", path):
            yield Violation(f"WORKDIR {path} is relative", line=ins.line)


@rule(
    id="SW-DF-035",
    title="MAINTAINER is deprecated",
    severity="info",
    category="dockerfile",
    description="Use a LABEL (org.opencontainers.image.authors) instead.",
    remediation='LABEL org.opencontainers.image.authors="team@example.com"',
    tools={"hadolint": "DL4000"},
    **_CFG,
)
def maintainer(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins in df.instructions:
        if ins.cmd == "MAINTAINER":
            yield Violation("MAINTAINER is deprecated", line=ins.line)


@rule(
    id="SW-DF-036",
    title="SSH port 22 exposed",
    severity="high",
    category="dockerfile",
    description="An SSH server in a container breaks immutability and adds a remote way in (NIST SP 800-190 4.1.2).",
    remediation="Remove EXPOSE 22 and the SSH server; use kubectl exec / docker exec for access.",
    tools={"kubescape": "C-0042"},
    **_CFG,
)
def expose_22(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins in df.instructions:
        if ins.cmd == "EXPOSE" and any(p.split("/")[0] == "22" for p in ins.args.split()):
            yield Violation("EXPOSE 22 (SSH)", line=ins.line)


def _port(text: str) -> bool:
    # ASCII digits only: '²' passes str.isdigit() but not int() (the rule failed with ValueError),
    # and a 5000-digit number is over int()'s conversion limit
    return text.isascii() and text.isdigit() and len(text) <= 5 and int(text) <= 65535


@rule(
    id="SW-DF-037",
    title="Invalid port in EXPOSE",
    severity="low",
    category="dockerfile",
    description="EXPOSE takes ports 0-65535, optionally with /tcp or /udp.",
    remediation="EXPOSE 8080/tcp",
    tools={"hadolint": "DL3011"},
    **_CFG,
)
def bad_port(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins in df.instructions:
        if ins.cmd != "EXPOSE":
            continue
        for p in ins.args.split():
            port, _, proto = p.partition("/")
            lo, _, hi = port.partition("-")
            ok = _port(lo) and (not hi or _port(hi))
            if "$" not in p and (not ok or proto.lower() not in ("", "tcp", "udp", "sctp")):
                yield Violation(f"EXPOSE {p} is not a valid port", line=ins.line)


@rule(
    id="SW-DF-038",
    title="ADD used where COPY fits",
    severity="low",
    category="dockerfile",
    description="ADD auto-extracts archives and fetches URLs; for plain files COPY is explicit and safer.",
    remediation="COPY app/ /app/",
    tools={"hadolint": "DL3020"},
    **_CFG,
)
def add_instead_of_copy(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins in df.instructions:
        if ins.cmd != "ADD" or ins.heredocs:
            continue
        srcs = (ins.json_args or ins.args.split())[:-1]
        if srcs and not any(
            re.match(r"^(https?|git)://|^git@", s) or re.search(r"\.(tar(\.\w+)?|tgz|tbz2?|txz)$", s) for s in srcs
        ):
            yield Violation("ADD of local files: use COPY", line=ins.line)


@rule(
    id="SW-DF-039",
    title="ADD from a remote URL",
    severity="medium",
    category="dockerfile",
    description="ADD <url> downloads at build time without integrity checking (unless --checksum is given): the "
    "content can change or be tampered with (NIST SP 800-190 4.1.5).",
    remediation="ADD --checksum=sha256:<hex> https://example.com/tool.tar.gz /tmp/   # or download and verify in RUN",
    risk=["3.1.5", "3.1.2"],
    countermeasure=["4.1.5", "4.1.2"],
    target=T,
)
def add_url(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins in df.instructions:
        if ins.cmd == "ADD" and "checksum" not in ins.flags:
            for s in (ins.json_args or ins.args.split())[:-1]:
                if re.match(r"^(https?|git)://|^git@", s):
                    yield Violation(f"ADD fetches {s} without a checksum", line=ins.line, evidence=s[:120])


@rule(
    id="SW-DF-040",
    title="COPY with several sources to a destination without trailing slash",
    severity="medium",
    category="dockerfile",
    description="With more than one source the destination must be "
    "a directory ending in '/', otherwise the build fails.",
    remediation="COPY a.txt b.txt /app/",
    tools={"hadolint": "DL3021"},
    **_CFG,
)
def copy_dest(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins in df.instructions:
        if ins.cmd in ("COPY", "ADD") and not ins.heredocs:
            words = ins.json_args or ins.args.split()
            if len(words) > 2 and not words[-1].endswith("/") and "$" not in words[-1]:
                yield Violation(
                    f"{ins.cmd} with {len(words) - 1} sources needs a destination ending in '/'", line=ins.line
                )


@rule(
    id="SW-DF-041",
    title="cd used instead of WORKDIR",
    severity="info",
    category="dockerfile",
    description="A cd in RUN only lasts for that RUN; WORKDIR documents and persists the directory.",
    remediation="WORKDIR /app\nRUN make",
    tools={"hadolint": "DL3003"},
    **_CFG,
)
def cd_in_run(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins, cmds in runs(df):
        if any(c.name == "cd" for c in cmds):
            yield Violation("RUN changes directory with cd: use WORKDIR", line=ins.line)


@rule(
    id="SW-DF-042",
    title="Several consecutive RUN instructions",
    severity="info",
    category="dockerfile",
    description="Each RUN makes a layer; merging related consecutive RUNs keeps images smaller.",
    remediation="RUN step1 && \\\n    step2",
    tools={"hadolint": "DL3059"},
    default_enabled=False,
    **_CFG,
)
def consecutive_runs(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    # Like hadolint: RUNs that each run a single command, back to back, with the same flags. Chained
    # commands (&&) or differing --mount flags suggest the split was deliberate.
    single = {id(ins): len(cmds) <= 1 for ins, cmds in runs(df)}
    prev = None
    for ins in df.instructions:
        if (
            ins.cmd == "RUN"
            and prev is not None
            and prev.cmd == "RUN"
            and prev.flags == ins.flags
            and single.get(id(ins))
            and single.get(id(prev))
        ):
            yield Violation("consecutive RUN instructions", line=ins.line)
        prev = ins


@rule(
    id="SW-DF-043",
    title="COPY to a relative destination without WORKDIR",
    severity="low",
    category="dockerfile",
    description="A relative COPY destination depends on the base image's WORKDIR; set WORKDIR first.",
    remediation="WORKDIR /app\nCOPY . .",
    tools={"hadolint": "DL3045"},
    **_CFG,
)
def copy_relative(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    has_workdir: dict[str, bool] = {}
    for st in df.stages:
        seen_workdir = has_workdir.get(st.base.lower(), False)  # inherited from a previous stage
        for ins in st.instructions:
            if ins.cmd == "WORKDIR":
                seen_workdir = True
            elif ins.cmd == "COPY" and not seen_workdir and not ins.heredocs:
                words = ins.json_args or ins.args.split()
                dest = words[-1] if words else "/"
                if not dest.startswith(("/", "$", "~")) and not re.match(r"^[A-Za-z]:", dest):
                    yield Violation(f"COPY to relative {dest} without a WORKDIR in this stage", line=ins.line)
        if st.name:
            has_workdir[st.name.lower()] = seen_workdir
