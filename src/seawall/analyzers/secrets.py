"""Cross-object secret analysis: Kubernetes Secrets, ConfigMaps, env values and annotations
(see :mod:`seawall.secrets.k8s`). Runs once all inputs are read so it can replace the
plain-text findings of the same lines with object-aware ones."""

from __future__ import annotations

from collections.abc import Iterable

from seawall.engine import ScanRun, analyzer
from seawall.model.finding import Finding
from seawall.secrets.k8s import findings_for_objects


@analyzer("secrets")
def secrets_in_objects(run: ScanRun) -> Iterable[Finding]:
    return findings_for_objects(run)
