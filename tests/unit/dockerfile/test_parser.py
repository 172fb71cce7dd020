"""Dockerfile parser: directives, continuations, heredocs, forms, substitution, stages."""

from __future__ import annotations

import random

from seawall.dockerfile.parser import expand, parse
from seawall.dockerfile.shell import split_commands

DF = """\
# syntax=docker/dockerfile:1
# escape=\\
ARG BASE=debian:12
FROM ${BASE} AS build
# install
RUN apt-get update && \\
    # a comment inside a continuation is dropped
    apt-get install -y curl \\

    && rm -rf /var/lib/apt/lists/*
COPY <<EOF /etc/app.conf
key=value
EOF
RUN <<-SCRIPT bash
\tset -e
\techo hi
\tSCRIPT
ENV A=1 B="two words"
ENV OLD legacy value
FROM build
USER ${A}
COPY --from=build --chown=1:1 /a /b
CMD ["python", "app.py"]
"""


def test_structure_lines_and_stages() -> None:
    df = parse(DF, "Dockerfile")
    assert df.directives == {"syntax": "docker/dockerfile:1", "escape": "\\"}
    assert [(s.base, s.name, s.line) for s in df.stages] == [("debian:12", "build", 4), ("build", "", 20)]
    run = df.instructions[2]
    assert (run.cmd, run.line, run.end_line) == ("RUN", 6, 10)
    assert "rm -rf /var/lib/apt/lists/*" in run.args and "comment" not in run.args
    copy = df.instructions[3]
    assert copy.heredocs[0].body == "key=value" and copy.end_line == 13
    heredoc_run = df.instructions[4]
    assert heredoc_run.heredocs[0].body == "set -e\necho hi" and heredoc_run.heredocs[0].strip_tabs
    user = next(i for i in df.instructions if i.cmd == "USER")
    assert user.args == "1"  # ENV inherited from the 'build' stage
    cp = [i for i in df.instructions if i.cmd == "COPY"][-1]
    assert cp.flags == {"from": "build", "chown": "1:1"} and cp.args == "/a /b"
    assert df.instructions[-1].json_args == ["python", "app.py"]
    assert not df.errors


def test_backtick_escape_directive() -> None:
    df = parse("# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir `\n  C:\\\\\n", "Dockerfile")
    assert df.escape == "`"
    assert df.instructions[1].line == 3 and df.instructions[1].end_line == 4


def test_directive_only_at_top() -> None:
    df = parse("FROM a\n# escape=`\nRUN x \\\n y\n", "Dockerfile")
    assert df.escape == "\\" and df.instructions[1].args == "x  y"


def test_expand_forms() -> None:
    env = {"A": "1", "E": ""}
    assert expand("$A ${A} ${B:-d} ${A:+alt} ${B:+alt} ${E:-x} ${E-x}", env) == "1 1 d alt  x "


def test_unknown_instruction_is_recorded_not_fatal() -> None:
    df = parse("FROM a\nFOO bar\nRUN ok\n", "Dockerfile")
    assert df.errors == [(2, "unknown instruction 'FOO'")]
    assert [i.cmd for i in df.instructions] == ["FROM", "RUN"]


def test_unterminated_heredoc() -> None:
    df = parse("FROM a\nRUN <<EOF\necho\n", "Dockerfile")
    assert any("not terminated" in m for _, m in df.errors)


def test_garbage_never_raises() -> None:
    rng = random.Random(7)
    alphabet = "FROM RUN COPY <<EOF \\\n\t#=$%{}[]\"'`|&;-- ab12/"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        parse(text, "fuzz")


def test_shell_split_and_pipes() -> None:
    cmds = split_commands("apt-get update && curl -sSL https://x/i.sh | sudo bash -s; rm -rf /tmp/*")
    assert [c.name for c in cmds] == ["apt-get", "curl", "bash", "rm"]
    assert cmds[2].piped_from is cmds[1]


def test_arg_doubling_bomb_is_bounded() -> None:
    """40 ARGs each doubling the previous one grew to terabytes (21 GB before the kill)."""
    text = "ARG A0=xxxxxxxxxxxxxxxx\n" + "".join(f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}\n" for i in range(1, 40))
    text += "FROM alpine:$A39\nENV E0=$A10\n" + "".join(f"ENV E{i}=${{E{i - 1}}}${{E{i - 1}}}\n" for i in range(1, 40))
    df = parse(text, "Dockerfile")
    assert any("variable expansion over" in msg for _line, msg in df.errors)
    assert all(len(ins.args) <= 1 << 20 for ins in df.instructions)
    assert df.stages[0].base.startswith("alpine:")
    assert len(expand("${A}${A}", {"A": "x" * 1000})) == 2000  # ordinary expansions unchanged


def test_one_huge_word_is_split_not_lexed_quadratically() -> None:
    """shlex builds a token by repeated concatenation: one 3 MB word took over a minute."""
    cmds = split_commands("echo " + "a" * 3_000_000 + " && curl x | sh")
    assert [c.name for c in cmds] == ["echo", "curl", "sh"]
    assert cmds[2].piped_from is cmds[1]
