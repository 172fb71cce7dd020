"""Reporters turn a finished Report into text. They never compute findings.

``render(report, fmt)`` is the one entry point; each format lives in its own module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from seawall.model.finding import Finding, Severity


def write_batched(out: TextIO, parts: Iterable[str], batch: int = 512) -> None:
    """Write ``parts`` (one per finding) in batches: one ``write`` per batch instead of one per
    finding, and never the whole report in memory (the streamed formats use it)."""
    chunk: list[str] = []
    for part in parts:
        chunk.append(part)
        if len(chunk) >= batch:
            out.write("".join(chunk))
            chunk.clear()
    out.write("".join(chunk))


def visible(report: Any, min_severity: Severity, verbose: int = 0) -> list[Finding]:
    """Findings to show: at or above ``min_severity``; suppressed ones only with ``-v``."""
    if min_severity <= min(Severity):  # the default: no severity test per finding
        return list(report.findings) if verbose else [f for f in report.findings if not f.suppressed]
    return [f for f in report.findings if f.severity >= min_severity and (verbose or not f.suppressed)]


def write(report: Any, fmt: str, out: TextIO, *, min_severity: Severity = Severity.INFO, verbose: int = 0) -> None:
    """Write the report to a stream. JSON, SARIF, JUnit and the table are streamed finding by
    finding, so memory stays flat however many findings; the NIST summary is one small page."""
    findings = visible(report, min_severity, verbose)
    if fmt == "json":  # each format's module is imported only when it is asked for (start-up time)
        from seawall.reporters import json_report

        json_report.write(report, findings, out)
    elif fmt == "sarif":
        from seawall.reporters import sarif

        sarif.write(report, findings, out)
    elif fmt == "junit":
        from seawall.reporters import junit

        junit.write(report, findings, out)
    elif fmt == "table":
        from seawall.reporters import table

        table.write(report, findings, out, verbose=verbose)
    elif fmt == "nist":
        from seawall.reporters import compliance

        text = compliance.render(report, findings)
        out.write(text if not text or text.endswith("\n") else text + "\n")
    else:
        raise ValueError(f"unknown format {fmt!r}")


def render(report: Any, fmt: str, *, min_severity: Severity = Severity.INFO, verbose: int = 0) -> str:
    """The report as one string (what :func:`write` writes)."""
    import io

    buf = io.StringIO()
    write(report, fmt, buf, min_severity=min_severity, verbose=verbose)
    return buf.getvalue()
