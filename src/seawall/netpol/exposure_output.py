"""np-guard's ``--exposure`` output (connlist, json, csv, md, dot): which workloads are reachable from
anything a policy admits (representative peers, ``entire-cluster``) besides the real pairs.

Kept apart from :mod:`seawall.netpol.output` so that a plain connectivity listing never imports
the exposure analysis.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from seawall.netpol.exposure import ENTIRE_CLUSTER, ExposedWorkload
from seawall.netpol.model import Workload
from seawall.netpol.output import Row, _csv_field, _go_quote, dot_edge, render, render_dot
from seawall.netpol.ports import ConnectionSet


@dataclass(frozen=True, slots=True)
class ExpLine:
    src: str
    dst: str
    conn: str


def _exposure_lines(
    rows: Sequence[Row], exposed: Sequence[ExposedWorkload]
) -> tuple[list[ExpLine], list[ExpLine], list[str]]:
    """(ingress lines sorted by dst/src, egress lines sorted by src/dst, unprotected lines)."""
    from_ips: dict[str, list[ExpLine]] = {}
    to_ips: dict[str, list[ExpLine]] = {}
    for r in rows:
        s, d, c = r.fields
        if r.src.is_ip:
            from_ips.setdefault(d, []).append(ExpLine(s, d, c))
        if r.dst.is_ip:
            to_ips.setdefault(s, []).append(ExpLine(s, d, c))
    ing: list[ExpLine] = []
    eg: list[ExpLine] = []
    unprotected: list[str] = []
    for ew in exposed:
        key = ew.workload.key
        if not ew.ingress_protected:
            ing.append(ExpLine(ENTIRE_CLUSTER, key, "All Connections"))
            unprotected.append(f"{key} is not protected on Ingress")
        else:
            ing.extend(ExpLine(it.label, key, str(it.conns)) for it in ew.ingress)
        ing.extend(from_ips.get(key, ()))
        if not ew.egress_protected:
            eg.append(ExpLine(key, ENTIRE_CLUSTER, "All Connections"))
            unprotected.append(f"{key} is not protected on Egress")
        else:
            eg.extend(ExpLine(key, it.label, str(it.conns)) for it in ew.egress)
        eg.extend(to_ips.get(key, ()))
    ing.sort(key=lambda x: (x.dst, x.src))
    eg.sort(key=lambda x: (x.src, x.dst))
    return ing, eg, sorted(unprotected)


def _sub_section(lines: Sequence[str], header: str) -> str:
    if not lines:
        return ""
    return header + "\n".join(lines) + "\n"


def _exposure_txt(rows: Sequence[Row], exposed: Sequence[ExposedWorkload], focus: str | None = None) -> str:
    if focus is None:
        res = "".join(f"{s} => {d} : {c}\n" for s, d, c in (r.fields for r in rows))
    else:
        res = f"Permitted connections on {focus}:\n" + "".join(f"{r.src.key} => {r.dst.key}\n" for r in rows)
    if res:
        res += "\n"
    width = max((len(ew.workload.key) for ew in exposed), default=0)
    ing, eg, unprotected = _exposure_lines(rows, exposed)
    res += "Exposure Analysis Result:\n" if focus is None else f"Exposure Analysis Result On {focus}:\n"

    def line(a: str, arrow: str, b: str, conn: str) -> str:
        return f"{a:<{width}} \t{arrow} \t{b}" + (f" : {conn}" if focus is None else "")

    res += _sub_section([line(x.src, "=>", x.dst, x.conn) for x in eg], "Egress Exposure:\n")
    head = ("\n" if eg else "") + "Ingress Exposure:\n"
    res += _sub_section([line(x.dst, "<=", x.src, x.conn) for x in ing], head)
    if focus is None:
        res += _sub_section(unprotected, "\nWorkloads not protected by network policies:\n")
    return res


def _go_json(value: object) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _exposure_json(rows: Sequence[Row], exposed: Sequence[ExposedWorkload], focus: str | None = None) -> str:
    ing, eg, _ = _exposure_lines(rows, exposed)

    def item(src: str, dst: str, conn: str) -> dict[str, str]:
        return {"src": src, "dst": dst, "conn": conn} if focus is None else {"src": src, "dst": dst}

    def items(xs: Sequence[ExpLine]) -> list[dict[str, str]] | None:
        # Go marshals a nil slice as null; the focus-conn variant always builds a (possibly empty) list
        return [item(x.src, x.dst, x.conn) for x in xs] or (None if focus is None else [])

    suffix = "results" if focus is None else "conn_focus_results"
    body = {
        f"connlist_{suffix}": [item(s, d, c) for s, d, c in (r.fields for r in rows)],
        f"exposure_{suffix}": {"egress_exposure": items(eg), "ingress_exposure": items(ing)},
    }
    return _go_json(body)


def _exposure_csv(rows: Sequence[Row], exposed: Sequence[ExposedWorkload], focus: str | None = None) -> str:
    ing, eg, _ = _exposure_lines(rows, exposed)
    cols = 3 if focus is None else 2

    def row(*vals: str) -> str:
        return ",".join(_csv_field(v) for v in vals[:cols])

    lines = [row("src", "dst", "conn"), *(row(*r.fields) for r in rows)]
    lines.append("Exposure Analysis Result:,," if focus is None else f"Exposure Analysis Result On {focus}:,,")
    if eg:
        lines += ["Egress Exposure:,,", row("src", "dst", "conn"), *(row(x.src, x.dst, x.conn) for x in eg)]
    if ing:
        lines += ["Ingress Exposure:,,", row("dst", "src", "conn"), *(row(x.dst, x.src, x.conn) for x in ing)]
    return "\n".join(lines) + "\n"


def _exposure_md(rows: Sequence[Row], exposed: Sequence[ExposedWorkload], focus: str | None = None) -> str:
    ing, eg, _ = _exposure_lines(rows, exposed)

    def line(*vals: str) -> str:
        return "| " + " | ".join(vals if focus is None else vals[:2]) + " |"

    under = "|-----|-----|------|" if focus is None else "|-----|-----|"
    parts = ["\n".join([line("src", "dst", "conn"), under, *(line(*r.fields) for r in rows)])]
    parts.append("## Exposure Analysis Result:" if focus is None else f"## Exposure Analysis Result On {focus}:")
    parts.append(
        _sub_section(
            [line(x.src, x.dst, x.conn) for x in eg],
            f"### Egress Exposure:\n{line('src', 'dst', 'conn')}\n{under}\n",
        )
    )
    parts.append(
        _sub_section(
            [line(x.dst, x.src, x.conn) for x in ing],
            f"### Ingress Exposure:\n{line('dst', 'src', 'conn')}\n{under}\n",
        )
    )
    return "\n".join(parts)


def _exposure_dot(
    rows: Sequence[Row], exposed: Sequence[ExposedWorkload], workloads: Sequence[Workload], focus: str | None = None
) -> str:
    # np-guard draws representative peers in their own red clusters, even when the label names a real namespace
    rep_groups: dict[str, list[str]] = {}
    edges: list[str] = []
    visited: set[str] = set()
    entire = False
    for ew in exposed:
        key = ew.workload.key
        for is_ing, protected, items in (
            (True, ew.ingress_protected, ew.ingress),
            (False, ew.egress_protected, ew.egress),
        ):
            color, weight = ("darkorange2", "1") if is_ing else ("darkorange4", "0.5")
            targets: list[tuple[str, str]] = []
            if not protected:
                entire = True
                targets.append((ENTIRE_CLUSTER, "All Connections"))  # np-guard: even with a focus conn
            else:
                for it in items:
                    if it.peer is None:
                        entire = True
                        targets.append((ENTIRE_CLUSTER, str(it.conns)))
                        continue
                    node = it.peer.node_id
                    if node not in visited:
                        visited.add(node)
                        ns_label = it.peer.ns_label(False)
                        line = (
                            f"\t{_go_quote(node)} [label={_go_quote(it.peer.pod_label(False))} "
                            'color="red2" fontcolor="red2"]'
                        )
                        rep_groups.setdefault(ns_label, []).append(line)
                    targets.append((node, str(it.conns)))
            for other, label in targets:
                src, dst = (other, key) if is_ing else (key, other)
                edges.append(dot_edge(src, dst, label, color=color, weight=weight, style="dashed"))
    entire_line = '\t"entire-cluster" [label="entire-cluster" color="red2" fontcolor="red2" shape=diamond]'
    external = [entire_line] if entire else []
    exposed_wls = [ew.workload for ew in exposed]
    if focus is not None:
        rows = [Row(r.src, r.dst, ConnectionSet.parse(focus)) for r in rows]
    return render_dot(rows, [*workloads, *exposed_wls], None, rep_groups, external, edges)


def render_exposure(
    fmt: str,
    rows: Sequence[Row],
    exposed: Sequence[ExposedWorkload],
    workloads: Sequence[Workload] = (),
    focus: ConnectionSet | None = None,
) -> str:
    """np-guard's ``--exposure`` output; with ``focus`` (``--focus-conn``) pairs lose their
    connection column and DOT edges carry the focus connection."""
    fs = str(focus) if focus is not None else None
    if fmt in ("connlist", "txt", "table"):
        return _exposure_txt(rows, exposed, fs)
    if fmt == "json":
        return _exposure_json(rows, exposed, fs)
    if fmt == "csv":
        return _exposure_csv(rows, exposed, fs)
    if fmt == "md":
        return _exposure_md(rows, exposed, fs)
    if fmt == "dot":
        return _exposure_dot(rows, exposed, workloads, fs)
    return render(fmt, rows, workloads)
