"""``seawall netpol``: NetworkPolicy connectivity.

``seawall netpol matrix PATH...``  allowed connections between workloads and external ranges;
    ``--format connlist`` (alias ``txt``) is np-guard's ``list`` text, byte for byte, and json/csv/md/dot
    are np-guard's formats too; ``table`` and ``html`` are for people. np-guard's filters are offered
    under the same names: ``--focusworkload``, ``--focusworkload-peer``, ``--focus-direction``,
    ``--focus-conn`` and ``--exposure``.
    With ``--each``, every PATH is a cluster of its own (a repository holding several clusters'
    manifests, or a batch of cases): one run, one result per PATH under a ``==> PATH <==`` header.
``seawall netpol explain SRC DST [PORT/PROTO] PATH...``  which policy rules allow the connection, or
    why it is denied. SRC/DST are ``ns/name``, ``name``, ``ns/name[Kind]`` or an IP address.

Exit codes: 0 (``explain``: allowed), 1 (``explain``: denied), 2 usage or input error, 3 an input
could not be read or parsed (one error line each; the rest is still analysed and written).

Start-up matters here (one process per cluster in CI loops; ``python -m seawall.netpol`` is the lean
entry): this module imports nothing beyond argparse at load, and a matrix run imports only the
analysis and the plain-text renderers (no findings model, exposure, admin-policy or HTML code unless
the input or the options need them).
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from seawall.cli.helpformat import formatter
from seawall.errors import InputError
from seawall.textsafe import printable

MATRIX_FORMATS = ("table", "connlist", "txt", "json", "csv", "md", "dot", "html")
#: Formats that escape text themselves (JSON strings, HTML entities); the others are written with
#: the control characters of hostile names made visible (seawall.textsafe).
_MACHINE_FORMATS = frozenset({"json", "html"})


def _csv_list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def register(sub: Any) -> None:
    p = sub.add_parser("netpol", help="NetworkPolicy connectivity: who can reach whom", formatter_class=formatter)
    nsub = p.add_subparsers(dest="netpol_command", metavar="SUBCOMMAND")

    m = nsub.add_parser(
        "matrix", help="allowed connections between workloads (and external IP ranges)", formatter_class=formatter
    )
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
    m.add_argument(
        "--each",
        action="store_true",
        help="analyze each PATH as a cluster of its own and print each result under a '==> PATH <==' header "
        "(json: an object keyed by PATH; csv: a leading input column; not with dot/html)",
    )
    m.set_defaults(func=run_matrix)

    e = nsub.add_parser(
        "explain",
        help="why a connection between two peers is allowed or denied",
        epilog="exit code: 0 allowed, 1 denied, 2 usage or input error, 3 an input could not be read",
        formatter_class=formatter,
    )
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
    """Like cli.output.write_output (imported only for ``-o``: stdout needs none of it), but a file
    gets the trailing newline too."""
    text = text if text.endswith("\n") else text + "\n"
    if output:
        from seawall.cli.output import write_output

        write_output(text, output)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _warn(message: str, label: str | None = None) -> None:
    print(f"seawall: warning: {label + ': ' if label else ''}{message}", file=sys.stderr)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC for a command (as engine.scan does): the modules it imports and the YAML
    trees, objects and rows it builds are acyclic, and with the collector running they trigger
    repeated full collections over everything allocated so far (a few ms of a short run). The only
    cycles (a policy and its rules) are a few hundred objects per cluster, collected at the end
    (``--each`` over the 38 np-guard cases five times: 35k objects)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(paths: list[str], label: str | None = None) -> tuple[Any, bool]:
    """The connectivity of the objects under ``paths``, and whether every input could be read.

    An input that cannot be read or parsed is one error line; the others are still analysed, and
    the command exits 3 (incomplete) after its output, as ``seawall scan`` and ``seawall rbac`` do:
    a policy in a broken file is missing from the result."""
    from seawall.netpol import analyze, load_objects

    objs, skipped = load_objects(paths)
    for s in skipped:
        print(f"seawall: error: {s}", file=sys.stderr)
    conn = analyze(objs)
    for w in conn.warnings:
        _warn(w, label)
    return conn, not skipped


def run_matrix(args: argparse.Namespace) -> int:
    with _gc_paused():
        return _matrix(args)


def _matrix(args: argparse.Namespace) -> int:
    from seawall.netpol.connlist import ConnlistOptions, connlist
    from seawall.netpol.output import SECTION_FORMATS, join_sections
    from seawall.netpol.ports import ConnectionSet

    if args.each and args.format not in SECTION_FORMATS:
        raise InputError(f"--each cannot combine {args.format} outputs in one document; run once per PATH")
    focus_conn = None
    if args.focus_conn:
        try:
            focus_conn = ConnectionSet.parse(args.focus_conn)
        except ValueError as err:
            raise InputError(str(err), subject="--focus-conn") from None
    fw = [x for v in args.focusworkload for x in _csv_list(v)]
    fp = [x for v in args.focusworkload_peer for x in _csv_list(v)]
    opts = ConnlistOptions(tuple(fw), tuple(fp), args.focus_direction, focus_conn, args.exposure)
    # --each: one cluster per PATH, analysed in turn in this one process; nothing is written until
    # every PATH has been analysed, so a bad PATH gives its one-line error and no partial output
    groups = [(p, [p]) for p in args.paths] if args.each else [(None, list(args.paths))]
    sections: list[tuple[str, str]] = []
    complete = True
    for label, paths in groups:
        conn, read_all = _load(paths, label)
        complete &= read_all
        result = connlist(conn, opts)
        for w in result.warnings:
            _warn(w, label)
        text = result.render(args.format)
        sections.append((label or "", text if args.format in _MACHINE_FORMATS else printable(text)))
    _write(join_sections(args.format, sections) if args.each else sections[0][1], args.output)
    return 0 if complete else 3


def _split_explain_args(items: list[str]) -> tuple[str, str, str | None, list[str]]:
    from pathlib import Path

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
    with _gc_paused():
        return _explain(args)


def _explain(args: argparse.Namespace) -> int:
    from seawall.netpol.explain import explain
    from seawall.netpol.ports import ConnectionSet

    src_s, dst_s, query_s, paths = _split_explain_args(args.args)
    conn, complete = _load(paths)
    src = conn.find(src_s)
    dst = conn.find(dst_s)
    for name, peer in ((src_s, src), (dst_s, dst)):
        if peer is None:
            known = ", ".join(sorted(w.key for w in conn.workloads)[:10])
            raise InputError(f"no workload or IP address {name!r} (known: {known or 'none'})")
    query = ConnectionSet.parse(query_s) if query_s else None
    ex = explain(conn, src, dst, query)
    if args.format == "json":
        import json

        _write(json.dumps(ex.as_dict(), indent=2), None)
    else:
        _write(printable(ex.text()), None)
    if not complete:
        return 3
    return 0 if ex.verdict else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m seawall.netpol matrix|explain ...``: the netpol commands without loading every other
    command group (scripts that run one analysis per directory pay only for what they use)."""
    from seawall.cli import safe_streams

    with safe_streams():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    from seawall.errors import SeawallError

    parser = argparse.ArgumentParser(prog="python -m seawall.netpol", formatter_class=formatter)
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
