"""Cross-object secret analysis: Kubernetes Secrets, ConfigMaps, env values and annotations
(see :mod:`seawall.secrets.k8s`). Runs once all inputs are read so it can replace the
plain-text findings of the same lines with object-aware ones."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from seawall.engine import ScanRun, analyzer
from seawall.model.finding import Finding
from seawall.secrets.engine import scrub
from seawall.secrets.handler import get_scanner
from seawall.secrets.k8s import findings_for_objects


@analyzer("secrets", rules=("SW-SEC-",))
def secrets_in_objects(run: ScanRun) -> Iterable[Finding]:
    return findings_for_objects(run)


@analyzer("secrets-scrub", joins=True)
def scrub_messages(run: ScanRun) -> Iterable[Finding]:
    """Redact secrets that other components quoted in error, warning and skip messages (e.g. a
    YAML parse error naming an offending tag). Runs last; produces no findings."""
    sc = get_scanner(run)
    report = run.report
    report.errors[:] = [
        dataclasses.replace(e, subject=scrub(sc, e.subject), message=scrub(sc, e.message)) for e in report.errors
    ]
    report.warnings[:] = [scrub(sc, w) for w in report.warnings]
    report.skipped[:] = [(scrub(sc, a), scrub(sc, b)) for a, b in report.skipped]
    return ()
