"""``seawall db update`` and ``seawall db status``: the local vulnerability database."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def db_path(args: argparse.Namespace) -> Path:
    """``--db``, else ``$SEAWALL_DB``, else the user cache default (the CLI reads the environment)."""
    from seawall.vulndb.store import default_path

    if getattr(args, "db", None):
        return Path(args.db)
    env = os.environ.get("SEAWALL_DB")
    return Path(env) if env else default_path()


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="PATH", help="vulnerability database file (default: user cache dir, or $SEAWALL_DB)")


def _seconds(text: str) -> float:
    """A timeout argparse accepts: inf overflowed the socket layer ('internal error'), and 0,
    negative or NaN values only failed later with a confusing socket message."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 86400:  # also false for NaN
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 86400 seconds: {text!r}")
    return value


def register(sub: Any) -> None:
    # here, not at module level: scan/image/sbom-scan import this module for add_db_option only
    from seawall.vulndb.importer import DEFAULT_SOURCE

    p = sub.add_parser("db", help="manage the local vulnerability database")
    dsub = p.add_subparsers(dest="db_command", metavar="SUBCOMMAND")
    u = dsub.add_parser("update", help="import OSV advisories (and distro feeds) into a new database")
    u.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="URL|DIR|ZIP",
        help=f"OSV bucket URL (<Ecosystem>/all.zip layout), directory or zip; repeatable (default: {DEFAULT_SOURCE})",
    )
    u.add_argument(
        "--ecosystem",
        action="append",
        default=[],
        metavar="NAME",
        help="with a URL source: only these ecosystems (OSV spelling); repeatable",
    )
    u.add_argument("--timeout", type=_seconds, default=60.0, metavar="SECONDS", help="per-download timeout")
    u.add_argument("-q", "--quiet", action="store_true", help="no progress or summary on stderr")
    add_db_option(u)
    u.set_defaults(func=run_update)
    s = dsub.add_parser("status", help="show sources, dates and counts of the database")
    s.add_argument("-f", "--format", choices=("table", "json"), default="table")
    add_db_option(s)
    s.set_defaults(func=run_status)
    p.set_defaults(func=lambda _a: (p.print_help(sys.stderr), 2)[1])


def run_update(args: argparse.Namespace) -> int:
    from seawall.vulndb.importer import DEFAULT_SOURCE, update

    path = db_path(args)
    sources = args.source or [DEFAULT_SOURCE]
    show = not args.quiet and sys.stderr.isatty()

    def progress(msg: str) -> None:
        if show:
            print(f"seawall: {msg}", file=sys.stderr)

    start = time.perf_counter()
    result = update(sources, path, progress=progress, timeout=args.timeout, ecosystems=args.ecosystem or None)
    took = time.perf_counter() - start
    if not args.quiet:
        for s in result.sources:
            extra = f", {s.withdrawn} withdrawn skipped" if s.withdrawn else ""
            extra += f", {s.skipped} unreadable" if s.skipped else ""
            print(f"seawall: {s.name}: {s.records} advisories{extra}", file=sys.stderr)
            for prob in s.problems[:3]:  # one line each: a zip entry name may hold a newline
                print(f"seawall:   {prob}".replace("\r", "\\r").replace("\n", "\\n"), file=sys.stderr)
        print(
            f"seawall: imported {result.records} advisories from {len(result.sources)} source(s) "
            f"in {took:.1f}s into {result.path}",
            file=sys.stderr,
        )
    return 0


def run_status(args: argparse.Namespace) -> int:
    from seawall.vulndb.store import Store

    with Store(db_path(args)) as store:
        st = store.status()
    if args.format == "json":
        body = {
            "path": str(st.path),
            "built_at": st.built_at,
            "schema_version": st.schema_version,
            "advisories": st.advisories,
            "affected_entries": st.affected,
            "sources": [
                {
                    "name": s.name,
                    "location": s.location,
                    "kind": s.kind,
                    "imported_at": s.imported_at,
                    "records": s.records,
                    "withdrawn_skipped": s.withdrawn,
                    "unreadable": s.skipped,
                    "newest_modified": s.newest,
                }
                for s in st.sources
            ],
            "ecosystems": st.ecosystems,
        }
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
        return 0
    try:
        age = f"{st.age().days} day(s) ago"
    except ValueError:
        age = "unknown"
    lines = [
        f"Database:   {st.path}",
        f"Built:      {st.built_at} ({age})",
        f"Advisories: {st.advisories} ({st.affected} affected-package entries)",
        "",
        f"{'SOURCE':<22} {'RECORDS':>8} {'NEWEST ADVISORY':<22} LOCATION",
    ]
    for s in st.sources:
        lines.append(f"{s.name:<22} {s.records:>8} {s.newest[:19] or '-':<22} {s.location}")
    lines.append("")
    lines.append("Releases/ecosystems with data: " + ", ".join(sorted(st.ecosystems)))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
