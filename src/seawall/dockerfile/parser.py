"""A real Dockerfile parser, following BuildKit's dockerfile frontend rules.

Why our own: there is no maintained Python Dockerfile parser that handles heredocs, parser
directives and BuildKit flags (``dockerfile-parse`` drops heredocs and line numbers of
continuations). What it handles:

- parser directives (``# syntax=``, ``# escape=``, ``# check=``) at the top only;
- line continuations with the active escape character, comments and blank lines inside them;
- heredocs (``<<EOF``, ``<<-EOF``, quoted delimiters, several per instruction) in RUN/COPY/ADD;
- JSON (exec) and shell forms; ``--flag=value`` options;
- ``ARG``/``ENV`` substitution (``$V``, ``${V}``, ``${V:-d}``, ``${V:+a}``) where Docker applies it;
- multi-stage builds: stages with names, ``FROM`` of a previous stage.

Every instruction keeps the line where it starts (1-based) and the line where it ends.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from seawall.errors import InputError

_DIRECTIVE_RE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$")
_HEREDOC_RE = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_FLAG_RE = re.compile(r"^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(\S*))?$")
_VAR_RE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")

#: Instructions whose arguments Docker expands with ARG/ENV values.
EXPANDS = frozenset(
    {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", "ONBUILD", "ARG"}
)
KNOWN = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
MAX_DOCKERFILE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Heredoc:
    name: str
    body: str
    strip_tabs: bool
    quoted: bool  # quoted delimiter: no expansion inside


@dataclass(slots=True)
class Instruction:
    cmd: str  # upper-case instruction name
    raw: str  # arguments after the instruction word, continuations joined
    line: int  # first line
    end_line: int
    flags: dict[str, str] = field(default_factory=dict)
    args: str = ""  # arguments without the leading --flags (expanded where Docker expands)
    json_args: list[str] | None = None  # exec form
    heredocs: list[Heredoc] = field(default_factory=list)
    stage: int = -1  # index of the stage it belongs to (-1 before the first FROM)
    comments: list[str] = field(default_factory=list)  # comment lines directly above

    @property
    def is_exec_form(self) -> bool:
        return self.json_args is not None

    def words(self) -> list[str]:
        return self.json_args if self.json_args is not None else self.args.split()


@dataclass(slots=True)
class Stage:
    index: int
    base: str  # image reference as written, ARG-expanded
    name: str  # alias after AS ("" if none)
    line: int
    platform: str = ""
    instructions: list[Instruction] = field(default_factory=list)

    def last(self, cmd: str) -> Instruction | None:
        for ins in reversed(self.instructions):
            if ins.cmd == cmd:
                return ins
        return None


@dataclass(slots=True)
class Dockerfile:
    path: str
    directives: dict[str, str]
    escape: str
    instructions: list[Instruction]
    stages: list[Stage]
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def stage_names(self) -> dict[str, int]:
        return {s.name.lower(): s.index for s in self.stages if s.name}


#: Longest result of one variable expansion. Each ARG/ENV can reference the previous one twice
#: (``ARG A2=${A1}${A1}``): 40 such lines doubled a 16-byte value to terabytes (21 GB of memory
#: before the kill). Docker has no such limit, but no real instruction comes near it.
MAX_EXPANDED_CHARS = 256 * 1024


class ExpansionTooLong(ValueError):
    """An expansion would exceed :data:`MAX_EXPANDED_CHARS`."""


def expand(text: str, env: dict[str, str], keep_unknown: bool = False) -> str:
    """Docker-style variable substitution. Docker turns unknown variables into ""; with
    ``keep_unknown`` they stay as written, since for analysis an unset ARG means "given at build
    time", not "empty". Raises :class:`ExpansionTooLong` past :data:`MAX_EXPANDED_CHARS`."""
    budget = [MAX_EXPANDED_CHARS - len(text)]

    def sub(m: re.Match[str]) -> str:
        out = _sub(m)
        budget[0] -= len(out) - len(m.group(0))
        if budget[0] < 0:
            raise ExpansionTooLong(f"variable expansion over {MAX_EXPANDED_CHARS:,} characters")
        return out

    def _sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(4)
        op, word = m.group(2), m.group(3) or ""
        val = env.get(name)
        if val is None and keep_unknown and op not in (":-", "-", ":+", "+"):
            return m.group(0)
        is_set = bool(val) if op and op.startswith(":") else val is not None
        if op in (":-", "-"):
            return (val or "") if is_set else word
        if op in (":+", "+"):
            return word if is_set else ""
        return val or ""

    return _VAR_RE.sub(sub, text)


def _split_flags(args: str) -> tuple[dict[str, str], str]:
    flags: dict[str, str] = {}
    rest = args.lstrip()
    while rest.startswith("--"):
        token, _, tail = rest.partition(" ")
        m = _FLAG_RE.match(token)
        if not m:
            break
        flags.setdefault(m.group(1).lower(), m.group(2) or "")
        rest = tail.lstrip()
    return flags, rest


def _parse_kv(text: str) -> list[tuple[str, str]]:
    """ENV/LABEL ``k=v k2="v 2"`` pairs, or the legacy ``ENV key value`` form."""
    import shlex

    text = text.strip()
    first = text.split(None, 1)
    if first and "=" not in first[0]:
        return [(first[0], first[1].strip() if len(first) > 1 else "")]
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError:
        tokens = text.split()
    out = []
    for tok in tokens:
        k, sep, v = tok.partition("=")
        if sep:
            out.append((k, v))
    return out


