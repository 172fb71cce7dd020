"""``seawall scan PATH...``: manifests (and, through file handlers, Dockerfiles, images, secrets)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from seawall.cli.output import (
    add_output_options,
    add_vulnerability_options,
    apply_vulnerability_options,
    emit_report,
)
from seawall.errors import InputError, PolicyError


def register(sub: Any) -> None:
    p = sub.add_parser("scan", help="scan manifests, Dockerfiles, images and files for problems")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories ('-' for stdin)")
    p.add_argument("-c", "--config", type=Path, help="config file (default: ./.seawall.yaml if present)")
    p.add_argument("--baseline", type=Path, help="show only findings not in this baseline file")
    p.add_argument("--write-baseline", type=Path, metavar="FILE", help="write current findings as a baseline")
    p.add_argument("--max-file-size", type=_positive_int, metavar="BYTES", help="skip files larger than this")
    p.add_argument("--rule", action="append", default=[], metavar="ID", help="run only these rules (globs)")
    p.add_argument("--skip-rule", action="append", default=[], metavar="ID", help="do not run these rules")
    add_vulnerability_options(p)
    add_output_options(p)
    p.set_defaults(func=run)


#: Largest baseline read (a fingerprint is ~70 bytes of JSON: about a million findings).
MAX_BASELINE_BYTES = 64 * 1024 * 1024


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of bytes: {text!r}") from None
    if not 0 < value <= 1 << 40:
        raise argparse.ArgumentTypeError(f"must be between 1 and {1 << 40} bytes: {text!r}")
    return value


def load_baseline(path: Path) -> frozenset[str]:
    subject = str(path)
    try:  # bounded: /dev/zero or a runaway generator behind --baseline <(...) ends here
        with path.open("rb") as fh:
            raw = fh.read(MAX_BASELINE_BYTES + 1)
    except OSError as err:
        raise PolicyError(err.strerror or str(err), subject=subject) from None
    if len(raw) > MAX_BASELINE_BYTES:
        raise PolicyError(f"baseline is larger than {MAX_BASELINE_BYTES >> 20} MiB", subject=subject)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise PolicyError("not a seawall baseline (JSON nested too deeply)", subject=subject) from None
    except (ValueError, UnicodeDecodeError) as err:
        raise PolicyError(f"not a seawall baseline (invalid JSON: {err})", subject=subject) from None
    fps = data.get("fingerprints") if isinstance(data, dict) else None
    if not isinstance(fps, list) or not all(isinstance(x, str) for x in fps):
        raise PolicyError("not a seawall baseline (no 'fingerprints' list)", subject=subject)
    return frozenset(fps)


def write_baseline(path: Path, report: Any) -> None:
    fps = sorted({f.fingerprint for f in report.findings if not f.suppressed or f.suppressed == "in baseline"})
    body = {"schema_version": 1, "tool": "seawall", "fingerprints": fps}
    try:
        path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot write the baseline: {err.strerror or err}", subject=str(path)) from None


def environment_credentials() -> Any:
    """Registry credentials from ~/.docker/config.json and SEAWALL_REGISTRY_* (read on first use)."""
    from seawall.sources.image.auth import RegistryAuth

    return RegistryAuth.from_environment()


def run(args: argparse.Namespace) -> int:
    from seawall.engine import scan
    from seawall.policy.config import glob_tuple, load_config

    cfg = load_config(args.config)
    cfg.debug = args.verbose > 0
    if args.max_file_size:
        cfg.max_file_bytes = args.max_file_size
    if args.rule:
        cfg.enable = glob_tuple(args.rule, "--rule")
    if args.skip_rule:
        cfg.disable = cfg.disable + glob_tuple(args.skip_rule, "--skip-rule")
    if args.baseline:
        cfg.baseline = load_baseline(args.baseline)
    apply_vulnerability_options(cfg, args)
    cfg.credentials = environment_credentials
    report = scan(args.paths, cfg)
    if args.write_baseline:
        write_baseline(args.write_baseline, report)
    return emit_report(report, args)
