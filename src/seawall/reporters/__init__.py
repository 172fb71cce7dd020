"""Reporters turn a finished Report into text. They never compute findings.

``render(report, fmt)`` is the one entry point; each format lives in its own module.
"""

from __future__ import annotations

from typing import Any, TextIO

from seawall.model.finding import Finding, Severity


def visible(report: Any, min_severity: Severity, verbose: int = 0) -> list[Finding]:
    """Findings to show: at or above ``min_severity``; suppressed ones only with ``-v``."""
    if min_severity <= min(Severity):  # the default: no severity test per finding
        return list(report.findings) if verbose else [f for f in report.findings if not f.suppressed]
    return [f for f in report.findings if f.severity >= min_severity and (verbose or not f.suppressed)]


def write(report: Any, fmt: str, out: TextIO, *, min_severity: Severity = Severity.INFO, verbose: int = 0) -> None:
    """Write the report to a stream; JSON is streamed (memory flat however many findings)."""
    if fmt == "json":
        from seawall.reporters import json_report

        json_report.write(report, visible(report, min_severity, verbose), out)
        return
    text = render(report, fmt, min_severity=min_severity, verbose=verbose)
    out.write(text if not text or text.endswith("\n") else text + "\n")


def render(report: Any, fmt: str, *, min_severity: Severity = Severity.INFO, verbose: int = 0) -> str:
    from seawall.reporters import compliance, json_report, junit, sarif, table

    findings = visible(report, min_severity, verbose)
    if fmt == "json":
        return json_report.render(report, findings)
    if fmt == "sarif":
        return sarif.render(report, findings)
    if fmt == "junit":
        return junit.render(report, findings)
    if fmt == "table":
        return table.render(report, findings, verbose=verbose)
    if fmt == "nist":
        return compliance.render(report, findings)
    raise ValueError(f"unknown format {fmt!r}")
