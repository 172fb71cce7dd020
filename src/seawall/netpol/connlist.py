"""The connectivity list with np-guard's filters: focus workloads, their peers, a direction, a connection.

- ``focus_workloads``: keep pairs where one side is a focus workload (``name`` or ``ns/name``);
- ``focus_workload_peers``: ... and the other side is one of these (needs focus workloads);
- ``focus_direction``: ``ingress`` keeps pairs whose destination is a focus workload, ``egress`` pairs
  whose source is one (needs focus workloads);
- ``focus_conn``: keep pairs that allow this whole connection (e.g. ``tcp-8080``); the output then
  lists pairs without the connection column, under ``Permitted connections on TCP 8080:``.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from seawall.netpol.analysis import Connectivity
from seawall.netpol.model import Peer, Workload
from seawall.netpol.output import Row, render
from seawall.netpol.ports import ConnectionSet
from seawall.netpol.values import Value

if TYPE_CHECKING:
    from seawall.netpol.exposure import ExposedWorkload


class ConnlistOptions(Value):
    __slots__ = ("exposure", "focus_conn", "focus_direction", "focus_workload_peers", "focus_workloads")

    def __init__(
        self,
        focus_workloads: tuple[str, ...] = (),
        focus_workload_peers: tuple[str, ...] = (),
        focus_direction: str = "",
        focus_conn: ConnectionSet | None = None,
        exposure: bool = False,
    ) -> None:
        self.focus_workloads = focus_workloads
        self.focus_workload_peers = focus_workload_peers
        self.focus_direction = focus_direction  # "", "ingress" or "egress"
        self.focus_conn = focus_conn
        self.exposure = exposure


class ConnlistResult:
    __slots__ = ("exposed", "options", "rows", "warnings", "workloads")

    def __init__(
        self,
        rows: list[Row],
        workloads: list[Workload],
        exposed: list[ExposedWorkload] | None = None,
        warnings: list[str] | None = None,
        options: ConnlistOptions | None = None,
    ) -> None:
        self.rows = rows
        self.workloads = workloads  # workloads drawn in graphs (focus applied)
        self.exposed = exposed
        self.warnings: list[str] = [] if warnings is None else warnings
        self.options = options or ConnlistOptions()

    def render(self, fmt: str) -> str:
        fc = self.options.focus_conn
        if self.exposed is not None:
            from seawall.netpol.exposure_output import render_exposure  # only --exposure needs it

            return render_exposure(fmt, self.rows, self.exposed, self.workloads, fc)
        if fc is not None and fmt in ("connlist", "txt", "csv", "json", "md"):
            return _render_focus_conn(fmt, self.rows, fc)
        if fc is not None and fmt == "dot":  # np-guard labels every edge with the focus connection
            return render(fmt, [Row(r.src, r.dst, fc) for r in self.rows], self.workloads)
        return render(fmt, self.rows, self.workloads)


def _matches(p: Peer, names: Sequence[str]) -> bool:
    if not names:
        return True
    if p.is_ip:
        return False
    return any(n in (p.name, f"{p.namespace}/{p.name}", p.key) for n in names)


def connlist(conn: Connectivity, opts: ConnlistOptions | None = None) -> ConnlistResult:
    o = opts or ConnlistOptions()
    fw, fp = o.focus_workloads, o.focus_workload_peers if o.focus_workloads else ()
    direction = o.focus_direction if fw else ""
    warnings: list[str] = []
    for name in (*fw, *fp):
        if not any(_matches(w, [name]) for w in conn.workloads):
            warnings.append(f"workload {name!r} does not exist in the input resources")
    rows: list[Row] = []
    if not fw and o.focus_conn is None:
        # a million small tuples would trigger the cyclic GC over and over; none of them is cyclic
        enabled = gc.isenabled()
        gc.disable()
        try:
            # pairs() yields (src, dst, conns) tuples: retype each as a Row in C (tuple.__new__),
            # not through Row's Python-level constructor (a frame per row)
            rows = list(map(partial(tuple.__new__, Row), conn.pairs()))
        finally:
            if enabled:
                gc.enable()
    for s, d, c in conn.pairs() if (fw or o.focus_conn is not None) else ():
        if direction == "ingress" and not _matches(d, fw):
            continue
        if direction == "egress" and not _matches(s, fw):
            continue
        if fw and not ((_matches(s, fw) and _matches(d, fp)) or (_matches(d, fw) and _matches(s, fp))):
            continue
        if o.focus_conn is not None and not (o.focus_conn - c).is_empty():
            continue
        rows.append(Row(s, d, c))
    wls = [w for w in conn.workloads if _matches(w, fw) or (fp and _matches(w, fp))]
    exposed = None
    if o.exposure and not (fw and fp):
        from seawall.netpol.exposure import Exposure

        exposed = Exposure(conn, o.focus_conn).results([w for w in conn.workloads if _matches(w, fw)])
        for ew in exposed:  # a focus direction keeps only that direction's exposure (as np-guard)
            if direction == "ingress":
                ew.egress, ew.egress_protected = [], True
            elif direction == "egress":
                ew.ingress, ew.ingress_protected = [], True
    return ConnlistResult(rows, wls, exposed, warnings, o)


def _render_focus_conn(fmt: str, rows: Sequence[Row], fc: ConnectionSet) -> str:
    pairs = [(r.src.key, r.dst.key) for r in rows]
    if fmt == "json":
        import json

        return json.dumps([{"src": s, "dst": d} for s, d in pairs], indent=2)
    if fmt == "csv":
        return "\n".join(["src,dst", *(f"{s},{d}" for s, d in pairs)])
    if fmt == "md":
        return "\n".join(["| src | dst |", "|-----|-----|", *(f"| {s} | {d} |" for s, d in pairs)])
    return "\n".join([f"Permitted connections on {fc}:", *(f"{s} => {d}" for s, d in pairs)])
