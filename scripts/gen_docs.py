"""Regenerate docs/ from the code's own metadata: the rule reference (rule metadata) and the CLI
reference (argparse). ``tests/meta/test_docs.py`` fails when they are stale.

    .venv/bin/python scripts/gen_docs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from seawall.docsgen import cli_reference, rule_reference

    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "rules.md").write_text(rule_reference(), encoding="utf-8")
    (ROOT / "docs" / "cli.md").write_text(cli_reference(), encoding="utf-8")
    print("wrote docs/rules.md and docs/cli.md", file=sys.stderr)


if __name__ == "__main__":
    main()
