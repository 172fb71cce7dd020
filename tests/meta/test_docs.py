"""docs/ is generated from the code (rule metadata, argparse) and must be current.
Regenerate with ``.venv/bin/python scripts/gen_docs.py``."""

from __future__ import annotations

from pathlib import Path

from seawall.docsgen import cli_reference, rule_reference


def test_rule_reference_is_up_to_date(repo_root: Path) -> None:
    current = (repo_root / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == rule_reference(), "docs/rules.md is stale: run scripts/gen_docs.py"


def test_cli_reference_is_up_to_date(repo_root: Path) -> None:
    current = (repo_root / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == cli_reference(), "docs/cli.md is stale: run scripts/gen_docs.py"


def test_example_image_is_reproducible(repo_root: Path) -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, str(repo_root / "scripts" / "build_example_image.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
