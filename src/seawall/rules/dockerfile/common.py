"""Shared helpers for Dockerfile rules: RUN commands parsed once per file, the rule context."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seawall.dockerfile.parser import Dockerfile, Instruction
from seawall.dockerfile.shell import SimpleCommand, run_script, split_commands


@dataclass
class DockerfileContext:
    """What a Dockerfile rule may consult besides the file: settings and the build context dir."""

    config: Any
    context_dir: Path | None

    def setting(self, rule_id: str, key: str, default: Any) -> Any:
        return self.config.rule_setting(rule_id, key, default) if self.config is not None else default

    def section(self, name: str) -> dict[str, Any]:
        return self.config.section(name) if self.config is not None else {}


_RUN_CACHE: dict[int, tuple[Dockerfile, list[tuple[Instruction, list[SimpleCommand]]]]] = {}


def runs(df: Dockerfile) -> list[tuple[Instruction, list[SimpleCommand]]]:
    """Every RUN instruction with its simple commands (parsed once per Dockerfile object).

    The cache holds the Dockerfile itself, so an id reused after garbage collection cannot hit;
    checking "first RUN in df.instructions" instead cost a scan with dataclass equality per call."""
    key = id(df)
    cached = _RUN_CACHE.get(key)
    if cached is not None and cached[0] is df:
        return cached[1]
    out = []
    for ins in df.instructions:
        if ins.cmd == "RUN":
            script = run_script(ins.args, ins.json_args, [h.body for h in ins.heredocs])
            out.append((ins, split_commands(script)))
    if len(_RUN_CACHE) > 64:
        _RUN_CACHE.clear()
    _RUN_CACHE[key] = (df, out)
    return out


def commands(df: Dockerfile, *names: str) -> Iterator[tuple[Instruction, SimpleCommand, list[SimpleCommand]]]:
    """(RUN instruction, command, all commands of that RUN) for commands named ``names``."""
    for ins, cmds in runs(df):
        for c in cmds:
            if c.name in names:
                yield ins, c, cmds


def subcommand(c: SimpleCommand) -> str:
    """First non-option argument after the program (``install`` in ``apt-get -y install x``)."""
    for a in c.effective_argv[1:]:
        if not a.startswith("-"):
            return a
    return ""


def positional(c: SimpleCommand, after: str, value_opts: tuple[str, ...] = ()) -> list[str]:
    """Non-option arguments after the subcommand ``after`` (package names)."""
    args = c.effective_argv[1:]
    try:
        idx = args.index(after)
    except ValueError:
        return []
    out = []
    skip = False
    for a in args[idx + 1 :]:
        if skip:
            skip = False
            continue
        if a.startswith("-"):
            if a in value_opts:
                skip = True
            continue
        out.append(a)
    return out


def has_flag(c: SimpleCommand, *flags: str) -> bool:
    args = c.effective_argv[1:]
    for a in args:
        for f in flags:
            if a == f or (f.startswith("--") and a.startswith(f + "=")):
                return True
            if len(f) == 2 and f.startswith("-") and a.startswith("-") and not a.startswith("--") and f[1] in a[1:]:
                return True
    return False
