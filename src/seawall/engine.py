"""The scan pipeline as one library call: ``scan(inputs, config) -> Report``.

source -> inventory -> rules (per object, indexed by kind) -> analyzers (cross-object)
-> policy (ignores, severity overrides, baseline) -> Report. No printing, no global state,
no environment reads: the CLI does those. A rule or analyzer that raises on some input is
recorded as a scan error (the scan is then "incomplete"), never a crash.
"""

from __future__ import annotations

import dataclasses
import gc
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from seawall import __version__
from seawall.errors import InputError, SeawallError
from seawall.inventory.k8s import K8sObject, PodSpecView
from seawall.model.finding import Finding, Location, References, Resource, Severity, Status
from seawall.policy.config import Config
from seawall.rules.registry import REGISTRY, Rule, RuleMeta
from seawall.sources.files import MANIFEST_SUFFIXES, InputPath, decode_text, iter_inputs, read_bytes

if TYPE_CHECKING:  # the YAML loader is imported on the first manifest (a source tree needs none)
    from seawall.sources.manifests import ParsedFile


@dataclass(frozen=True, slots=True)
class ScanError:
    """An input (or part of one) that could not be scanned; makes the scan incomplete."""

    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}" if self.subject else self.message


@dataclass(slots=True)
class Inventory:
    """Everything the sources produced, for cross-object analyzers."""

    objects: list[K8sObject] = field(default_factory=list)
    workloads: list[PodSpecView] = field(default_factory=list)
    files: int = 0
    documents: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. images, dockerfiles, packages

    def by_kind(self, *kinds: str) -> list[K8sObject]:
        ks = set(kinds)
        return [o for o in self.objects if o.kind in ks]


