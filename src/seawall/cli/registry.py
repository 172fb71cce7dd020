"""``seawall registry scan HOST[/REPO-GLOB]``: scan every image of a registry.

Enumerates repositories (``_catalog``) and tags, then scans each distinct digest for packages,
vulnerabilities (when a database exists; "not checked" otherwise), image configuration, secrets
and signatures, ``--concurrency`` images at a time, with a progress bar on stderr when it is a
terminal. ``--resume FILE`` records finished digests in a JSONL file and skips them on the next
run. Stale images (superseded tags, old ``created``) are reported; whether an image is still
*pulled* is not knowable from the distribution API and is not reported.

Registry options are the image-source options (``--insecure-registry``, ``--ca-file``,
``--username``/``--password``, docker config credentials) plus the ``registries:`` section of
``.seawall.yaml`` (``insecure``, ``ca_file``, ``docker_config``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from seawall.cli.image import add_image_source_options
from seawall.cli.output import add_output_options, emit_report
from seawall.errors import InputError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "registry",
        help="scan a whole registry (every repository, tag and image)",
        description="Registry-wide scanning (distribution API v2).",
    )
    rsub = p.add_subparsers(dest="registry_command", metavar="SUBCOMMAND")
    s = rsub.add_parser(
        "scan",
        help="scan every image of HOST (optionally only repositories matching a glob)",
        description=__doc__.split("\n\n")[1].replace("``", "") if __doc__ else None,
    )
    s.add_argument("target", metavar="HOST[/REPO-GLOB]", help="e.g. registry.example.com or 127.0.0.1:5000/team/*")
    s.add_argument("-c", "--config", type=Path, help="config file (default: ./.seawall.yaml if present)")
    s.add_argument("--concurrency", type=int, default=4, metavar="N", help="images scanned in parallel (default 4)")
    s.add_argument("--resume", type=Path, metavar="FILE", help="JSONL state file: record results, skip done digests")
    s.add_argument("--db", metavar="PATH", help="vulnerability database (default: config, then the user cache)")
    s.add_argument("--rule", action="append", default=[], metavar="ID", help="run only these rules (globs)")
    s.add_argument("--skip-rule", action="append", default=[], metavar="ID", help="do not run these rules")
    add_image_source_options(s)
    add_output_options(s)
    s.set_defaults(func=run_scan)
    p.set_defaults(func=lambda _a: (p.print_help(sys.stderr), 2)[1])


def _client(args: argparse.Namespace, host: str, cfg: Any) -> Any:
    from seawall.registries.policy import registries_config
    from seawall.sources.image.auth import Credentials, RegistryAuth
    from seawall.sources.image.model import limits_from_config
    from seawall.sources.image.registry import RegistryClient

    section = registries_config(cfg)
    auth = RegistryAuth.from_environment()
    if section.docker_config is not None:
        extra = section.registry_auth()
        for h, c in extra.hosts.items():
            auth.hosts.setdefault(h, c)
    if args.username or args.password:
        password = args.password if args.password is not None else os.environ.get("SEAWALL_REGISTRY_PASSWORD", "")
        auth.default = Credentials(args.username or "", password or "")
        auth.default_hosts = frozenset()
    ca_file = args.ca_file or section.ca_file
    if ca_file is not None and not Path(ca_file).is_file():
        raise InputError("CA file not found", subject=str(ca_file))
    insecure = host in set(args.insecure_registry) or section.is_insecure(host)
    if args.verbose:
        for note in auth.notes:
            print(f"seawall: note: {note}", file=sys.stderr)
    limits = limits_from_config(cfg.section("image"))
    return RegistryClient(host, auth=auth, insecure=insecure, ca_file=ca_file, limits=limits)


class _Progress:
    """A rich progress bar on stderr, only when stderr is a terminal (and not --quiet)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("[bold]registry scan"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("", total=total)

    def advance(self, result: Any) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=result.job.repo)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def run_scan(args: argparse.Namespace) -> int:
    from seawall import plugins
    from seawall.policy.config import load_config
    from seawall.registries.scan import parse_target, scan_registry
    from seawall.registries.state import StateFile
    from seawall.sources.image.model import Platform

    plugins.load()
    if args.concurrency < 1 or args.concurrency > 64:
        raise InputError("--concurrency must be between 1 and 64")
    host, glob = parse_target(args.target)
    cfg = load_config(args.config)
    cfg.debug = args.verbose > 0
    from seawall.policy.config import glob_tuple  # each glob bounded, as in seawall scan

    if args.rule:
        cfg.enable = glob_tuple(args.rule, "--rule")
    if args.skip_rule:
        cfg.disable = cfg.disable + glob_tuple(args.skip_rule, "--skip-rule")
    platform = Platform.parse(args.platform) if args.platform else None
    state = StateFile(args.resume) if args.resume else None
    progress = _Progress(sys.stderr.isatty() and not args.quiet)
    try:
        with _client(args, host, cfg) as client:
            try:
                result = scan_registry(
                    client,
                    glob,
                    cfg,
                    concurrency=args.concurrency,
                    state=state,
                    platform=platform,
                    vuln_db=args.db,
                    on_enumerated=progress.start,
                    on_image=progress.advance,
                )
            finally:
                progress.stop()
    finally:
        if state is not None:
            state.close()
    report = result.report
    if state is not None and state.ignored_lines and not args.quiet:
        print(f"seawall: note: {state.ignored_lines} unreadable line(s) in {args.resume} ignored", file=sys.stderr)
    if not args.quiet:
        _summary(result)
    return emit_report(report, args)


def _summary(result: Any) -> None:
    """One line per image on stderr: tags, packages, vulnerability and signature status."""
    err = sys.stderr
    resumed = f", {result.skipped_resumed} from the resume file" if result.skipped_resumed else ""
    print(
        f"seawall: {result.repositories} repositories, {result.tags} tags, {len(result.images)} images{resumed}",
        file=err,
    )
    verbose = bool(getattr(result, "verbose", False))
    shown = result.images if len(result.images) <= 50 or verbose else result.images[:50]
    for r in shown:
        tags = ",".join(r.job.tags) or "-"
        state = "error" if r.errors else f"skipped: {r.skipped}" if r.skipped else f"{r.packages} packages"
        print(
            f"  {r.job.repo}:{tags} {r.job.digest[:19]}  {state}; vulnerabilities: {r.vulnerabilities or '-'}; "
            f"signature: {r.signature or '-'}",
            file=err,
        )
    if len(shown) < len(result.images):
        print(f"  ... {len(result.images) - len(shown)} more (see the JSON report's stats.images_detail)", file=err)
    print("seawall: note: whether images are still pulled is not reported (no pull data in the registry API)", file=err)