def parse(text: str, path: str) -> Dockerfile:
    """Parse a Dockerfile. Unknown instructions and malformed lines are recorded in ``errors``
    (with their line) rather than raised: one bad line must not hide the rest of the file."""
    if len(text) > MAX_DOCKERFILE_BYTES:
        raise InputError("Dockerfile larger than 4 MiB", subject=path)
    lines = text.splitlines()
    directives: dict[str, str] = {}
    i = 0
    while i < len(lines):
        m = _DIRECTIVE_RE.match(lines[i].strip()) if lines[i].lstrip().startswith("#") else None
        if not m or m.group(1).lower() in directives:
            break
        directives[m.group(1).lower()] = m.group(2)
        i += 1
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        escape = "\\"
    instructions: list[Instruction] = []
    errors: list[tuple[int, str]] = []
    pending_comments: list[str] = []
    while i < len(lines):
        raw_line = lines[i]
        stripped = raw_line.strip()
        if not stripped:
            pending_comments = []
            i += 1
            continue
        if stripped.startswith("#"):
            pending_comments.append(stripped)
            i += 1
            continue
        start = i
        parts: list[str] = []
        line = raw_line
        while True:
            body = line.rstrip()
            if body.endswith(escape):
                parts.append(body[:-1])
                i += 1
                # skip comment and blank lines inside a continuation, as BuildKit does
                while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
                    i += 1
                if i >= len(lines):
                    break
                line = lines[i]
                continue
            parts.append(body)
            break
        end = i
        i += 1
        joined = "".join(parts).strip()
        word, _, rest = joined.partition(" ")
        if not rest and "\t" in word:
            word, _, rest = word.partition("\t")
        cmd = word.upper()
        ins = Instruction(cmd=cmd, raw=rest.strip(), line=start + 1, end_line=end + 1, comments=pending_comments)
        pending_comments = []
        if cmd not in KNOWN:
            errors.append((start + 1, f"unknown instruction {word[:40]!r}"))
            continue
        if cmd in ("RUN", "COPY", "ADD"):
            for hm in _HEREDOC_RE.finditer(ins.raw):
                body_lines = []
                while i < len(lines) and (lines[i].lstrip("\t") if hm.group(1) else lines[i]) != hm.group(3):
                    body_lines.append(lines[i].lstrip("\t") if hm.group(1) else lines[i])
                    i += 1
                if i >= len(lines):
                    errors.append((ins.line, f"heredoc {hm.group(3)} is not terminated"))
                else:
                    i += 1  # the terminator line
                ins.heredocs.append(Heredoc(hm.group(3), "\n".join(body_lines), bool(hm.group(1)), bool(hm.group(2))))
                ins.end_line = i
        instructions.append(ins)
    df = Dockerfile(path, directives, escape, instructions, [], errors)
    _resolve(df)
    return df


def _resolve(df: Dockerfile) -> None:
    """Flags, exec form, variable expansion and stages, in build order."""
    global_args: dict[str, str] = {}
    env: dict[str, str] = {}
    stage_env: dict[str, dict[str, str]] = {}  # stage name -> its ENV, inherited by FROM <name>
    stage: Stage | None = None
    for ins in df.instructions:
        flags, rest = (
            _split_flags(ins.raw) if ins.cmd in ("FROM", "COPY", "ADD", "RUN", "HEALTHCHECK") else ({}, ins.raw)
        )
        ins.flags = flags
        if rest.startswith("[") and ins.cmd in (
            "RUN",
            "CMD",
            "ENTRYPOINT",
            "SHELL",
            "COPY",
            "ADD",
            "VOLUME",
            "HEALTHCHECK",
        ):
            try:
                parsed = json.loads(rest)
                if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
                    ins.json_args = parsed
            except ValueError:
                pass
        scope = env if stage is not None else global_args
        ins.args = rest
        if ins.cmd in EXPANDS and ins.json_args is None:
            try:
                ins.args = expand(rest, scope, keep_unknown=True)
            except ExpansionTooLong as err:  # left as written: the rest of the file is still checked
                df.errors.append((ins.line, f"{err}; left unexpanded"))
        if ins.cmd == "FROM":
            words = ins.args.split()
            base = words[0] if words else ""
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else ""
            if stage is not None and stage.name:
                stage_env[stage.name.lower()] = env
            stage = Stage(len(df.stages), base, name, ins.line, platform=flags.get("platform", ""))
            df.stages.append(stage)
            env = dict(stage_env.get(base.lower(), {}))  # ENV is inherited from a previous stage
        elif ins.cmd == "ARG":
            name, sep, default = ins.args.partition("=")
            target = env if stage is not None else global_args
            known = global_args.get(name.strip(), target.get(name.strip()))
            value = default.strip().strip('"') if sep else known
            if value is not None:
                target[name.strip()] = value
        elif ins.cmd == "ENV":
            for k, v in _parse_kv(ins.args):
                env[k] = v
        ins.stage = stage.index if stage is not None else -1
        if stage is not None and ins.cmd != "FROM":
            stage.instructions.append(ins)


def env_pairs(ins: Instruction) -> list[tuple[str, str]]:
    """``ENV``/``LABEL`` key-value pairs of one instruction."""
    return _parse_kv(ins.args)
