"""Human-readable table (rich), with the posture summary as a footer."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from seawall.model.finding import Finding, Severity
from seawall.textsafe import printable

_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def render(report: Any, findings: list[Finding], *, verbose: int = 0, width: int = 160) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=False, no_color=True, highlight=False)
    if findings:
        t = Table(show_lines=False, header_style="bold", expand=False)
        for col in ("Severity", "Rule", "Resource", "Location", "Message"):
            t.add_column(col, overflow="fold")
        for f in sorted(findings, key=lambda f: (-int(f.severity), f.location.path, f.location.line, f.rule_id)):
            loc = f"{f.location.path}:{f.location.line}" if f.location.line else f.location.path
            msg = f.message + (f" [suppressed: {f.suppressed}]" if f.suppressed else "")
            t.add_row(
                f.severity.label.upper(),
                f.rule_id,
                escape(printable(f.resource.display())),
                escape(printable(loc)),
                escape(printable(msg)),
                style=_STYLE[f.severity],
            )
        console.print(t)
    else:
        console.print("No findings.")
    active = [f for f in findings if not f.suppressed]
    counts = Counter(f.severity for f in active)
    console.print(
        "Findings: "
        + ", ".join(f"{counts.get(s, 0)} {s.label}" for s in sorted(Severity, reverse=True))
        + f" ({sum(1 for f in report.findings if f.suppressed)} suppressed)"
    )
    p = report.posture or {}
    overall = p.get("overall")
    if p.get("computed") is False:
        console.print(f"Workload posture: not computed ({escape(str(p.get('reason', '')))})")
    if overall and overall.get("workloads"):
        pt = Table(title="Workload posture", header_style="bold")
        for col in (
            "Namespace",
            "Workloads",
            "May run as root",
            "No RO root fs",
            "Privileged",
            "No limits",
            "Fail restricted",
        ):
            pt.add_column(col)
        rows = [*p.get("namespaces", {}).items(), ("(all)", overall)]
        for ns, s in rows:
            pt.add_row(
                escape(printable(ns)),
                str(s["workloads"]),
                *(
                    _pct(s[m]["share"])
                    for m in (
                        "may_run_as_root",
                        "no_readonly_rootfs",
                        "privileged",
                        "no_resource_limits",
                        "fails_restricted",
                    )
                ),
            )
        console.print(pt)
        nf = p.get("namespaces_failing_restricted", {})
        console.print(
            f"Namespaces where ≥90% of workloads fail PSS restricted: {nf.get('count', 0)} of {nf.get('total', 0)} "
            f"({_pct(nf.get('share', 0.0))})"
        )
    if report.not_checked:
        console.print(f"Not checked: {len(report.not_checked)} (see JSON 'summary.not_checked')")
    if report.errors:
        console.print(f"Scan incomplete: {len(report.errors)} input(s) could not be scanned.")
    return buf.getvalue()
