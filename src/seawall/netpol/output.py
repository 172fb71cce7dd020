"""Render a connectivity list: table, json, csv, md, dot, html and ``connlist`` (np-guard's text).

``connlist``/``json``/``csv``/``md``/``dot`` reproduce np-guard's ``list`` output byte for byte (peer
names, ``All Connections``, protocol/port strings, sort order, DOT clusters and edge weights) so the
two tools can be diffed. ``table`` and ``html`` are for people.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

from seawall.netpol.model import Peer, Workload
from seawall.netpol.ports import ConnectionSet

FORMATS = ("table", "json", "csv", "md", "dot", "html", "connlist", "txt")


class Row(NamedTuple):
    """One allowed connection (a tuple: cheap to build a million of)."""

    src: Peer
    dst: Peer
    conns: ConnectionSet

    @property
    def fields(self) -> tuple[str, str, str]:
        return self.src.key, self.dst.key, str(self.conns)


def _go_quote(s: str) -> str:
    """Go's %q for the strings we emit (printable text; escape backslash and quote)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _csv_field(s: str) -> str:
    if any(c in s for c in ',"\n\r') or s.startswith(" "):
        return '"' + s.replace('"', '""') + '"'
    return s


def render_txt(rows: Sequence[Row]) -> str:
    return "\n".join([f"{r.src.key} => {r.dst.key} : {r.conns}" for r in rows])  # no per-row tuple


@lru_cache(maxsize=65536)
def _jstr(s: str) -> str:
    """A JSON string as Go's encoder writes it (<, >, & escaped). Peer names repeat: cached."""
    import json  # here, not at module level: the default text listing needs no json

    text = json.dumps(s, ensure_ascii=False)
    if "<" in text or ">" in text or "&" in text:
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text


def _json_items(items: Sequence[tuple[str, str, str]], indent: str = "") -> list[str]:
    """``json.dumps(..., indent=2)`` of [{"src","dst","conn"}...], written line by line so a million
    rows never become a million dicts."""
    out = []
    last = len(items) - 1
    for i, (s, d, c) in enumerate(items):
        out.append(
            f"{indent}  {{\n{indent}    \"src\": {_jstr(s)},\n{indent}    \"dst\": {_jstr(d)},\n"
            f"{indent}    \"conn\": {_jstr(c)}\n{indent}  }}{',' if i < last else ''}"
        )
    return out


def render_json(rows: Sequence[Row]) -> str:
    if not rows:
        return "[]"
    return "\n".join(["[", *_json_items([r.fields for r in rows]), "]"])


def render_csv(rows: Sequence[Row]) -> str:
    lines = ["src,dst,conn"]
    lines += [",".join(_csv_field(x) for x in r.fields) for r in rows]
    return "\n".join(lines)


def render_md(rows: Sequence[Row]) -> str:
    lines = ["| src | dst | conn |", "|-----|-----|------|"]
    lines += [f"| {s} | {d} | {c} |" for s, d, c in (r.fields for r in rows)]
    return "\n".join(lines)


def _peer_line(p: Peer) -> str:
    if p.is_ip or p.is_virtual:
        if p.is_virtual:
            return f"\t{_go_quote(p.key)} [label={_go_quote(p.key)} color=\"blue\" fontcolor=\"blue\"]"
        return f"\t{_go_quote(p.key)} [label={_go_quote(p.key)} color=\"red2\" fontcolor=\"red2\"]"
    label = f"{p.name}[{p.kind}]"
    return f"\t{_go_quote(p.key)} [label={_go_quote(label)} color=\"blue\" fontcolor=\"blue\"]"


def dot_edge(src: str, dst: str, label: str, color: str = "gold2", weight: str | None = None, style: str = "") -> str:
    w = weight if weight is not None else ("0.5" if src <= dst else "1")
    extra = f" style={style}" if style else ""
    return (
        f"\t{_go_quote(src)} -> {_go_quote(dst)} [label={_go_quote(label)} color={_go_quote(color)} "
        f"fontcolor=\"darkgreen\" weight={w}{extra}]"
    )


def dot_ns_groups(groups: dict[str, list[str]], color: str) -> list[str]:
    out: list[str] = []
    for ns in sorted(groups):
        out.append(f"\tsubgraph {_go_quote('cluster_' + ns.replace('-', '_') + '[namespace]')} {{")
        out.append(f"\t\tcolor={_go_quote(color)}")
        out.append(f"\t\tfontcolor={_go_quote(color)}")
        out.extend("\t" + line for line in sorted(groups[ns]))
        out.append(f"\t\tlabel={_go_quote(f'{ns}[namespace]')}")
        out.append("\t}")
    return out


def render_dot(
    rows: Sequence[Row],
    workloads: Iterable[Workload],
    extra_groups: dict[str, list[str]] | None = None,
    rep_groups: dict[str, list[str]] | None = None,
    extra_external: Sequence[str] = (),
    extra_edges: Sequence[str] = (),
) -> str:
    ns_peers: dict[str, list[str]] = {}
    external: list[str] = list(extra_external)
    edges: list[str] = [dot_edge(s, d, c) for s, d, c in (r.fields for r in rows)]
    seen: set[str] = set()

    def visit(p: Peer) -> None:
        if p.key in seen:
            return
        seen.add(p.key)
        if p.is_ip or p.is_virtual:
            external.append(_peer_line(p))
        else:
            ns_peers.setdefault(p.namespace, []).append(_peer_line(p))

    for r in rows:
        visit(r.src)
        visit(r.dst)
    for w in workloads:
        visit(w)
    for ns, lines in (extra_groups or {}).items():
        ns_peers.setdefault(ns, []).extend(lines)
    edges.extend(extra_edges)
    lines = ["digraph {"]
    lines += dot_ns_groups(ns_peers, "black")
    lines += dot_ns_groups(rep_groups or {}, "red2")
    lines += sorted(external)
    lines += sorted(edges)
    lines.append("}")
    return "\n".join(lines)


