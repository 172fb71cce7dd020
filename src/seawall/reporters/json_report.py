"""JSON report: ``{schema_version, tool, findings, summary}``; stable field names (documented in
docs/output.md) so CI pipelines can consume it."""

from __future__ import annotations

import gc
import io
import json
from collections import Counter
from collections.abc import Callable
from json.encoder import encode_basestring  # the C string encoder json.dumps uses (ensure_ascii=False)
from typing import Any, TextIO

from seawall.model.finding import Finding, Severity

SCHEMA_VERSION = "1.0"
PRETTY_LIMIT = 5000


def finding_dict(f: Finding, with_static: bool = True) -> dict[str, Any]:
    """A finding as JSON data; ``with_static=False`` leaves out the per-rule fields (title,
    category, remediation, references) for the streaming writer, which adds them pre-encoded."""
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "severity": f.severity.label,
        "message": f.message,
        "resource": {
            "kind": f.resource.kind,
            "namespace": f.resource.namespace,
            "name": f.resource.name,
            "container": f.resource.container,
        },
        "location": {"path": f.location.path, "line": f.location.line},
        "fingerprint": f.fingerprint,
    }
    if with_static:
        out["title"] = f.title
        out["category"] = f.category
        out["remediation"] = f.remediation
        out["references"] = f.references.to_dict()
    if f.resource.image:
        out["resource"]["image"] = f.resource.image
    if f.resource.layer:
        out["resource"]["layer"] = f.resource.layer
    if f.location.pointer:
        out["location"]["pointer"] = f.location.pointer
    if f.location.source:
        out["location"]["source"] = f.location.source
    if f.evidence:
        out["evidence"] = f.evidence
    if f.suppressed:
        out["suppressed"] = f.suppressed
    if f.extra:
        out["details"] = f.extras()
    return out


_SEVERITY_JSON = {s: encode_basestring(s.label) for s in Severity}


def _finding_json(f: Finding) -> str:
    """``json.dumps(finding_dict(f, with_static=False), ensure_ascii=False)`` without its closing
    brace, byte for byte, but written directly: the generic encoder spends most of a large
    report's time building and walking one dict per finding."""
    res, loc = f.resource, f.location
    if type(loc.line) is not int:  # anything unusual goes through the generic encoder
        return json.dumps(finding_dict(f, with_static=False), ensure_ascii=False)[:-1]
    enc = encode_basestring
    text = (
        f'{{"rule_id": {enc(f.rule_id)}, "severity": {_SEVERITY_JSON[f.severity]}, "message": {enc(f.message)}, '
        f'"resource": {{"kind": {enc(res.kind)}, "namespace": {enc(res.namespace)}, "name": {enc(res.name)}, '
        f'"container": {enc(res.container)}'
    )
    if res.image:
        text += f', "image": {enc(res.image)}'
    if res.layer:
        text += f', "layer": {enc(res.layer)}'
    text += f'}}, "location": {{"path": {enc(loc.path)}, "line": {loc.line}'
    if loc.pointer:
        text += f', "pointer": {enc(loc.pointer)}'
    if loc.source:
        text += f', "source": {enc(loc.source)}'
    text += f'}}, "fingerprint": {enc(f.fingerprint)}'
    if f.evidence:
        text += f', "evidence": {enc(f.evidence)}'
    if f.suppressed:
        text += f', "suppressed": {enc(f.suppressed)}'
    if f.extra:
        text += ', "details": ' + json.dumps(f.extras(), ensure_ascii=False)
    return text


def summary(report: Any, findings: list[Finding]) -> dict[str, Any]:
    active = [f for f in findings if not f.suppressed]
    by_sev = Counter(f.severity for f in active)
    by_cat = Counter(f.category for f in active)
    from seawall import plugins
    from seawall.reporters.compliance import evaluate

    nist = {
        cm: {"status": r["status"], "findings": r["findings"]}
        for cm, r in evaluate(findings, plugins.countermeasure_rules(), guidance=False).items()
    }
    return {
        "findings": len(active),
        "suppressed": sum(1 for f in report.findings if f.suppressed),
        "by_severity": {s.label: by_sev.get(s, 0) for s in sorted(Severity, reverse=True)},
        "by_category": dict(sorted(by_cat.items())),
        "incomplete": report.incomplete,
        "errors": [str(e) for e in report.errors],
        "not_checked": list(report.not_checked),
        "posture": report.posture,
        "nist_800_190": nist,
        "stats": report.stats,
    }


def render(report: Any, findings: list[Finding]) -> str:
    buf = io.StringIO()
    write(report, findings, buf)
    return buf.getvalue()


#: From this many findings, a forked child encodes the second half while the parent does the first.
FORK_MIN = 20_000


def _static_json(f: Finding) -> str:
    """The per-rule fields (title, category, remediation, references) as JSON members."""
    return json.dumps(
        {"title": f.title, "category": f.category, "remediation": f.remediation, "references": f.references.to_dict()},
        ensure_ascii=False,
    )[1:-1]


