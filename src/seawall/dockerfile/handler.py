"""Plug Dockerfiles into ``seawall scan``: find them, parse once, run every Dockerfile rule,
honour inline ignores (``# hadolint ignore=DL3008,DL3009``, ``# seawall ignore=SW-DF-010``,
``# hadolint global ignore=...``) and turn violations into findings with file and line.
"""

from __future__ import annotations

import bisect
import dataclasses
import fnmatch
import re
from pathlib import Path

from seawall.dockerfile.parser import Dockerfile, parse
from seawall.engine import FILE_HANDLERS, ScanRun, make_finding
from seawall.model.finding import Finding, Location, Resource
from seawall.rules.dockerfile.common import DockerfileContext
from seawall.rules.registry import REGISTRY, RuleMeta
from seawall.sources.files import InputPath, decode_text, read_bytes

_NAMES = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile", "Containerfile.*")
_IGNORE_RE = re.compile(r"#\s*(hadolint|seawall)\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_,\s-]+)")


def is_dockerfile(path: Path) -> bool:
    return any(fnmatch.fnmatchcase(path.name, n) for n in _NAMES) and not path.name.endswith(".dockerignore")


def _ids_for(meta: RuleMeta) -> set[str]:
    ids = {meta.id}
    for tool, tids in meta.tools:
        if tool == "hadolint":
            ids.update(tids)
    return ids


def inline_ignores(df: Dockerfile) -> tuple[set[str], dict[int, set[str]]]:
    """(ids ignored for the whole file, ids ignored per instruction line)."""
    global_ids: set[str] = set()
    per_line: dict[int, set[str]] = {}
    for ins in df.instructions:
        for c in ins.comments:
            m = _IGNORE_RE.search(c)
            if m:
                ids = {x.strip() for x in m.group(3).replace(" ", ",").split(",") if x.strip()}
                if m.group(2):
                    global_ids |= ids
                else:
                    per_line.setdefault(ins.line, set()).update(ids)
    return global_ids, per_line


def lint(df: Dockerfile, run: ScanRun | None = None, context_dir: Path | None = None) -> list[Finding]:
    """All Dockerfile findings for a parsed file (suppressed ones marked, not dropped)."""
    from seawall.policy.config import Config

    config = run.config if run is not None else Config()
    ctx = DockerfileContext(config, context_dir)
    global_ids, per_line = inline_ignores(df)
    # the stage a line belongs to, by bisection (a scan of every stage per finding was quadratic)
    stage_lines = [s.line for s in df.stages]
    out: list[Finding] = []
    for r in REGISTRY.for_target("dockerfile"):
        if not config.rule_enabled(r.meta):
            continue
        ids = _ids_for(r.meta)
        try:
            violations = list(r.check(df, ctx))
        except Exception as err:  # a rule bug must not abort a scan (standalone calls re-raise)
            if run is None:
                raise
            run.error(df.path, f"rule {r.meta.id} failed: {type(err).__name__}: {err}")
            continue
        for v in violations:
            at = bisect.bisect_right(stage_lines, v.line)
            stage = df.stages[at - 1] if at else None
            stage_name = (stage.name or f"stage {stage.index}") if stage is not None else ""
            f = make_finding(
                r.meta,
                v.message,
                Resource(kind="Dockerfile", name=stage_name),
                Location(df.path, v.line),
                evidence=v.evidence,
                severity=v.severity,
            )
            if ids & global_ids or ids & per_line.get(v.line, set()):
                f = dataclasses.replace(f, suppressed="inline ignore comment")
            out.append(f)
    return out


class DockerfileHandler:
    name = "dockerfile"

    def claims_file(self, path: Path) -> bool:
        return is_dockerfile(path)

    def claims_dir(self, path: Path) -> bool:
        return False

    def scan(self, item: InputPath, run: ScanRun) -> None:
        text = decode_text(read_bytes(item, run.config.max_file_bytes), item.display)
        df = parse(text, item.display)
        for line, msg in df.errors:
            run.report.warnings.append(f"{item.display}:{line}: {msg}")
        run.inventory.extra.setdefault("dockerfiles", []).append(df)
        for f in lint(df, run, item.path.parent):
            run.add(f)


FILE_HANDLERS.append(DockerfileHandler())

# Rule modules: importing them registers the rules.
from seawall.rules.dockerfile import base, context, instructions, packages, secrets, shell_risks  # noqa: E402,F401
