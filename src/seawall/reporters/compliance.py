"""NIST SP 800-190 compliance, one row per countermeasure: FAIL (active findings), PASS (rules
ran, nothing found), MANUAL (no rule can decide it statically; never counted as passed).

Rules per control come from rule metadata; only titles and manual guidance are data
(frameworks/nist-800-190.yaml).
"""

from __future__ import annotations

import functools
import io
from collections import Counter
from typing import Any

from seawall.model.finding import Finding
from seawall.model.nist800190 import COUNTERMEASURES


@functools.cache
def framework() -> dict[str, Any]:
    from importlib import resources

    import yaml  # on first use: a report that names no control never loads the framework

    text = resources.files("seawall.frameworks").joinpath("nist-800-190.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def evaluate(findings: list[Finding], enabled_rules: list[Any], *, guidance: bool = True) -> dict[str, dict[str, Any]]:
    """Per countermeasure: status, finding counts, rules that serve it, manual guidance (the
    framework file is read only for the guidance; ``guidance=False`` leaves it empty)."""
    controls = framework()["controls"] if guidance else {}
    rules_by_cm: dict[str, list[str]] = {c: [] for c in COUNTERMEASURES}
    for meta in enabled_rules:
        for cm in meta.nist_countermeasure:
            rules_by_cm.setdefault(cm, []).append(meta.id)
    fails: dict[str, Counter[str]] = {c: Counter() for c in COUNTERMEASURES}
    # count (countermeasures, severity) pairs in C first; iterating them in first-seen order keeps
    # each countermeasure's severities in the order a finding-by-finding count would insert them
    pairs = Counter((f.references.nist_countermeasure, f.severity) for f in findings if not f.suppressed)
    for (cms, severity), n in pairs.items():
        for cm in cms:
            fails.setdefault(cm, Counter())[severity.label] += n
    out: dict[str, dict[str, Any]] = {}
    for cm, title in COUNTERMEASURES.items():
        manual = (controls.get(cm) or {}).get("manual", "")
        rules = sorted(rules_by_cm.get(cm, []))
        n = sum(fails[cm].values())
        status = "fail" if n else ("pass" if rules else "manual")
        out[cm] = {
            "title": title,
            "status": status,
            "findings": n,
            "by_severity": dict(fails[cm]),
            "rules": rules,
            "manual": manual,
        }
    return out


def render(report: Any, findings: list[Finding], width: int = 160) -> str:
    # rich only here: the JSON report's summary uses evaluate() and need not import a console
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from seawall import plugins
    from seawall.rules.registry import REGISTRY

    plugins.load()
    result = evaluate(findings, REGISTRY.metas())
    buf = io.StringIO()
    console = Console(file=buf, width=width, no_color=True, highlight=False)
    t = Table(title="NIST SP 800-190 countermeasures", header_style="bold")
    for col in ("Control", "Countermeasure", "Status", "Findings", "Rules", "Also check by hand"):
        t.add_column(col, overflow="fold")
    for cm, row in result.items():
        t.add_row(
            cm,
            escape(row["title"]),
            row["status"].upper(),
            str(row["findings"]),
            str(len(row["rules"])),
            escape(row["manual"]),
        )
    console.print(t)
    counts = Counter(r["status"] for r in result.values())
    console.print(
        f"{counts['fail']} failing, {counts['pass']} passing, {counts['manual']} manual "
        f"(manual controls are never counted as passed)"
    )
    if report.incomplete:
        console.print("Scan incomplete: statuses only cover what could be scanned.")
    return buf.getvalue()
