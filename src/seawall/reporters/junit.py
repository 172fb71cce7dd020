"""JUnit XML: one test suite per rule category, one failing test case per finding, and one
erroring test case per input that could not be scanned (so CI dashboards show incompleteness).

Text from the scanned files goes through :func:`seawall.textsafe.printable`: XML 1.0 allows no
control characters, and one in a resource name would make the whole report unparseable."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from seawall.model.finding import Finding
from seawall.textsafe import printable


def render(report: Any, findings: list[Finding]) -> str:
    active = [f for f in findings if not f.suppressed]
    suites = ET.Element(
        "testsuites",
        name="seawall",
        tests=str(len(active) + len(report.errors)),
        failures=str(len(active)),
        errors=str(len(report.errors)),
    )
    by_cat: dict[str, list[Finding]] = defaultdict(list)
    for f in active:
        by_cat[f.category].append(f)
    for cat, items in sorted(by_cat.items()):
        suite = ET.SubElement(
            suites, "testsuite", name=f"seawall.{cat}", tests=str(len(items)), failures=str(len(items)), errors="0"
        )
        for f in items:
            where = f"{f.location.path}:{f.location.line}" if f.location.line else f.location.path
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"seawall.{cat}.{f.rule_id}",
                name=printable(f"{f.rule_id} {f.resource.display() or where}"),
                file=printable(f.location.path),
            )
            if f.location.line:
                case.set("line", str(f.location.line))
            fail = ET.SubElement(case, "failure", message=printable(f.message), type=f.severity.label)
            fail.text = printable(f"{f.title}\n{where}\n\nRemediation:\n{f.remediation}")
    if report.errors:
        suite = ET.SubElement(
            suites,
            "testsuite",
            name="seawall.inputs",
            tests=str(len(report.errors)),
            failures="0",
            errors=str(len(report.errors)),
        )
        for e in report.errors:
            case = ET.SubElement(suite, "testcase", classname="seawall.inputs", name=printable(e.subject or "input"))
            err = ET.SubElement(case, "error", message=printable(e.message), type="incomplete")
            err.text = printable(str(e))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
