"""``seawall netpol``: NetworkPolicy connectivity.

``seawall netpol matrix PATH...``  allowed connections between workloads and external ranges;
    ``--format connlist`` (alias ``txt``) is np-guard's ``list`` text, byte for byte, and json/csv/md/dot
    are np-guard's formats too; ``table`` and ``html`` are for people. np-guard's filters are offered
    under the same names: ``--focusworkload``, ``--focusworkload-peer``, ``--focus-direction``,
    ``--focus-conn`` and ``--exposure``.
``seawall netpol explain SRC DST [PORT/PROTO] PATH...``  which policy rules allow the connection, or
    why it is denied. SRC/DST are ``ns/name``, ``name``, ``ns/name[Kind]`` or an IP address.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from seawall.cli.output import write_output
from seawall.errors import InputError

MATRIX_FORMATS = ("table", "connlist", "txt", "json", "csv", "md", "dot", "html")


def _csv_list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def register(sub: Any) -> None:
    p = sub.add_parser("netpol", help="NetworkPolicy connectivity: who can reach whom")
    nsub = p.add_subparsers(dest="netpol_command", metavar="SUBCOMMAND")

    m = nsub.add_parser("matrix", help="allowed connections between workloads (and external IP ranges)")
    m.add_argument("paths", nargs="+", metavar="PATH", help="manifest files or directories ('-' for stdin)")
    m.add_argument("--format", choices=MATRIX_FORMATS, default="table", help="output format (default: table)")
    m.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    m.add_argument(
        "--focusworkload",
        action="append",
        default=[],
        metavar="NAME",
        help="only connections of these workloads (name or ns/name; comma-separated or repeated)",
    )
    m.add_argument(
        "--focusworkload-peer",
        action="append",
        default=[],
        metavar="NAME",
        help="with --focusworkload: only connections between the focus workloads and these peers",
    )
    m.add_argument(
        "--focus-direction",
        choices=("ingress", "egress"),
        default="",
        help="with --focusworkload: only connections into (ingress) or out of (egress) the focus workloads",
    )
    m.add_argument("--focus-conn", metavar="PROTO-PORT", help="only pairs allowing this connection, e.g. tcp-8080")
    m.add_argument("--exposure", action="store_true", help="add exposure analysis (np-guard --exposure)")
    m.set_defaults(func=run_matrix)

    e = nsub.add_parser("explain", help="why a connection between two peers is allowed or denied")
    e.add_argument(
        "args",
        nargs="+",
        metavar="SRC DST [PORT/PROTO] PATH",
        help="source, destination, optional connection (e.g. 8080/TCP), then manifest paths",
    )
    e.add_argument("--format", choices=("text", "json"), default="text")
    e.set_defaults(func=run_explain)
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])


def _write(text: str, output: str | None) -> None:
    """Like write_output, but a file gets the trailing newline too."""
    write_output(text if text.endswith("\n") else text + "\n", output)


def _load(paths: list[str]) -> Any:
    from seawall.netpol import analyze, load_objects

    objs, skipped = load_objects(paths)
    for s in skipped:
        print(f"seawall: warning: skipped {s}", file=sys.stderr)
    conn = analyze(objs)
    for w in conn.warnings:
        print(f"seawall: warning: {w}", file=sys.stderr)
    return conn


def run_matrix(args: argparse.Namespace) -> int:
    from seawall.netpol.connlist import ConnlistOptions, connlist
    from seawall.netpol.ports import ConnectionSet

    focus_conn = None
    if args.focus_conn:
        try:
            focus_conn = ConnectionSet.parse(args.focus_conn)
        except ValueError as err:
            raise InputError(str(err), subject="--focus-conn") from None
    fw = [x for v in args.focusworkload for x in _csv_list(v)]
    fp = [x for v in args.focusworkload_peer for x in _csv_list(v)]
    conn = _load(args.paths)
    result = connlist(
        conn,
        ConnlistOptions(tuple(fw), tuple(fp), args.focus_direction, focus_conn, args.exposure),
    )
    for w in result.warnings:
        print(f"seawall: warning: {w}", file=sys.stderr)
    _write(result.render(args.format), args.output)
    return 0


def _split_explain_args(items: list[str]) -> tuple[str, str, str | None, list[str]]:
    from seawall.netpol.ports import ConnectionSet

    if len(items) < 3:
        raise InputError("usage: seawall netpol explain SRC DST [PORT/PROTO] PATH...")
    src, dst, rest = items[0], items[1], items[2:]
    query = None
    if len(rest) > 1 and not Path(rest[0]).exists():
        try:
            ConnectionSet.parse(rest[0])
        except ValueError:
            pass
        else:
            query, rest = rest[0], rest[1:]
    return src, dst, query, rest


def run_explain(args: argparse.Namespace) -> int:
    from seawall.netpol.explain import explain
    from seawall.netpol.ports import ConnectionSet

    src_s, dst_s, query_s, paths = _split_explain_args(args.args)
    conn = _load(paths)
    src = conn.find(src_s)
    dst = conn.find(dst_s)
    for name, peer in ((src_s, src), (dst_s, dst)):
        if peer is None:
            known = ", ".join(sorted(w.key for w in conn.workloads)[:10])
            raise InputError(f"no workload or IP address {name!r} (known: {known or 'none'})")
    query = ConnectionSet.parse(query_s) if query_s else None
    ex = explain(conn, src, dst, query)
    if args.format == "json":
        _write(json.dumps(ex.as_dict(), indent=2), None)
    else:
        _write(ex.text(), None)
    return 0 if ex.verdict else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m seawall.netpol matrix|explain ...``: the netpol commands without loading every other
    command group (scripts that run one analysis per directory pay only for what they use)."""
    from seawall.errors import SeawallError

    parser = argparse.ArgumentParser(prog="python -m seawall.netpol")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    register(sub)
    args = parser.parse_args(["netpol", *(sys.argv[1:] if argv is None else argv)])
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args))
    except InputError as err:
        print(f"seawall: error: {err}", file=sys.stderr)
        return 2
    except SeawallError as err:
        print(f"seawall: error: {err}", file=sys.stderr)
        return 3
    except BrokenPipeError:
        return 0
