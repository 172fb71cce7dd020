"""``seawall sbom scan FILE``: match an existing CycloneDX or SPDX JSON SBOM (like ``grype sbom:``).

The ``sbom`` command group belongs to the catalogers' ``seawall.cli.sbom``; it wires this in
with :func:`add_arguments` + :func:`run` (a ``scan`` subcommand). :func:`register_standalone`
adds ``sbom-scan`` as a top-level command for when that group does not exist.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from seawall.cli.db import add_db_option, db_path
from seawall.cli.output import add_output_options, emit_report


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE", help="CycloneDX or SPDX JSON SBOM")
    p.add_argument("--vex", action="append", default=[], type=Path, metavar="FILE",
                   help="OpenVEX document(s): suppress assessed findings (shown with -v)")
    p.add_argument("--max-db-age", type=float, default=None, metavar="DAYS",
                   help="warn when the vulnerability database is older than DAYS (default: 7)")
    add_db_option(p)
    add_output_options(p)
    p.set_defaults(func=run)


def register_standalone(sub: Any) -> None:
    add_arguments(sub.add_parser("sbom-scan", help="match a CycloneDX/SPDX SBOM against the vulnerability database"))


def run(args: argparse.Namespace) -> int:
    from seawall import plugins
    from seawall.analyzers.vulnerabilities import DEFAULT_MAX_AGE_DAYS, scan_images, stale_warning
    from seawall.engine import Report
    from seawall.policy.apply import apply_policy  # noqa: F401  (policy is applied by scan only)
    from seawall.vulndb.sbom_input import read_sbom
    from seawall.vulndb.store import Store
    from seawall.vulndb.vex import apply_vex, load_vex

    plugins.load()
    start = time.perf_counter()
    sbom = read_sbom(args.file)
    docs = [load_vex(p) for p in args.vex]
    report = Report()

    class _Image:
        reference = sbom.name or str(args.file)
        packages = sbom.packages
        os = sbom.distro

    with Store(db_path(args)) as store:
        warning = stale_warning(store, args.max_db_age if args.max_db_age is not None else DEFAULT_MAX_AGE_DAYS)
        if warning:
            report.warnings.append(warning)
        findings, not_checked = scan_images([_Image()], store)
    if sbom.unmatched:
        n = len(sbom.unmatched)
        not_checked.append({
            "analyzer": "vulnerabilities", "image": _Image.reference, "kind": "no-purl", "packages": str(n),
            "subject": f"{n} component(s) ({', '.join(sbom.unmatched[:5])}{'...' if n > 5 else ''})",
            "reason": "no package URL with a known ecosystem, so they cannot be matched",
        })
    report.findings = apply_vex(findings, docs) if docs else findings
    report.not_checked = not_checked
    report.findings.sort(key=lambda f: (f.resource.image, f.location.path, -f.severity, f.rule_id, f.evidence))
    report.stats = {
        "sbom": str(args.file), "format": sbom.format, "packages": len(sbom.packages),
        "distro": f"{sbom.distro.id} {sbom.distro.version_id}" if sbom.distro else "",
        "duration_seconds": round(time.perf_counter() - start, 3),
    }
    return emit_report(report, args)
