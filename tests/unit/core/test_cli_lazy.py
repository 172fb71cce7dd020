"""The CLI imports only the invoked command's module: its table of command words must match what
the modules really register, or a command would silently fall back to (or miss) the full parser."""

from __future__ import annotations

import argparse
import importlib

import pytest

from seawall.cli import main as cli_main


def _registered(module: str) -> tuple[str, ...]:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    importlib.import_module(module).register(sub)
    return tuple(sub.choices)


@pytest.mark.parametrize("module", cli_main._COMMAND_MODULES)
def test_command_words_match_registration(module: str) -> None:
    assert cli_main._COMMAND_WORDS.get(module) == _registered(module)


def test_one_module_for_a_known_command() -> None:
    assert cli_main._modules_for(["-v", "sbom", "x.tar"]) == ("seawall.cli.sbom",)
    assert cli_main._modules_for(["verify", "ref"]) == ("seawall.cli.sign",)


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h", "sbom"], ["nonsense"], ["-v"]])
def test_full_parser_otherwise(argv: list[str]) -> None:
    assert cli_main._modules_for(argv) == cli_main._COMMAND_MODULES


def test_subcommand_help_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    """``seawall sbom --help`` from the one-module parser equals the full parser's."""
    full = cli_main.build_parser()
    with pytest.raises(SystemExit):
        full.parse_args(["sbom", "--help"])
    expected = capsys.readouterr().out
    assert cli_main.main(["sbom", "--help"]) == 0
    assert capsys.readouterr().out == expected
