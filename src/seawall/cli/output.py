"""Options and output shared by every command that reports findings (scan, image, registry...)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from seawall.cli import OUTPUT_ERRORS
from seawall.errors import InputError
from seawall.model.finding import Severity

FORMATS = ("table", "json", "sarif", "junit", "nist")


def severity_arg(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_output_options(p: argparse.ArgumentParser, formats: tuple[str, ...] = FORMATS) -> None:
    g = p.add_argument_group("output")
    g.add_argument("-f", "--format", choices=formats, default="table", help="report format (default: table)")
    g.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    g.add_argument(
        "--severity",
        type=severity_arg,
        default=Severity.INFO,
        metavar="SEV",
        help="show findings at or above SEV (info, low, medium, high, critical)",
    )
    g.add_argument(
        "--fail-on",
        type=severity_arg,
        default=Severity.HIGH,
        metavar="SEV",
        help="exit 1 when a finding at or above SEV remains (default: high)",
    )
    g.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    g.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="show suppressed findings, skipped inputs and warnings; -vv adds tracebacks",
    )


def add_vulnerability_options(p: argparse.ArgumentParser) -> None:
    from seawall.cli.db import add_db_option

    g = p.add_argument_group("vulnerabilities")
    add_db_option(g)  # type: ignore[arg-type]
    g.add_argument(
        "--vex",
        action="append",
        default=[],
        metavar="FILE",
        help="OpenVEX document whose statements suppress findings (repeatable; shown with -v)",
    )


def apply_vulnerability_options(cfg: Any, args: argparse.Namespace) -> None:
    """--db (or $SEAWALL_DB) and --vex override the config's ``vulnerabilities`` section: the one
    place every command (scan, image, sbom scan, registry scan) turns these flags into config."""
    import os

    db = getattr(args, "db", None) or os.environ.get("SEAWALL_DB")
    vex = list(getattr(args, "vex", None) or [])
    if not (db or vex):
        return
    section = dict(cfg.section("vulnerabilities"))
    if db:
        section["db"] = str(db)
    if vex:
        existing = section.get("vex", [])
        section["vex"] = ([existing] if isinstance(existing, str) else list(existing)) + [str(v) for v in vex]
    cfg.sections["vulnerabilities"] = section


def write_output(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8", errors=OUTPUT_ERRORS)
        except OSError as err:
            raise InputError(err.strerror or str(err), subject=output) from None
    else:
        sys.stdout.write(text)
        if text and not text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()


def emit_report(report: Any, args: argparse.Namespace) -> int:
    """Render, write, print diagnostics; return the exit code for this report."""
    from seawall.cli.main import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK
    from seawall.reporters import write

    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", errors=OUTPUT_ERRORS) as fh:
                write(report, args.format, fh, min_severity=args.severity, verbose=args.verbose)
        except OSError as exc:
            raise InputError(exc.strerror or str(exc), subject=args.output) from None
    else:
        write(report, args.format, sys.stdout, min_severity=args.severity, verbose=args.verbose)
        sys.stdout.flush()
    err = sys.stderr
    for e in report.errors:
        print(f"seawall: error: {e}", file=err)
    if args.verbose:
        for w in report.warnings:
            print(f"seawall: warning: {w}", file=err)
        for subject, reason in report.skipped:
            print(f"seawall: skipped: {subject}: {reason}", file=err)
    elif report.warnings and not args.quiet:
        print(f"seawall: {len(report.warnings)} warning(s); -v shows them", file=err)
    failing = [f for f in report.active() if f.severity >= args.fail_on]
    if report.incomplete:
        if not args.quiet:
            print(
                f"seawall: scan incomplete: {len(report.errors)} input(s) could not be scanned",
                file=err,
            )
        return EXIT_INCOMPLETE
    return EXIT_FINDINGS if failing else EXIT_OK
