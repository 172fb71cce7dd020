"""``seawall sbom scan FILE``: match an existing CycloneDX or SPDX JSON SBOM (like ``grype sbom:``).

argparse cannot tell ``sbom scan FILE`` from ``sbom REF`` (any word is a valid REF), so the command
is registered as ``sbom-scan`` and ``seawall.cli.main`` rewrites ``sbom scan`` to it.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seawall.cli.output import (
    add_output_options,
    add_vulnerability_options,
    apply_vulnerability_options,
    emit_report,
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE", help="CycloneDX or SPDX JSON SBOM")
    p.add_argument("-c", "--config", type=Path, help="config file (default: ./.seawall.yaml if present)")
    add_vulnerability_options(p)
    add_output_options(p)
    p.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class _SbomSubject:
    """The SBOM seen as an image inventory (what the vulnerability analyzer consumes)."""

    reference: str
    packages: tuple[Any, ...]
    os: Any


def run(args: argparse.Namespace) -> int:
    from seawall import plugins
    from seawall.analyzers.vulnerabilities import check_inventories
    from seawall.engine import ScanRun
    from seawall.policy.apply import apply_policy
    from seawall.policy.config import load_config
    from seawall.vulndb.sbom_input import read_sbom

    plugins.load()
    start = time.perf_counter()
    cfg = load_config(args.config)
    cfg.debug = args.verbose > 0
    apply_vulnerability_options(cfg, args)
    sbom = read_sbom(args.file)
    subject = _SbomSubject(sbom.name or str(args.file), tuple(sbom.packages), sbom.distro)
    scan_run = ScanRun(cfg)
    for f in check_inventories(scan_run, [subject]):
        scan_run.add(f)
    if sbom.unmatched:
        n = len(sbom.unmatched)
        scan_run.report.not_checked.append(
            {
                "analyzer": "vulnerabilities",
                "image": subject.reference,
                "kind": "no-purl",
                "packages": str(n),
                "subject": f"{n} component(s) ({', '.join(sbom.unmatched[:5])}{'...' if n > 5 else ''})",
                "reason": "no package URL with a known ecosystem, so they cannot be matched",
            }
        )
    apply_policy(scan_run)
    report = scan_run.report
    report.findings.sort(key=lambda f: (f.resource.image, -f.severity, f.rule_id, f.evidence))
    report.stats = {
        "sbom": str(args.file),
        "format": sbom.format,
        "packages": len(sbom.packages),
        "distro": f"{sbom.distro.id} {sbom.distro.version_id}" if sbom.distro else "",
        "duration_seconds": round(time.perf_counter() - start, 3),
    }
    return emit_report(report, args)


def register(sub: Any) -> None:
    add_arguments(sub.add_parser("sbom-scan", help="match a CycloneDX/SPDX SBOM against the vulnerability database"))
