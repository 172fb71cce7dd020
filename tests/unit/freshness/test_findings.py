"""From a freshness result to findings: messages, severities and the exact reference to deploy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from seawall import plugins
from seawall.analyzers.freshness import findings_for
from seawall.engine import ScanRun
from seawall.freshness.check import Candidate, FreshnessResult, FreshnessSettings
from seawall.inventory.k8s import ContainerView, K8sObject
from seawall.inventory.osrelease import OSRelease
from seawall.model.finding import Severity
from seawall.policy.config import Config
from seawall.rules.image.eol import EolEntry
from seawall.sources.image.reference import parse_reference

D_OLD = "sha256:" + "1" * 64
D_NEW = "sha256:" + "2" * 64
D_PATCH = "sha256:" + "3" * 64
D_MAJOR = "sha256:" + "4" * 64


def _run(tmp_path: Path) -> tuple[ScanRun, K8sObject, ContainerView]:
    plugins.load()
    p = tmp_path / "pod.yaml"
    p.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        f"  - name: c\n    image: reg.example.com/app:1.2.3@{D_OLD}\n"
    )
    run = ScanRun(Config())
    run.read_inputs([str(p)])
    view = run.inventory.workloads[0]
    return run, view.owner, view.containers()[0]


def test_every_kind_of_staleness(tmp_path: Path) -> None:
    run, obj, c = _run(tmp_path)
    ref = parse_reference(f"reg.example.com/app:1.2.3@{D_OLD}")
    res = FreshnessResult(
        ref, deployed_digest=D_OLD, tag="1.2.3", tag_digest=D_NEW, tag_moved=True,
        upgrades=[Candidate("patch", "1.2.9", D_PATCH), Candidate("major", "2.0.0", D_MAJOR)],
        image_digest=D_OLD, created=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), age_days=1000,
        os=OSRelease(id="debian", version_id="12"), eol=EolEntry("debian", "12", dt.date(2028, 6, 30),
                                                                dt.date(2026, 6, 10)),
        eol_state="lts",
    )
    run.report.findings.extend(findings_for(run, obj, c, res, FreshnessSettings(enabled=True)))
    run.resolve_lines()  # what run_analyzers does after the analyzers: field lines, one parse per file
    found = {f.rule_id + ("/" + f.severity.label if f.rule_id == "SW-FRESH-003" else ""): f
             for f in run.report.findings if f.rule_id.startswith("SW-FRESH-")}
    assert set(found) == {"SW-FRESH-001", "SW-FRESH-002", "SW-FRESH-003/info", "SW-FRESH-004", "SW-FRESH-005"}
    assert f"reg.example.com/app:1.2.3@{D_NEW}" in found["SW-FRESH-001"].remediation
    assert f"reg.example.com/app:1.2.9@{D_PATCH}" in found["SW-FRESH-002"].remediation
    assert f"reg.example.com/app:2.0.0@{D_MAJOR}" in found["SW-FRESH-003/info"].remediation
    # an old image whose tag moved: deploy the tag's current build
    assert f"reg.example.com/app:1.2.3@{D_NEW}" in found["SW-FRESH-004"].remediation
    assert found["SW-FRESH-005"].severity == Severity.LOW and "only LTS updates" in found["SW-FRESH-005"].message
    assert all(f.location.line == 7 and f.location.pointer.endswith("/containers/0/image") for f in found.values())


def test_fresh_image_has_no_findings_and_not_checked_is_explicit(tmp_path: Path) -> None:
    run, obj, c = _run(tmp_path)
    ref = parse_reference(f"reg.example.com/app:1.2.3@{D_OLD}")
    fresh = FreshnessResult(ref, deployed_digest=D_OLD, tag="1.2.3", tag_digest=D_OLD, age_days=3,
                            created=dt.datetime.now(dt.UTC))
    assert findings_for(run, obj, c, fresh, FreshnessSettings(enabled=True)) == []
    failed = FreshnessResult(ref, checked=False, reason="reg.example.com: cannot reach the registry")
    [f] = findings_for(run, obj, c, failed, FreshnessSettings(enabled=True))
    assert f.rule_id == "SW-FRESH-006" and "cannot reach the registry" in f.message