@dataclass(slots=True)
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    not_checked: list[dict[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    posture: dict[str, Any] = field(default_factory=dict)
    tool_version: str = __version__

    @property
    def incomplete(self) -> bool:
        return bool(self.errors)

    def active(self) -> list[Finding]:
        """Findings not suppressed by policy, annotation, baseline or VEX."""
        return [f for f in self.findings if not f.suppressed]


class RuleContext:
    """What a rule may consult besides the object: the config (rule settings) and inventory."""

    def __init__(self, config: Config, inventory: Inventory) -> None:
        self.config = config
        self.inventory = inventory

    def setting(self, rule_id: str, key: str, default: Any) -> Any:
        return self.config.rule_setting(rule_id, key, default)


class FileHandler(Protocol):
    """A non-manifest source plugged into ``scan`` (Dockerfiles, image archives, secrets...).

    A handler that sets ``scans_streams = True`` also gets stdin and pipes: it must take their
    bytes from the engine's read (``inventory.extra[LAST_READ_KEY]``), never open the path; the
    others are not asked about them (probing a pipe, as an image sniffer would, consumes it).
    """

    name: str

    def claims_file(self, path: Path) -> bool: ...

    def claims_dir(self, path: Path) -> bool: ...

    def scan(self, item: InputPath, scan: ScanRun) -> None: ...


#: Handlers for non-manifest inputs, registered by their modules (see ``seawall.plugins``).
FILE_HANDLERS: list[FileHandler] = []

#: Cross-object analyzers: ``fn(run: ScanRun) -> Iterable[Finding]``.
ANALYZERS: dict[str, Callable[[ScanRun], Iterable[Finding]]] = {}


#: Analyzers that join other analyzers' findings; they run after every analyzer in ANALYZERS.
JOIN_ANALYZERS: dict[str, Callable[[ScanRun], Iterable[Finding]]] = {}

#: Analyzer name -> rule-id prefixes it reports; it is skipped when none of those rules is enabled
#: (``--rule 'SW-SEC-*'`` then does not pay for the RBAC graph).
ANALYZER_RULES: dict[str, tuple[str, ...]] = {}


def analyzer(
    name: str, *, joins: bool = False, rules: tuple[str, ...] = ()
) -> Callable[[Callable[[ScanRun], Iterable[Finding]]], Callable[[ScanRun], Iterable[Finding]]]:
    """Register a cross-object analyzer; it runs once after every input is read.

    ``joins=True``: the analyzer reads the other analyzers' findings, so it runs after all of them.
    ``rules``: the rule-id prefixes it reports (empty: always runs, e.g. custom CEL rules).
    """

    def deco(fn: Callable[[ScanRun], Iterable[Finding]]) -> Callable[[ScanRun], Iterable[Finding]]:
        if name in ANALYZERS or name in JOIN_ANALYZERS:
            raise RuntimeError(f"duplicate analyzer {name}")
        (JOIN_ANALYZERS if joins else ANALYZERS)[name] = fn
        if rules:
            ANALYZER_RULES[name] = rules
        return fn

    return deco


def make_finding(
    meta: RuleMeta,
    message: str,
    resource: Resource,
    location: Location,
    *,
    evidence: str = "",
    severity: Severity | None = None,
    extra: tuple[tuple[str, Any], ...] = (),
    references: Any = None,
) -> Finding:
    """The one place a Finding is built from rule metadata (so metadata is never copied by hand)."""
    return Finding(
        meta.id,
        meta.title,
        severity if severity is not None else meta.severity,
        meta.category,
        message,
        resource,
        location,
        meta.remediation,
        references if references is not None else meta.references,
        evidence,
        _FAIL,
        "",
        extra,
    )


#: A rule as :meth:`ScanRun._run_rule` runs it: its check and the metadata every finding copies
#: (id, title, default severity, category, remediation, references), in Finding field order.
_Prepared = tuple[Callable[..., Iterable[Any]], str, str, Severity, str, str, References]
_FAIL = Status.FAIL


def _prepare(r: Rule) -> _Prepared:
    m = r.meta
    return (r.check, m.id, m.title, m.severity, m.category, m.remediation, m.references)


class ScanRun:
    """State of one scan while it runs: config, inventory, findings and errors so far."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.inventory = Inventory()
        self.report = Report()
        self.ctx = RuleContext(config, self.inventory)
        self._parsed_cache: tuple[str, ParsedFile] | None = None
        self._pending_lines: dict[tuple[str, int, str], K8sObject] = {}
        self._charts_seen: set[str] = set()
        # enabled rules, prepared for _run_rule; object rules indexed by the kinds they check
        self._pod_rules = [_prepare(r) for r in REGISTRY.for_target("pod") if config.rule_enabled(r.meta)]
        self._object_rules: dict[str, list[_Prepared]] = {}
        for r in REGISTRY.for_target("object"):
            if config.rule_enabled(r.meta):
                for k in r.meta.kinds:
                    self._object_rules.setdefault(k, []).append(_prepare(r))
        self._any_object_rules = [
            _prepare(r) for r in REGISTRY.for_target("object") if not r.meta.kinds and config.rule_enabled(r.meta)
        ]

    # -- recording -------------------------------------------------------------------------
    def error(self, subject: str, message: str) -> None:
        self.report.errors.append(ScanError(subject, " ".join(message.split())))

    def add(self, finding: Finding) -> None:
        self.report.findings.append(finding)

    def enabled(self, rule_id: str) -> bool:
        return rule_id in REGISTRY and self.config.rule_enabled(REGISTRY.get(rule_id).meta)

    def object_finding(
        self,
        rule_id: str,
        obj: K8sObject,
        message: str,
        pointer: str = "",
        *,
        container: str = "",
        evidence: str = "",
        severity: Severity | None = None,
        extra: tuple[tuple[str, Any], ...] = (),
    ) -> Finding | None:
        """Build a finding about ``obj`` for a registered rule id (None if the rule is disabled).

        ``pointer`` is relative to the object. Its line is filled in after the analyzers ran
        (:meth:`resolve_lines`): analyzers report on objects in any order, and resolving lines
        file by file parses each file once instead of once per finding. Until then the finding
        carries the object's first line.
        """
        if not self.enabled(rule_id):
            return None
        meta = REGISTRY.get(rule_id).meta
        ptr = obj.pointer + pointer
        f = make_finding(
            meta,
            message,
            Resource(obj.kind, obj.effective_namespace, obj.name, container),
            Location(obj.path, obj.line, ptr, obj.source),
            evidence=evidence,
            severity=severity,
            extra=extra,
        )
        if ptr and obj.path != "-":
            # keyed by where the finding points (not by the object identity of the Finding, which
            # an analyzer may replace to adjust a field): the object's first line names the document
            self._pending_lines[(obj.path, obj.line, ptr)] = obj
        return f

    def resolve_lines(self) -> None:
        """Replace the placeholder lines of findings built by :meth:`object_finding`, one parse
        per file (findings are resolved in file order)."""
        pending = self._pending_lines
        if not pending:
            return
        findings = self.report.findings
        # one pass over the findings; only the (few) pending ones are then touched, in place
        hits: list[tuple[int, tuple[str, int, str]]] = []
        for i, f in enumerate(findings):
            loc = f.location
            k = (loc.path, loc.line, loc.pointer)
            if k in pending:
                hits.append((i, k))
        lines = {k: self.line_for(pending[k], k[2]) for k in sorted({k for _, k in hits})}
        for i, k in hits:
            line = lines[k]
            if line != k[1]:
                findings[i] = _with_line(findings[i], line)
        pending.clear()
        self._parsed_cache = None

    def line_for(self, obj: K8sObject, pointer: str) -> int:
        if pointer in obj.anchors:
            return obj.anchors[pointer]
        if obj.path == "-":
            return obj.line
        cached = self._parsed_cache
        if cached is None or cached[0] != obj.path:
            try:
                text = decode_text(
                    read_bytes(InputPath(Path(obj.path), obj.path), self.config.max_file_bytes), obj.path
                )
                from seawall.sources.manifests import parse_manifest_text

                cached = (obj.path, parse_manifest_text(text, obj.path))
            except (SeawallError, OSError):
                return obj.line
            self._parsed_cache = cached
        return cached[1].line(obj, pointer)

    # -- manifests -------------------------------------------------------------------------
    def scan_manifest(self, item: InputPath, text: str) -> None:
        from seawall.sources.manifests import parse_manifest_text

        pf = parse_manifest_text(text, item.display)
        self.inventory.files += 1
        self.inventory.documents += len(pf.documents)
        for idx, msg in pf.errors:
            self.error(f"{item.display} (document {idx + 1})", msg)
        for idx, reason in pf.skipped:
            self.report.skipped.append((f"{item.display} (document {idx + 1})", reason))
        # Anchors serve the many line lookups of rules and analyzers after the nodes are dropped.
        # When only prefiltered analyzers read the objects (a secrets-only scan), their few lookups
        # re-read the file instead (``line_for``; stdin and streams cannot be re-read).
        anchors = item.read_once or self.inventory.extra.get(UNPARSED_FILTER_KEY) is None
        for obj in pf.objects:
            self.inventory.objects.append(obj)
            view = self._check_object(obj, pf)
            if anchors:
                pf.record_anchors(obj, (view.spec_pointer,) if view is not None else ())
        pf.drop_nodes()

    def _run_rule(
        self,
        rules: Sequence[_Prepared],
        target: Any,
        obj: K8sObject,
        line: Callable[[str], int],
        resources: dict[str, Resource],
        locations: dict[str, Location],
    ) -> None:
        """Run ``rules`` on one object; each violation becomes a Finding with file and line.

        ``resources`` caches the object's Resource per container, ``locations`` its Location per
        pointer (some fifty pod rules point at the same few fields of a workload), and ``line`` is
        the document's line lookup: all per object, built once instead of once per finding. The
        Finding is built as :func:`make_finding` builds it, from the rule's prepared metadata
        (the hot path of a scan: ~170k findings on a large corpus).
        """
        ctx = self.ctx
        add = self.report.findings.append
        base = obj.pointer
        path = obj.path
        source = obj.source
        for check, rid, title, default_sev, category, remediation, references in rules:
            try:
                for message, vptr, container, _l, evidence, severity, extra in check(target, ctx):
                    ptr = vptr if vptr.startswith(base) else base + vptr
                    res = resources.get(container)
                    if res is None:
                        res = resources[container] = Resource(obj.kind, obj.effective_namespace, obj.name, container)
                    loc = locations.get(ptr)
                    if loc is None:
                        loc = locations[ptr] = Location(path, line(ptr), ptr, source)
                    add(
                        Finding(
                            rid,
                            title,
                            default_sev if severity is None else severity,
                            category,
                            message,
                            res,
                            loc,
                            remediation,
                            references,
                            evidence,
                            _FAIL,
                            "",
                            extra,
                        )
                    )
            except Exception as err:  # a rule bug must not abort the scan; report it precisely
                self.error(
                    f"{obj.path} (document {obj.doc_index + 1}, {obj.ref()})",
                    f"rule {rid} failed: {type(err).__name__}: {err}",
                )
                if self.config.debug:
                    self.report.warnings.append(traceback.format_exc())

    def _check_object(self, obj: K8sObject, pf: ParsedFile) -> PodSpecView | None:
        line = pf.line_lookup(obj)
        resources: dict[str, Resource] = {}
        locations: dict[str, Location] = {}
        rules = self._object_rules.get(obj.kind)
        if rules:
            self._run_rule(rules, obj, obj, line, resources, locations)
        if self._any_object_rules:
            self._run_rule(self._any_object_rules, obj, obj, line, resources, locations)
        view = obj.pod_view()
        if view is not None:
            self.inventory.workloads.append(view)
            if self._pod_rules:
                self._run_rule(self._pod_rules, view, obj, line, resources, locations)
        return view

    # -- the whole run ---------------------------------------------------------------------
    def read_inputs(self, inputs: Sequence[str]) -> None:
        from seawall import forkscan

        claimers = [h.claims_dir for h in FILE_HANDLERS]
        items = list(iter_inputs(list(inputs), claimers))  # type: ignore[arg-type]
        if forkscan.usable(self, items):
            forkscan.read_split(self, items)  # same results, in the same order, on two cores
            return
        for item in items:
            self.read_one(item)

    def read_one(self, item: InputPath) -> None:
        from seawall import plugins

        mods = plugins.active(self.config)  # handlers of the modules the selected rules need
        # stdin and pipes are read once, as manifests, and go only to handlers that take the bytes
        # read here: a handler probing a pipe (an image archive's header) would consume its data
        handlers = [
            h
            for h in FILE_HANDLERS
            if (
                getattr(h, "scans_streams", False)
                if item.read_once
                else (h.claims_dir(item.path) if item.is_dir else h.claims_file(item.path))
            )
            and plugins.defined_in_active(h, mods)
        ]
        is_manifest = item.read_once or item.path.suffix.lower() in MANIFEST_SUFFIXES
        chart = helm_chart_of(item.path) if is_manifest and not item.read_once else None
        if chart is not None:
            # Go templates are not YAML until rendered; rendering needs helm and the chart's values.
            self.report.skipped.append((item.display, f"template of Helm chart {chart}: scan `helm template` output"))
            if chart not in self._charts_seen:
                self._charts_seen.add(chart)
                self.report.warnings.append(chart_warning(chart))
            is_manifest = False
        if is_manifest:
            try:
                data = read_bytes(item, self.config.max_file_bytes)
                text = decode_text(data, item.display)
            except InputError as err:
                self.error("", str(err))
            else:
                # the handlers of the same file (the secret scan) take the bytes from here
                self.inventory.extra[LAST_READ_KEY] = (item, data)
                wants = self.inventory.extra.get(UNPARSED_FILTER_KEY, _UNSET)
                if wants is _UNSET:
                    wants = self.inventory.extra[UNPARSED_FILTER_KEY] = plugins.manifest_filter(self)
                if wants is None or wants(text):
                    self.scan_manifest(item, text)
                else:
                    # no enabled rule can report anything from this manifest's objects: not parsed
                    self.inventory.files += 1
                    self.inventory.extra.setdefault(UNPARSED_KEY, []).append(item.display)
        for h in handlers:
            try:
                h.scan(item, self)
            except SeawallError as err:
                self.error("", str(err))
            except Exception as err:
                self.error(item.display, f"{h.name} failed: {type(err).__name__}: {err}")
                if self.config.debug:
                    self.report.warnings.append(traceback.format_exc())
        self.inventory.extra.pop(LAST_READ_KEY, None)
        if not is_manifest and not handlers and not item.is_dir:
            self.report.skipped.append((item.display, "not a manifest or other scannable file"))

    def run_analyzers(self) -> None:
        from seawall import plugins

        plugins.load_for_inputs(self)  # e.g. the image analysis, once an image was read
        # enabled analyzers of the active modules that can report an enabled rule
        for name, fn in plugins.runnable_analyzers(self):
            try:
                for f in fn(self):
                    self.add(f)
            except SeawallError as err:
                self.error(name, str(err))
            except Exception as err:
                self.error(name, f"analyzer failed: {type(err).__name__}: {err}")
                if self.config.debug:
                    self.report.warnings.append(traceback.format_exc())
        self.resolve_lines()


_FINDING_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(Finding)))
_FINDING_LOCATION = [f.name for f in dataclasses.fields(Finding)].index("location")
_LOCATION_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(Location)))
_LOCATION_LINE = [f.name for f in dataclasses.fields(Location)].index("line")


def _with_line(f: Finding, line: int) -> Finding:
    """``f`` with its location's line replaced (for :meth:`ScanRun.resolve_lines`): the same as
    two ``dataclasses.replace`` calls, in half the time (no per-call field introspection)."""
    loc = list(_LOCATION_FIELDS(f.location))
    loc[_LOCATION_LINE] = line
    values = list(_FINDING_FIELDS(f))
    values[_FINDING_LOCATION] = Location(*loc)
    return Finding(*values)


#: ``inventory.extra`` keys of :meth:`ScanRun.read_one`: the manifests it did not parse (no enabled
#: rule could report anything from their objects, see ``plugins.manifest_filter``), and that filter.
UNPARSED_KEY = "manifests.not_parsed"
UNPARSED_FILTER_KEY = "manifests.filter"
#: ``inventory.extra`` key of the (item, bytes) :meth:`ScanRun.read_one` read for a manifest, while
#: the file handlers of the same item run (so the secret scan does not read the file again).
LAST_READ_KEY = "inputs.last_read"
_UNSET: Any = object()


def chart_warning(chart: str) -> str:
    return f"{chart}: Helm chart templates skipped; run `helm template {chart} | seawall scan -`"


def helm_chart_of(path: Path) -> str | None:
    """The chart directory when ``path`` is a template of an unrendered Helm chart
    (``<chart>/templates/**`` next to ``<chart>/Chart.yaml``), else None."""
    parts = path.parts
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "templates":
            chart = Path(*parts[:i]) if i else Path(".")
            if (chart / "Chart.yaml").is_file():
                return str(chart)
    return None


def merge_duplicate_secrets(findings: list[Finding]) -> list[Finding]:
    """One secret, one finding: the manifest rules (e.g. SW-K8S-041, credential-named env values)
    and the secrets engine (SW-SEC-*) can flag the same field. Keep the most severe finding per
    (file, field), preferring one that carries peer-tool ids (what users migrate from), and name
    the other rules in its details."""
    groups: dict[tuple[str, int, str], list[int]] = {}
    for i, f in enumerate(findings):
        if f.category == "secret" and f.location.pointer and not f.suppressed:
            groups.setdefault((f.location.path, f.location.line, f.location.pointer), []).append(i)
    drop: set[int] = set()
    keep: dict[int, Finding] = {}
    for idx in groups.values():
        if len(idx) < 2:
            continue
        best = max(idx, key=lambda i: (findings[i].severity, bool(findings[i].references.tools), findings[i].rule_id))
        others = sorted({findings[i].rule_id for i in idx if i != best})
        keep[best] = dataclasses.replace(findings[best], extra=(*findings[best].extra, ("also_matched", others)))
        drop.update(i for i in idx if i != best)
    if not drop:
        return findings
    return [keep.get(i, f) for i, f in enumerate(findings) if i not in drop]


def scan(inputs: Sequence[str], config: Config | None = None) -> Report:
    """Scan files, directories and ``-`` (stdin); return the full report (policy applied)."""
    from seawall import plugins

    config = config or Config()
    plugins.load(config)  # registers the rule families, handlers and analyzers the config needs
    # A scan allocates hundreds of thousands of long-lived objects (parsed documents, findings)
    # and almost no reference cycles; the cyclic collector would re-walk that growing heap again
    # and again (about a fifth of the scan time on a large corpus). Pause it for the scan only.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _scan(inputs, config)
    finally:
        if gc_was_enabled:
            gc.enable()


def _scan(inputs: Sequence[str], config: Config) -> Report:
    from seawall.policy.apply import apply_policy

    start = time.perf_counter()
    run = ScanRun(config)
    run.read_inputs(inputs)
    run.run_analyzers()
    report = run.report
    report.findings[:] = merge_duplicate_secrets(report.findings)
    if any(config.rule_enabled(r.meta) for r in REGISTRY.for_target("pod")):
        from seawall.analyzers.posture import posture

        report.posture = posture(run)
    else:
        # the summary is made of workload (pod) rule verdicts: none ran, so there is none to give
        report.posture = {"computed": False, "reason": "no workload (pod) rule selected"}
    apply_policy(run)
    report.findings.sort(key=lambda f: (f.location.path, f.location.line, f.rule_id, f.resource.identity()))
    report.stats = {
        "files": run.inventory.files,
        "documents": run.inventory.documents,
        "objects": len(run.inventory.objects),
        "workloads": len(run.inventory.workloads),
        "duration_seconds": round(time.perf_counter() - start, 3),
    }
    unparsed = run.inventory.extra.get(UNPARSED_KEY)
    if unparsed:
        report.stats["manifests_not_parsed"] = len(unparsed)
    return report
