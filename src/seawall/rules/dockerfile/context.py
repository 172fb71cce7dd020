"""The build context: ``COPY . .`` without a .dockerignore that keeps out .git and env files."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from pathlib import Path

from seawall.dockerfile.parser import Dockerfile
from seawall.rules.dockerfile.common import DockerfileContext
from seawall.rules.registry import Violation, rule

T = "dockerfile"
MUST_EXCLUDE = (".git", ".env")


#: A hostile .dockerignore in a scanned repository: read at most 1 MiB, and skip lines over 4 KiB
#: (fnmatch's translation of '[a-[a-...' is quadratic: one 300 KB line ran past a minute).
_MAX_DOCKERIGNORE = 1 << 20
_MAX_PATTERN = 4096


def dockerignore_excludes(patterns: list[str], path: str) -> bool:
    """Whether a .dockerignore excludes ``path`` (Docker semantics: last matching line wins,
    ``!`` re-includes, ``**`` any depth, a directory pattern covers its contents)."""
    excluded = False
    for raw in patterns:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pat = line[1:].strip() if negate else line
        pat = pat.lstrip("/").rstrip("/")
        if pat.startswith("./"):
            pat = pat[2:]
        candidates = [pat, pat.replace("**/", ""), "*/" + pat] if "**" in pat else [pat]
        if any(fnmatch.fnmatchcase(path, c) or fnmatch.fnmatchcase(path, c.replace("**", "*")) for c in candidates):
            excluded = not negate
    return excluded


@rule(
    id="SW-DF-070",
    title="Whole build context copied without a .dockerignore excluding .git and .env",
    severity="medium",
    category="dockerfile",
    description="COPY . (or ADD .) ships everything in the build context: git history, .env files and local "
    "credentials end up in a layer (NIST SP 800-190 3.1.4).",
    remediation="# .dockerignore next to the Dockerfile\n.git\n.env\n*.env\n**/.env",
    risk=["3.1.4"],
    countermeasure=["4.1.4"],
    target=T,
)
def copy_all(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    targets = [
        i
        for i in df.instructions
        if i.cmd in ("COPY", "ADD")
        and "from" not in i.flags
        and not i.heredocs
        and any(s in (".", "./", "*") for s in (i.json_args or i.args.split())[:-1])
    ]
    if not targets:
        return
    patterns: list[str] = []
    if ctx.context_dir is not None:
        for name in (Path(df.path).name + ".dockerignore", ".dockerignore"):
            p = ctx.context_dir / name
            if p.is_file():
                try:  # bounded, and no line fnmatch would translate in quadratic time
                    with p.open("rb") as fh:
                        text = fh.read(_MAX_DOCKERIGNORE).decode("utf-8", "replace")
                    patterns = [ln for ln in text.splitlines()[:10000] if len(ln) <= _MAX_PATTERN]
                except OSError:
                    patterns = []
                break
    missing = [m for m in MUST_EXCLUDE if not dockerignore_excludes(patterns, m)]
    if missing:
        why = "no .dockerignore" if not patterns else f".dockerignore does not exclude {', '.join(missing)}"
        for ins in targets:
            yield Violation(f"{ins.cmd} copies the whole build context and {why}", line=ins.line)
