"""`seawall registry scan` usage errors: one line, exit 2; an unreachable registry: exit 3."""

from __future__ import annotations

import pytest

from seawall.cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(capsys, "registry", "scan", "nginx")
    assert code == 2 and err.count("\n") == 1 and "expected HOST[:PORT][/REPOSITORY-GLOB]" in err
    code, err = _run(capsys, "registry", "scan", "127.0.0.1:9", "--concurrency", "0")
    assert code == 2 and "--concurrency must be between 1 and 64" in err
    code, err = _run(capsys, "registry")
    assert code == 2 and "scan" in err


def test_unreachable_registry_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(capsys, "registry", "scan", "127.0.0.1:9", "-q")
    assert code == 3 and err.strip().count("\n") == 0 and "127.0.0.1:9" in err
