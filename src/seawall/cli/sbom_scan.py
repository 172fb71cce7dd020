"""``seawall sbom scan FILE``: match an existing CycloneDX or SPDX JSON SBOM (like ``grype sbom:``).

The ``sbom`` command group belongs to the catalogers' ``seawall.cli.sbom``; it wires this in
with :func:`add_arguments` + :func:`run` (a ``scan`` subcommand). :func:`register_standalone`
adds ``sbom-scan`` as a top-level command for when that group does not exist.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seawall.cli.db import add_db_option, db_path
from seawall.cli.output import add_output_options, emit_report


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE", help="CycloneDX or SPDX JSON SBOM")
    p.add_argument("-c", "--config", type=Path, help="config file (default: ./.seawall.yaml if present)")
    p.add_argument("--vex", action="append", default=[], type=Path, metavar="FILE",
                   help="OpenVEX document(s): suppress assessed findings (shown with -v)")
    add_db_option(p)
    add_output_options(p)
    p.set_defaults(func=run)


def register_standalone(sub: Any) -> None:
    add_arguments(sub.add_parser("sbom-scan", help="match a CycloneDX/SPDX SBOM against the vulnerability database"))


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
    sbom = read_sbom(args.file)
    subject = _SbomSubject(sbom.name or str(args.file), tuple(sbom.packages), sbom.distro)
    scan_run = ScanRun(cfg)
    for f in check_inventories(scan_run, [subject], db=db_path(args), vex=args.vex):
        scan_run.add(f)
    if sbom.unmatched:
        n = len(sbom.unmatched)
        scan_run.report.not_checked.append({
            "analyzer": "vulnerabilities", "image": subject.reference, "kind": "no-purl", "packages": str(n),
            "subject": f"{n} component(s) ({', '.join(sbom.unmatched[:5])}{'...' if n > 5 else ''})",
            "reason": "no package URL with a known ecosystem, so they cannot be matched",
        })
    apply_policy(scan_run)
    report = scan_run.report
    report.findings.sort(key=lambda f: (f.resource.image, -f.severity, f.rule_id, f.evidence))
    report.stats = {
        "sbom": str(args.file), "format": sbom.format, "packages": len(sbom.packages),
        "distro": f"{sbom.distro.id} {sbom.distro.version_id}" if sbom.distro else "",
        "duration_seconds": round(time.perf_counter() - start, 3),
    }
    return emit_report(report, args)


def _from_sbom_group(args: argparse.Namespace) -> int:
    """``seawall sbom scan FILE`` through the sbom group's SUBCOMMANDS hook. That parser only
    knows its own options, so this form takes the defaults (table, default database, -o/-q);
    ``seawall sbom-scan FILE --db ... --vex ... -f json`` takes every option."""
    from seawall.errors import InputError
    from seawall.model.finding import Severity

    rest = list(getattr(args, "rest", []) or [])
    if len(rest) != 1:
        raise InputError("usage: seawall sbom scan FILE (all options: seawall sbom-scan --help)")
    ns = argparse.Namespace(
        file=Path(rest[0]), config=None, vex=[], db=None, format="table", output=getattr(args, "output", None),
        severity=Severity.INFO, fail_on=Severity.HIGH, quiet=getattr(args, "quiet", False),
        verbose=getattr(args, "verbose", 0),
    )
    return run(ns)


def register(sub: Any) -> None:
    """Called by ``seawall.cli.main``: adds ``sbom-scan`` and hooks ``sbom scan`` into the sbom group."""
    register_standalone(sub)
    from seawall.cli import sbom

    sbom.SUBCOMMANDS.setdefault("scan", _from_sbom_group)