def _encode_findings(findings: list[Finding], start: int, stop: int, out: TextIO) -> None:
    """Write findings[start:stop] as compact JSON objects, comma-separated (a leading comma when
    ``start`` > 0), the same bytes as ``_finding_json(f) + ", " + _static_json(f) + "}"`` each.

    What findings share is encoded once and reused: per rule (and severity) the opening members and
    the per-rule fields; per resource (every finding of one object and container shares its
    Resource) the resource member; per file the path. A finding then costs a few string joins.
    """
    heads: dict[tuple[str, Severity, str, str, str, int], tuple[str, str]] = {}
    resources: dict[int, str] = {}
    paths: dict[str, str] = {}
    enc = encode_basestring
    chunk: list[str] = []
    lead = "," if start else ""
    for i in range(start, stop):
        f = findings[i]
        loc = f.location
        key = (f.rule_id, f.severity, f.title, f.category, f.remediation, id(f.references))
        head = heads.get(key)
        if head is None:
            head = heads[key] = (
                f'{{"rule_id": {enc(f.rule_id)}, "severity": {_SEVERITY_JSON[f.severity]}, "message": ',
                ", " + _static_json(f) + "}",
            )
        if type(loc.line) is not int:  # anything unusual goes through the generic encoder
            chunk.append(_finding_json(f) + head[1])
        else:
            res = f.resource
            rtext = resources.get(id(res))  # ids are stable: ``findings`` keeps every Resource alive
            if rtext is None:
                rtext = (
                    f', "resource": {{"kind": {enc(res.kind)}, "namespace": {enc(res.namespace)}, '
                    f'"name": {enc(res.name)}, "container": {enc(res.container)}'
                )
                if res.image:
                    rtext += f', "image": {enc(res.image)}'
                if res.layer:
                    rtext += f', "layer": {enc(res.layer)}'
                rtext = resources[id(res)] = rtext + '}, "location": {"path": '
            ptext = paths.get(loc.path)
            if ptext is None:
                ptext = paths[loc.path] = enc(loc.path) + ', "line": '
            text = f"{head[0]}{enc(f.message)}{rtext}{ptext}{loc.line}"
            if loc.pointer:
                text += ', "pointer": ' + enc(loc.pointer)
            if loc.source:
                text += ', "source": ' + enc(loc.source)
            text += f'}}, "fingerprint": "{f.fingerprint}"'  # hex digits: nothing to escape
            if f.evidence:
                text += ', "evidence": ' + enc(f.evidence)
            if f.suppressed:
                text += ', "suppressed": ' + enc(f.suppressed)
            if f.extra:
                text += ', "details": ' + json.dumps(f.extras(), ensure_ascii=False)
            chunk.append(text + head[1])
        if len(chunk) >= 512:  # one write per 512 findings, memory stays flat
            out.write(lead + ",".join(chunk))
            lead = ","
            chunk.clear()
    if chunk:
        out.write(lead + ",".join(chunk))


def _same_bytes_file(out: TextIO) -> bool:
    """Whether ``out`` is a UTF-8 text file over a binary buffer, so that text a child encoded
    with ``out``'s encoding and error handler can be copied into it as bytes, unchanged."""
    import codecs

    enc, errors = getattr(out, "encoding", None), getattr(out, "errors", None)
    if not isinstance(enc, str) or not isinstance(errors, str) or getattr(out, "buffer", None) is None:
        return False
    try:
        return codecs.lookup(enc).name == "utf-8"  # not utf-8-sig / utf-16: no second BOM
    except LookupError:
        return False


def _fork_encode(findings: list[Finding], out: TextIO, tail: Callable[[], str]) -> bool:
    """Write all findings and then ``tail()`` into ``out`` using two cores; False (nothing
    written) if not possible.

    A forked child (it sees the findings without any copying) encodes the second half and the
    tail (the summary) into an unnamed temporary file while the parent encodes the first half into
    ``out``; the parent then copies the child's text after its own: as bytes when ``out`` is a
    UTF-8 file (the child encoded it with ``out``'s own error handler, so an unencodable character
    fails the child and the parent then writes that part itself, failing as a serial write would),
    else as text. Memory stays flat in both processes.
    """
    import os
    import tempfile
    import threading

    if not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    mid = len(findings) // 2
    as_bytes = _same_bytes_file(out)
    # surrogatepass (text copy): lone surrogates (hostile manifests) survive the round trip unchanged
    errors = out.errors if as_bytes else "surrogatepass"
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors=errors, newline="") as tmp:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, reported by its exit status
            code = 1
            try:
                _encode_findings(findings, mid, len(findings), tmp)
                text = tail()
                tmp.write(text[:-1] if text.endswith("\n") else text)  # the parent writes the newline
                tmp.flush()
                code = 0
            finally:
                os._exit(code)
        try:
            _encode_findings(findings, 0, mid, out)
        finally:
            _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            _encode_findings(findings, mid, len(findings), out)
            out.write(tail())
            return True
        tmp.seek(0)
        if as_bytes:
            out.flush()
            dst = out.buffer
            while chunk := tmp.buffer.read(1 << 20):
                dst.write(chunk)
        else:
            while block := tmp.read(1 << 20):
                out.write(block)
        out.write("\n")
    return True


def write(report: Any, findings: list[Finding], out: TextIO) -> None:
    """Stream the report: one finding at a time, so memory does not grow with the output.

    Per rule, the parts every finding of that rule shares (title, category, remediation,
    references) are encoded once and reused; only the per-finding fields are encoded each time.
    Small reports are indented for people; large ones are compact (a program reads them).
    """
    pretty = len(findings) <= PRETTY_LIMIT
    head = {"schema_version": SCHEMA_VERSION, "tool": {"name": "seawall", "version": report.tool_version}}
    if pretty:
        body = dict(head, findings=[finding_dict(f) for f in findings], summary=summary(report, findings))
        out.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        return
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "findings": [')

    def tail() -> str:
        return '], "summary": ' + json.dumps(summary(report, findings), ensure_ascii=False) + "}\n"

    # As in the scan: the encoder allocates (and drops) millions of small objects and creates no
    # reference cycles, so the cyclic collector would only re-walk the findings again and again;
    # in a forked child each walk also copies the parent's pages. Paused while streaming.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if not (len(findings) >= FORK_MIN and _fork_encode(findings, out, tail)):
            _encode_findings(findings, 0, len(findings), out)
            out.write(tail())
    finally:
        if gc_was_enabled:
            gc.enable()
