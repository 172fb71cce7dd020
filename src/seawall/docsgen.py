"""Documentation generated from the code: the rule reference from rule metadata, the CLI
reference from the argparse definitions. Written once here; docs/ is never edited by hand."""

from __future__ import annotations

import argparse
import os


def rule_reference() -> str:
    from seawall.cli.rules import all_rules, markdown

    return markdown(all_rules())


def _subparsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    out: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:  # argparse keeps sub-commands here; there is no public accessor
        if isinstance(action, argparse._SubParsersAction):
            out.extend(action.choices.items())
    return out


def cli_reference() -> str:
    from seawall import __version__
    from seawall.cli.main import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # stable wrapping whatever the terminal
    try:
        parser = build_parser()
        parser.prog = "seawall"
        lines = [
            "# Command-line reference",
            "",
            f"Generated from the argument parser of seawall {__version__} (`scripts/gen_docs.py`); do not edit.",
            "",
            "Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage or input error, "
            "3 scan incomplete (an input could not be scanned) or internal error.",
            "",
            "```",
            parser.format_help().rstrip(),
            "```",
            "",
        ]

        def walk(p: argparse.ArgumentParser, depth: int) -> None:
            for _name, sp in _subparsers(p):
                lines.extend([f"{'#' * min(depth, 4)} `{sp.prog}`", "", "```", sp.format_help().rstrip(), "```", ""])
                walk(sp, depth + 1)

        walk(parser, 2)
        return "\n".join(lines)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
