"""Just enough shell to reason about RUN lines: split a command line into simple commands
(at ``&&``, ``||``, ``;``, ``|``, newlines) and tokenise each with POSIX rules.

It is not a shell interpreter; it answers questions like "which packages does this apt-get
install name?" or "is a downloaded script piped into a shell?". Unparsable input (unbalanced
quotes) degrades to whitespace splitting instead of failing.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

_OPERATORS = ("&&", "||", ";", "|", "\n", "&")


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    argv: list[str]
    piped_from: SimpleCommand | None = None  # the command whose output feeds this one (``a | b``)

    @property
    def name(self) -> str:
        """Program name without path and ``sudo``/``env`` wrappers."""
        args = self.effective_argv
        return args[0].rsplit("/", 1)[-1] if args else ""

    @property
    def effective_argv(self) -> list[str]:
        args = list(self.argv)
        while args and (
            args[0] in ("sudo", "env", "exec", "nohup", "time", "command")
            or ("=" in args[0] and not args[0].startswith("-"))
        ):
            args.pop(0)
            while args and args[0].startswith("-") and self.argv and self.argv[0] == "sudo":
                args.pop(0)
        return args


#: Longest line tokenised with shlex. shlex grows each token by string concatenation on an
#: attribute, which CPython cannot do in place: one 600 KB word took 5 s, 3 MB over a minute.
#: Longer lines (no real RUN line) degrade to whitespace splitting, as unbalanced quotes do.
MAX_SHLEX_LINE = 16 * 1024


def _tokens(text: str) -> list[str]:
    if len(text) > MAX_SHLEX_LINE:
        return _split_plain(text)
    lex = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lex.whitespace_split = True
    lex.commenters = "#"
    try:
        return list(lex)
    except ValueError:
        return _split_plain(text)


def _split_plain(text: str) -> list[str]:
    return text.replace(";", " ; ").replace("&&", " && ").replace("|", " | ").split()


def split_commands(script: str) -> list[SimpleCommand]:
    """Simple commands of a shell script, in order; pipes are linked via ``piped_from``."""
    out: list[SimpleCommand] = []
    for line in script.replace("\\\n", " ").split("\n"):
        current: list[str] = []
        feeder: SimpleCommand | None = None  # the command before a '|', if the current one is piped
        for tok in [*_tokens(line), ";"]:
            if tok in _OPERATORS or (tok and set(tok) <= set(";&|")):
                cmd = SimpleCommand(current, feeder) if current else None
                if cmd is not None:
                    out.append(cmd)
                current = []
                feeder = cmd if tok == "|" else None
                continue
            current.append(tok)
    return out


def run_script(ins_args: str, json_args: list[str] | None, heredoc_bodies: list[str]) -> str:
    """The shell text a RUN executes: shell form, an exec form of ``sh -c``, or heredoc bodies."""
    if json_args is not None:
        if (
            len(json_args) >= 3
            and json_args[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash", "dash")
            and json_args[1] == "-c"
        ):
            return json_args[2]
        return " ".join(shlex.quote(a) for a in json_args)
    if heredoc_bodies:
        return "\n".join(heredoc_bodies)
    return ins_args
