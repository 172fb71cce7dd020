"""The report tail of a scan (posture, line resolution, policy, sort, JSON) on real manifests:
its shortcuts must give exactly what the plain computation gives."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from seawall import plugins
from seawall.analyzers.posture import posture
from seawall.engine import ScanRun
from seawall.policy.config import Config
from seawall.rules.workload.pss_checks import allowed

TWINS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: twin, namespace: t}
spec:
  template:
    spec:
      containers: [{name: a, image: nginx, securityContext: {privileged: true}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: twin, namespace: t}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: a
          image: nginx
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
"""


def _run(inputs: list[str], config: Config) -> ScanRun:
    plugins.load()
    run = ScanRun(config)
    run.read_inputs(inputs)
    run.run_analyzers()
    return run


def _fails_restricted_by_checks(run: ScanRun) -> dict[str, int]:
    """PSA's verdict computed directly, one workload at a time."""
    return dict(Counter(v.owner.effective_namespace for v in run.inventory.workloads if not allowed(v, "restricted")))


def _fails_restricted(run: ScanRun) -> dict[str, int]:
    ns = posture(run)["namespaces"]
    return {k: v["fails_restricted"]["count"] for k, v in ns.items() if v["fails_restricted"]["count"]}


@pytest.mark.parametrize(
    "config",
    [Config(), Config(disable=("SW-PSS-012",)), Config(enable=("SW-K8S-*",))],
    ids=["all-rules", "one-pss-rule-off", "no-pss-rules"],
)
def test_posture_restricted_verdict_matches_psa_checks(shared_dir: Path, tmp_path: Path, config: Config) -> None:
    twins = tmp_path / "twins.yaml"
    twins.write_text(TWINS, encoding="utf-8")
    run = _run([str(shared_dir / "corpus" / "k8s" / "polaris"), str(twins)], config)
    expected = _fails_restricted_by_checks(run)
    assert sum(expected.values()) > 50 and len(run.inventory.workloads) > sum(expected.values())
    assert expected["t"] == 1  # one of the two same-named Deployments passes
    assert _fails_restricted(run) == expected
