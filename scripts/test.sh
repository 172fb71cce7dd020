#!/usr/bin/env bash
# The test command (README and CI run exactly this): install, lint, type-check, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/mypy
.venv/bin/pytest -q -p no:cacheprovider "$@"
