#!/usr/bin/env bash
# The main job: install seawall and scan the bundled examples (an insecure shop: manifests, RBAC,
# NetworkPolicies, a Secret, a Dockerfile and an image archive), then show the NIST SP 800-190 view.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# Vulnerability data: the offline OSV copy beside the repo when there is one, else osv.dev.
if [ -d ../shared/data/osv ]; then
  .venv/bin/seawall db update --source ../shared/data/osv
else
  .venv/bin/seawall db update
fi
status=0
.venv/bin/seawall scan examples/ "$@" || status=$?
.venv/bin/seawall scan examples/ -f nist -q || true
echo "seawall scan exit code: $status (1 = findings at or above --fail-on, as expected for this shop)" >&2
