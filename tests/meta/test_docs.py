"""docs/rules.md is generated from rule metadata and must be current (regenerate with
``seawall rules list --format markdown > docs/rules.md``)."""

from __future__ import annotations

from pathlib import Path

from seawall.cli.rules import all_rules, markdown


def test_rule_reference_is_up_to_date(repo_root: Path) -> None:
    current = (repo_root / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == markdown(all_rules()), "docs/rules.md is stale: regenerate it"
