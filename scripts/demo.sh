#!/usr/bin/env bash
# The main job: install seawall and scan the bundled examples (an insecure shop).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/seawall scan examples/ "$@"
