"""``seawall image REF``: read one image (archive, OCI layout or registry reference), inventory
it and check its configuration; findings go through the common output options.

The image-source options (platform, insecure registries, credentials, CA file) are shared with
``seawall sbom`` through :func:`add_image_source_options` / :func:`open_from_args`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from seawall.cli.output import (
    add_output_options,
    add_vulnerability_options,
    apply_vulnerability_options,
    emit_report,
)
from seawall.errors import InputError


def add_image_source_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("image source")
    g.add_argument("--platform", metavar="OS/ARCH[/VARIANT]", help="pick this platform from a multi-platform image")
    g.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        metavar="HOST",
        help="reach this registry (host:port) over plain HTTP (repeatable)",
    )
    g.add_argument("--username", help="registry user name (or SEAWALL_REGISTRY_USERNAME, ~/.docker/config.json)")
    g.add_argument(
        "--password",
        help="registry password (prefer SEAWALL_REGISTRY_PASSWORD: a command-line password is visible to other users)",
    )
    g.add_argument("--ca-file", type=Path, metavar="PEM", help="extra CA certificates for registry TLS")


def auth_from_args(args: argparse.Namespace) -> Any:
    """The RegistryAuth the image-source options ask for (--username/--password over the
    environment and docker config); also checks that --ca-file exists. Shared by every command
    that talks to a registry so they all treat credentials alike."""
    from seawall.sources.image.auth import Credentials, RegistryAuth

    auth = RegistryAuth.from_environment()
    if args.username or args.password:
        password = args.password if args.password is not None else os.environ.get("SEAWALL_REGISTRY_PASSWORD", "")
        auth.default = Credentials(args.username or "", password or "")
        auth.default_hosts = frozenset()
    if args.ca_file is not None and not args.ca_file.is_file():
        raise InputError("CA file not found", subject=str(args.ca_file))
    return auth


def open_from_args(args: argparse.Namespace, config_section: dict[str, Any] | None = None) -> Any:
    """Open the image named by ``args.ref`` with the source options (raises SeawallError);
    ``config_section`` is the config's ``image`` section (size limits)."""
    from seawall.sources.image import open_image
    from seawall.sources.image.model import limits_from_config

    auth = auth_from_args(args)
    if args.verbose:
        for note in auth.notes:
            print(f"seawall: note: {note}", file=sys.stderr)
    return open_image(
        args.ref,
        platform=args.platform,
        insecure_registries=tuple(args.insecure_registry),
        auth=auth,
        ca_file=args.ca_file,
        limits=limits_from_config(config_section or {}),
    )


def register(sub: Any) -> None:
    p = sub.add_parser(
        "image",
        help="check a container image (archive, OCI layout or registry reference)",
        description="Inventory an image and check its configuration (SW-IMG rules). REF is a "
        "docker-save archive, an OCI layout (dir or tar), oci:DIR[:TAG], or a registry reference.",
    )
    p.add_argument("ref", metavar="REF", help="image archive, OCI layout, or registry reference")
    p.add_argument("-c", "--config", type=Path, help="config file (default: ./.seawall.yaml if present)")
    p.add_argument("--rule", action="append", default=[], metavar="ID", help="run only these rules (globs)")
    p.add_argument("--skip-rule", action="append", default=[], metavar="ID", help="do not run these rules")
    add_image_source_options(p)
    add_vulnerability_options(p)
    p.add_argument(
        "--no-vulnerabilities",
        action="store_true",
        help="skip vulnerability matching (packages are then listed as not checked)",
    )
    add_output_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seawall import plugins
    from seawall.analyzers.image import analyze_image
    from seawall.engine import ScanRun
    from seawall.policy.apply import apply_policy
    from seawall.policy.config import load_config

    plugins.load()
    cfg = load_config(args.config)
    cfg.debug = args.verbose > 0
    apply_vulnerability_options(cfg, args)
    from seawall.policy.config import glob_tuple  # each glob bounded, as in seawall scan

    if args.rule:
        cfg.enable = glob_tuple(args.rule, "--rule")
    if args.skip_rule:
        cfg.disable = cfg.disable + glob_tuple(args.skip_rule, "--skip-rule")
    scan_run = ScanRun(cfg)
    with open_from_args(args, cfg.section("image")) as image:
        analysis = analyze_image(image, cfg, run=scan_run)
    inv = analysis.inventory
    for f in analysis.findings:
        scan_run.add(f)
    if args.no_vulnerabilities:
        scan_run.report.warnings.append("vulnerability matching skipped (--no-vulnerabilities)")
        scan_run.report.not_checked.append(
            {"subject": inv.reference, "reason": "vulnerability matching skipped (--no-vulnerabilities)", "layer": ""}
        )
    else:
        from seawall.analyzers.vulnerabilities import check_inventories

        for f in check_inventories(scan_run, [inv]):
            scan_run.add(f)
    for subject, msg in analysis.errors:
        scan_run.error(subject, msg)
    for nc in inv.not_checked:
        scan_run.report.not_checked.append({"subject": nc.subject, "reason": nc.reason, "layer": nc.layer})
        scan_run.report.warnings.append(f"not checked: {nc.subject}: {nc.reason}")
    apply_policy(scan_run)
    report = scan_run.report
    report.findings.sort(key=lambda f: (f.location.path, f.rule_id, f.resource.identity()))
    report.stats = {
        "image": inv.reference,
        "digest": inv.id,
        "os": inv.os.display() if inv.os else "",
        "packages": len(inv.packages),
        "files": analysis.files,
        "duration_seconds": round(analysis.seconds, 3),
    }
    return emit_report(report, args)
