"""Entry point. Each command group lives in its own module exposing ``register(subparsers)``;
handlers return an exit code. ``SeawallError`` is caught here once and printed as one line.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,
3 scan incomplete (some input could not be scanned) or internal error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from seawall import __version__
from seawall.cli import safe_streams
from seawall.cli.helpformat import formatter
from seawall.errors import InputError, PolicyError, SeawallError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3

#: Command modules, each with ``register(subparsers)``. Add one line per command group.
_COMMAND_MODULES: tuple[str, ...] = (
    "seawall.cli.scan",  # manifests, Dockerfiles, images, files
    "seawall.cli.image",  # one image
    "seawall.cli.sbom",  # SBOM of an image
    "seawall.cli.sbom_scan",  # vulnerabilities of an existing SBOM
    "seawall.cli.registry",  # a whole registry
    "seawall.cli.db",  # vulnerability database
    "seawall.cli.rbac",  # who-can / can
    "seawall.cli.netpol",  # connectivity matrix / explain
    "seawall.cli.sign",  # generate-key-pair, sign, attest, verify
    "seawall.cli.rules",  # rule reference
)

#: The top-level command words each module registers. A run whose command is listed here imports
#: only that module (start-up is a large share of a short ``seawall sbom`` or ``scan``); any other
#: argv (``--help``, an unknown word, a module missing here) builds the full parser.
#: tests/unit/core/test_cli_lazy.py checks this table against what the modules register.
_COMMAND_WORDS: dict[str, tuple[str, ...]] = {
    "seawall.cli.scan": ("scan",),
    "seawall.cli.image": ("image",),
    "seawall.cli.sbom": ("sbom",),
    "seawall.cli.sbom_scan": ("sbom-scan",),
    "seawall.cli.registry": ("registry",),
    "seawall.cli.db": ("db",),
    "seawall.cli.rbac": ("rbac",),
    "seawall.cli.netpol": ("netpol",),
    "seawall.cli.sign": ("generate-key-pair", "sign", "attest", "verify"),
    "seawall.cli.rules": ("rules",),
}


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", formatter)  # no shutil import (see helpformat)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"seawall: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _modules_for(argv: Sequence[str] | None) -> tuple[str, ...]:
    """The command modules to import for ``argv``: the invoked command's alone when it is known."""
    if argv is None:
        return _COMMAND_MODULES
    word = next((a for a in argv if not a.startswith("-")), None)
    if word is None or "-h" in argv[: argv.index(word)] or "--help" in argv[: argv.index(word)]:
        return _COMMAND_MODULES
    for name in _COMMAND_MODULES:
        if word in _COMMAND_WORDS.get(name, ()):
            return (name,)
    return _COMMAND_MODULES


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``argv``, only the invoked command's module is registered."""
    parser = _Parser(
        prog="seawall",
        description="Container and Kubernetes supply-chain security, mapped to NIST SP 800-190.",
    )
    parser.add_argument("--version", action="version", version=f"seawall {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more detail; tracebacks with -vv")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in _modules_for(argv):
        importlib.import_module(name).register(sub)
    return parser


def _aliases(argv: list[str]) -> list[str]:
    """``sbom scan FILE`` is the ``sbom-scan`` command (``sbom REF`` would swallow ``scan``)."""
    words = [i for i, a in enumerate(argv) if not a.startswith("-")]
    if len(words) >= 2 and argv[words[0]] == "sbom" and argv[words[1]] == "scan" and words[1] == words[0] + 1:
        return [*argv[: words[0]], "sbom-scan", *argv[words[1] + 1 :]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    with safe_streams():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    words = _aliases(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser(words)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # usage errors, --help, --version: an exit code, not an exception
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if not getattr(args, "func", None):
        build_parser().print_help(sys.stderr)  # the full help, whatever was registered for argv
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except (InputError, PolicyError) as err:
        print(f"seawall: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except SeawallError as err:
        print(f"seawall: error: {err}", file=sys.stderr)
        return EXIT_INCOMPLETE
    except KeyboardInterrupt:
        print("seawall: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:  # the one place an unexpected bug is turned into a message
        if args.verbose:
            import traceback  # only here: importing it costs every command ~3 ms of start-up

            traceback.print_exc()
        else:
            print(
                f"seawall: internal error: {type(err).__name__}: {err} (run with -v for a traceback)",
                file=sys.stderr,
            )
        return EXIT_INCOMPLETE