def render_table(rows: Sequence[Row]) -> str:
    data = [("SOURCE", "DESTINATION", "ALLOWED"), *(r.fields for r in rows)]
    if len(data) == 1:
        return "no allowed connections"
    w0 = max(len(x[0]) for x in data)
    w1 = max(len(x[1]) for x in data)
    return "\n".join(f"{a:<{w0}}  {b:<{w1}}  {c}" for a, b, c in data)


_MATRIX_MAX = 60  # peers; beyond that a grid is unreadable and the list is what helps


def _html_matrix(rows: Sequence[Row]) -> str:
    from html import escape as esc
    peers = sorted({r.src.key for r in rows} | {r.dst.key for r in rows})
    if not peers or len(peers) > _MATRIX_MAX:
        return ""
    cell = {(r.src.key, r.dst.key): r.conns for r in rows}
    head = "".join(f'<th class="v"><div>{esc(p)}</div></th>' for p in peers)
    lines = [f"<table class=\"m\"><thead><tr><th>source \\ destination</th>{head}</tr></thead><tbody>"]
    for s in peers:
        tds = []
        for d in peers:
            c = cell.get((s, d))
            if s == d:
                tds.append('<td class="self"></td>')
            elif c is None:
                tds.append('<td class="no" title="no connection"></td>')
            else:
                cls = "all" if c.is_all() else "some"
                tds.append(f'<td class="{cls}" title="{esc(str(c))}">{"&#9679;" if c.is_all() else "&#9680;"}</td>')
        lines.append(f"<tr><th>{esc(s)}</th>{''.join(tds)}</tr>")
    lines.append("</tbody></table>")
    legend = "<p>&#9679; all connections &nbsp; &#9680; some ports (hover for details) &nbsp; empty: none</p>"
    return "<h2>Matrix</h2>" + legend + "\n".join(lines)


def render_html(rows: Sequence[Row], title: str = "seawall network connectivity") -> str:
    """A self-contained page: a source x destination matrix (small clusters) and a filterable list
    of allowed connections. No script or style is loaded from the web."""
    from html import escape as esc
    body = "\n".join(
        f"<tr><td>{esc(s)}</td><td>{esc(d)}</td><td>{esc(c)}</td></tr>" for s, d, c in (r.fields for r in rows)
    )
    matrix = _html_matrix(rows)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}} th{{background:#eee}}
input{{margin-bottom:1em;padding:.3em;width:30em}}
table.m td{{text-align:center;min-width:1.4em}} td.all{{background:#f4b6b6}} td.some{{background:#fde9b0}}
td.self{{background:#ddd}} th.v{{height:14em;white-space:nowrap;vertical-align:bottom}}
th.v div{{transform:rotate(-60deg);width:1.5em}}
</style></head><body>
<h1>{esc(title)}</h1>
<p>{len(rows)} allowed connection(s). A connection needs the source's egress and the destination's
ingress policies to allow it.</p>
{matrix}
<h2>Connections</h2>
<input id="q" placeholder="filter (source, destination or connection)" oninput="f()">
<table id="t"><thead><tr><th>Source</th><th>Destination</th><th>Allowed</th></tr></thead>
<tbody>
{body}
</tbody></table>
<script>
function f(){{var q=document.getElementById('q').value.toLowerCase();
for(const r of document.querySelectorAll('#t tbody tr')){{
r.style.display=r.textContent.toLowerCase().includes(q)?'':'none';}}}}
</script>
</body></html>
"""


def render(
    fmt: str, rows: Sequence[Row], workloads: Iterable[Workload] = ()
) -> str:
    if fmt in ("connlist", "txt"):
        return render_txt(rows)
    if fmt == "json":
        return render_json(rows)
    if fmt == "csv":
        return render_csv(rows)
    if fmt == "md":
        return render_md(rows)
    if fmt == "dot":
        return render_dot(rows, workloads)
    if fmt == "html":
        return render_html(rows)
    return render_table(rows)


#: Formats whose per-input results :func:`join_sections` can put in one document.
SECTION_FORMATS = ("table", "connlist", "txt", "json", "csv", "md")


def join_sections(fmt: str, sections: Sequence[tuple[str, str]]) -> str:
    """One document holding the result of each input (``seawall netpol matrix --each``).

    ``sections`` are (input label, that input's rendered result). Text formats put each result under
    a ``==> label <==`` line, as ``head``/``tail`` do for several files, so a script can split the
    output and every part is exactly the one-input output; ``json`` is an object keyed by label whose
    values are the one-input documents; ``csv`` gets a leading ``input`` column. DOT and HTML have
    no such composition (ValueError).
    """
    if fmt == "json":
        import json

        items = []
        for label, text in sections:
            nested = text.strip().replace("\n", "\n  ")  # the one-input document, indented one level
            items.append(f"  {json.dumps(label, ensure_ascii=False)}: {nested}")
        return "{\n" + ",\n".join(items) + "\n}" if items else "{}"
    if fmt == "csv":
        lines: list[str] = []
        for label, text in sections:
            header, *body = text.rstrip("\n").split("\n")
            if not lines:
                lines.append(f"input,{header}")
            lines.extend(f"{_csv_field(label)},{line}" for line in body)
        return "\n".join(lines)
    if fmt not in SECTION_FORMATS:
        raise ValueError(f"--each cannot combine {fmt} outputs in one document; run once per input")
    parts = []
    for label, text in sections:
        result = text.rstrip("\n")
        parts.append(f"==> {label} <==\n{result}" if result else f"==> {label} <==")
    return "\n\n".join(parts)
