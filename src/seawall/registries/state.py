"""Resumable registry scans: one JSON line per scanned image, keyed by ``repository@digest``.

Why JSONL: each finished image is appended and flushed as soon as it is done, so an
interrupted scan (Ctrl-C, a crash, a killed CI job) loses at most the images in flight, and a
rerun with the same ``--resume FILE`` skips every digest already recorded with the same settings
(rule selection, config sections, vulnerability database, platform, seawall version: see
:func:`seawall.registries.scan.scan_settings_key`; anything else is scanned again). Findings are stored
whole (every Finding field) so the resumed report is identical to an uninterrupted one.
Images that failed are recorded too but retried on the next run.

The file is read defensively: a truncated last line (killed mid-write) or a line that is not a
record is ignored, never fatal; the file is bounded by what was scanned.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from seawall.errors import InputError
from seawall.model.finding import Finding, Location, References, Resource, Severity, Status

STATE_VERSION = 1
_MAX_LINE = 64 * 1024 * 1024


def finding_record(f: Finding) -> dict[str, Any]:
    r = f.references
    return {
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity.label,
        "category": f.category,
        "message": f.message,
        "resource": [f.resource.kind, f.resource.namespace, f.resource.name, f.resource.container,
                     f.resource.image, f.resource.layer],
        "location": [f.location.path, f.location.line, f.location.pointer, f.location.source],
        "remediation": f.remediation,
        "references": {
            "nist_risk": list(r.nist_risk),
            "nist_countermeasure": list(r.nist_countermeasure),
            "pss": r.pss,
            "tools": [[name, list(ids)] for name, ids in r.tools],
            "cis": list(r.cis),
            "nsa": list(r.nsa),
            "vulnerabilities": list(r.vulnerabilities),
            "cwe": list(r.cwe),
            "urls": list(r.urls),
        },
        "evidence": f.evidence,
        "status": f.status.name,
        "suppressed": f.suppressed,
        "extra": [[k, v] for k, v in f.extra],
    }


def _tuple(v: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in v) if isinstance(v, list) else ()


def finding_from_record(d: dict[str, Any]) -> Finding:
    """Inverse of :func:`finding_record` (ValueError/KeyError/TypeError on a malformed record)."""
    res = d["resource"]
    loc = d["location"]
    refs = d.get("references") or {}
    return Finding(
        rule_id=str(d["rule_id"]),
        title=str(d["title"]),
        severity=Severity.parse(str(d["severity"])),
        category=str(d["category"]),
        message=str(d["message"]),
        resource=Resource(*(str(x) for x in res[:6])),
        location=Location(str(loc[0]), int(loc[1]), str(loc[2]), str(loc[3])),
        remediation=str(d.get("remediation", "")),
        references=References(
            nist_risk=_tuple(refs.get("nist_risk")),
            nist_countermeasure=_tuple(refs.get("nist_countermeasure")),
            pss=str(refs.get("pss", "")),
            tools=tuple((str(n), _tuple(ids)) for n, ids in refs.get("tools", [])),
            cis=_tuple(refs.get("cis")),
            nsa=_tuple(refs.get("nsa")),
            vulnerabilities=_tuple(refs.get("vulnerabilities")),
            cwe=_tuple(refs.get("cwe")),
            urls=_tuple(refs.get("urls")),
        ),
        evidence=str(d.get("evidence", "")),
        status=Status[str(d.get("status", "FAIL"))],
        suppressed=str(d.get("suppressed", "")),
        extra=tuple((str(k), v) for k, v in d.get("extra", [])),
    )


class StateFile:
    """Append-only JSONL of finished images; thread-safe appends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: dict[str, dict[str, Any]] = {}
        self.ignored_lines = 0
        self._lock = threading.Lock()
        self._fh: IO[str] | None = None
        for rec in self._read():
            key = rec.get("key")
            if isinstance(key, str) and rec.get("status") == "done":
                self.done[key] = rec

    def _read(self) -> Iterator[dict[str, Any]]:
        try:
            fh = self.path.open("r", encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        except OSError as err:
            raise InputError(err.strerror or str(err), subject=str(self.path)) from None
        with fh:
            for line in fh:
                if len(line) > _MAX_LINE:
                    self.ignored_lines += 1
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    self.ignored_lines += 1  # e.g. the last line of a killed run
                    continue
                if isinstance(rec, dict) and rec.get("v") == STATE_VERSION:
                    yield rec
                else:
                    self.ignored_lines += 1

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps({"v": STATE_VERSION, **record}, separators=(",", ":"), default=str)
        with self._lock:
            if self._fh is None:
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._fh = self.path.open("a", encoding="utf-8")
                    # a killed run may have left a partial line: start on a fresh one
                    if self.path.stat().st_size and not self._ends_with_newline():
                        self._fh.write("\n")
                except OSError as err:
                    raise InputError(err.strerror or str(err), subject=str(self.path)) from None
            self._fh.write(line + "\n")
            self._fh.flush()

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as fh:
            fh.seek(-1, 2)
            return fh.read(1) == b"\n"

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
