"""Scan every image of a registry: ``seawall registry scan HOST[/REPO-GLOB]``.

Pipeline (all through :class:`~seawall.sources.image.registry.RegistryClient`):

1. **enumerate** repositories with ``/v2/_catalog`` (``n``/``last`` pagination and ``Link``
   headers) filtered by the glob, then each repository's tags; every tag is resolved to its
   manifest digest (HEAD) and tags are grouped by digest, so an image tagged five times is
   scanned once. cosign artifacts (``sha256-<hex>.sig/.att/.sbom``) and OCI referrer fallback
   tags are not images and are skipped;
2. **scan** each digest in a thread pool: packages and image-configuration rules and secrets in
   one streaming pass (:func:`seawall.analyzers.image.analyze_image`, which runs the secret
   scanner through ``LAYER_FILE_HOOKS``), vulnerabilities when a database exists (otherwise
   an explicit "not checked" — SW-VULN-002), and signatures with the ``signatures:`` policy
   (:func:`seawall.supplychain.verify.verify_image`; without a policy for the repository the
   status is "not checked", noting whether a cosign signature tag exists);
3. **staleness** from the tag lists: a digest whose every tag is superseded by a newer release of
   its line is SW-FRESH-010; old images (config ``created``) are SW-IMG-013 and end-of-life
   distributions SW-IMG-014 from the image rules. Whether an image is still *pulled* cannot be
   known from the distribution API (registries keep pull statistics, if at all, in their own
   APIs), so "unpulled" is never reported.

Each finished image is appended to the state file (:class:`~seawall.registries.state.StateFile`)
when one is given; a rerun skips digests recorded with the same settings and reuses their results
(superseded tags are recomputed from the current tag lists). The library never
prints: progress is a callback.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seawall.engine import Report, ScanRun, make_finding
from seawall.errors import InputError, SeawallError
from seawall.freshness.tags import parse_tag, upgrades
from seawall.model.finding import Finding, Location, Resource
from seawall.policy.config import Config
from seawall.registries.state import StateFile, finding_from_record, finding_record
from seawall.rules.registry import REGISTRY
from seawall.sources.image.model import DOCKER_CONFIG, DOCKER_MANIFEST, OCI_CONFIG, OCI_MANIFEST, Platform
from seawall.sources.image.reference import Reference
from seawall.sources.image.registry import RegistryClient, open_registry_image
from seawall.sources.image.transport import printable

_ARTIFACT_TAG = re.compile(r"^sha256-[0-9a-f]{64}(?:\.[A-Za-z0-9]+)?$")
#: the distribution spec's grammars: a name the registry lists that does not match is not asked
#: for (it would be a path such as ``../x`` or carry control characters into the report)
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REPO_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_REPO_GLOB = re.compile(r"^[a-z0-9*?\[\]!._/-]+$")


def parse_target(text: str) -> tuple[str, str]:
    """``HOST[/REPO-GLOB]`` -> (host, glob); the glob defaults to ``*`` (every repository)."""
    t = text.strip()
    for prefix in ("https://", "http://", "docker://"):
        if t.startswith(prefix):
            t = t[len(prefix) :]
    host, _, glob = t.partition("/")
    if not host or any(c.isspace() for c in t) or ("." not in host and ":" not in host and host != "localhost"):
        raise InputError("expected HOST[:PORT][/REPOSITORY-GLOB], e.g. registry.example.com/team/*", subject=text)
    glob = glob.strip("/") or "*"
    if not _REPO_GLOB.match(glob):
        raise InputError(f"invalid repository glob {glob!r}", subject=text)
    return host.lower(), glob


@dataclass(frozen=True, slots=True)
class ImageJob:
    repo: str
    digest: str
    tags: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.repo}@{self.digest}"


@dataclass(slots=True)
class ImageResult:
    job: ImageJob
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: why the result is not final although the image was read (e.g. no vulnerability database):
    #: the report is incomplete and the image is scanned again on the next resumed run
    incomplete: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    not_checked: list[dict[str, str]] = field(default_factory=list)
    signature: str = ""
    vulnerabilities: str = ""
    packages: int = 0
    os: str = ""
    created: str = ""
    seconds: float = 0.0
    resumed: bool = False
    config_key: str = ""  # what the result depends on besides the image (see scan_settings_key)
    skipped: str = ""  # why this digest is not a container image (Helm chart, other OCI artifact)

    @property
    def ok(self) -> bool:
        return not self.errors

    def record(self) -> dict[str, Any]:
        return {
            "key": self.job.key,
            "config": self.config_key,
            "status": "error" if self.errors else "partial" if self.incomplete else "done",
            "skipped": self.skipped,
            "repo": self.job.repo,
            "digest": self.job.digest,
            "tags": list(self.job.tags),
            "findings": [finding_record(f) for f in self.findings],
            "errors": self.errors,
            "incomplete": self.incomplete,
            "warnings": self.warnings,
            "not_checked": self.not_checked,
            "signature": self.signature,
            "vulnerabilities": self.vulnerabilities,
            "packages": self.packages,
            "os": self.os,
            "created": self.created,
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_record(cls, job: ImageJob, rec: dict[str, Any]) -> ImageResult:
        def strs(v: Any) -> list[str]:
            return [str(x) for x in v] if isinstance(v, list) else []

        return cls(
            job,
            findings=[finding_from_record(f) for f in rec.get("findings", [])],
            warnings=strs(rec.get("warnings")),
            not_checked=[{str(k): str(v) for k, v in d.items()} for d in rec.get("not_checked", [])
                         if isinstance(d, dict)],
            signature=str(rec.get("signature", "")),
            vulnerabilities=str(rec.get("vulnerabilities", "")),
            packages=int(rec.get("packages", 0) or 0),
            os=str(rec.get("os", "")),
            created=str(rec.get("created", "")),
            seconds=float(rec.get("seconds", 0) or 0),
            resumed=True,
            skipped=str(rec.get("skipped", "")),
        )


@dataclass(slots=True)
class RegistryScan:
    """The outcome: the report plus the per-image results and enumeration counts."""

    report: Report
    images: list[ImageResult] = field(default_factory=list)
    repositories: int = 0
    tags: int = 0
    skipped_resumed: int = 0


# ---- enumeration ----------------------------------------------------------------------------------
def enumerate_repositories(
    client: RegistryClient, glob: str, *, page_size: int = 1000, max_repos: int = 100_000
) -> list[str]:
    """Repositories matching ``glob`` from the paginated ``_catalog``; a glob without wildcards
    is taken as one repository (no catalog access needed, which many registries restrict)."""
    if not any(c in glob for c in "*?["):
        return [glob]
    repos = client.catalog(page_size=page_size, max_repos=max_repos)
    return sorted(r for r in repos if fnmatch.fnmatchcase(r, glob))


def _invalid_names(names: list[str], valid: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """(valid names, invalid names) — the invalid ones are reported, never requested."""
    good = [n for n in names if valid(n)]
    return good, [n for n in names if not valid(n)]


def _valid_repo(name: str) -> bool:
    return len(name) <= 255 and all(_REPO_COMPONENT.match(c) for c in name.split("/"))


def _valid_tag(tag: str) -> bool:
    return _TAG.match(tag) is not None


def is_artifact_tag(tag: str) -> bool:
    """cosign signature/attestation/SBOM tags and OCI 1.1 referrer fallback tags."""
    return _ARTIFACT_TAG.match(tag) is not None


def superseded(job: ImageJob, all_tags: Iterable[str]) -> list[tuple[str, str]]:
    """(tag, newer tag) for each tag of ``job`` — empty unless EVERY tag is a superseded version.

    A digest also tagged ``latest``, ``1.25`` (a floating tag that is the newest of its line) or
    any non-version tag is still current for someone, so it is not stale.
    """
    tags = list(all_tags)
    out: list[tuple[str, str]] = []
    for t in job.tags:
        tv = parse_tag(t)
        if tv is None:
            return []
        ups = upgrades(t, tags)
        first = ups[0] if ups else None
        n = len(tv.numbers)
        level = "patch" if n >= 3 else "minor" if n == 2 else "major"
        if first is None or first.level != level:
            return []
        out.append((t, first.tag))
    return out


# ---- scanning one image ----------------------------------------------------------------------------
@dataclass(slots=True)
class ScanContext:
    """What every image scan shares (read-only while the pool runs)."""

    host: str
    client: RegistryClient
    config: Config
    platform: Platform | None = None
    signatures: Any = None  # seawall.supplychain.policy.SignaturesConfig or None
    signatures_error: str = ""
    secret_scanner: Any = None
    tags_by_repo: dict[str, list[str]] = field(default_factory=dict)
    vuln_db: str | None = None
    config_key: str = ""


def scan_settings_key(config: Config, vuln_db: str | None, platform: Platform | None) -> str:
    """A digest of everything besides the image that shapes a stored result (rule selection,
    settings, feature sections, database, platform, seawall version): a resumed run reuses a
    stored result only when it matches, so changing the policy between runs rescans."""
    from seawall import __version__
    from seawall.vulndb.store import default_path

    db = Path(vuln_db or config.section("vulnerabilities").get("db") or default_path())
    try:
        st = db.stat()
        db_state = f"{db}:{st.st_size}:{st.st_mtime_ns}"  # `seawall db update` changes it
    except OSError:
        db_state = f"{db}:absent"
    material = {
        "version": __version__,
        "enable": config.enable,
        "disable": config.disable,
        "settings": config.settings,
        "sections": config.sections,
        "analyzers": config.disabled_analyzers,
        "db": db_state,
        "platform": str(platform or ""),
    }
    raw = json.dumps(material, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def _signature_status(ctx: ScanContext, job: ImageJob, ref: Reference, result: ImageResult) -> None:
    from seawall.analyzers.signatures import NO_PROVENANCE, NOT_CHECKED, NOT_SIGNED

    name = f"{ctx.host}/{job.repo}"
    tags = ctx.tags_by_repo.get(job.repo, [])
    hexd = job.digest.split(":", 1)[-1]
    present = [t for t in tags if t.startswith(f"sha256-{hexd}")]
    seen = f"signature artifacts present ({', '.join(sorted(present))}), not verified" if present else (
        "no cosign signature tag")
    if ctx.signatures_error:
        result.signature = f"not checked: {ctx.signatures_error}"
        return
    policy = ctx.signatures.policy_for(name) if ctx.signatures is not None else None
    if policy is None:
        result.signature = f"not checked: no signatures policy for {name} ({seen})"
        return
    from seawall.supplychain.verify import verify_image

    res = verify_image(ref, policy, ctx.client)
    if res.ok:
        who = "; ".join(s.describe() for s in res.signatures[:3])
        result.signature = f"verified: {who}" if who else "verified"
        return
    if not res.checked:
        rule, status = NOT_CHECKED, f"not checked: {res.reason}"
    elif res.provenance_ok is False:
        rule, status = NO_PROVENANCE, f"provenance failed: {res.reason}"
    else:
        rule, status = NOT_SIGNED, f"failed: {res.reason}"
    result.signature = status
    if rule in REGISTRY and ctx.config.rule_enabled(REGISTRY.get(rule).meta):
        result.findings.append(
            make_finding(
                REGISTRY.get(rule).meta,
                f"image {ref} ({', '.join(job.tags)}): {res.reason}",
                Resource(kind="Image", name=f"{name}@{job.digest}", image=str(ref)),
                Location(path=f"{name}@{job.digest}"),
                evidence=str(ref),
            )
        )


def _stale(ctx: ScanContext, job: ImageJob, ref: Reference, result: ImageResult) -> None:
    from seawall.analyzers.freshness import REGISTRY_SUPERSEDED

    if REGISTRY_SUPERSEDED not in REGISTRY:
        return
    meta = REGISTRY.get(REGISTRY_SUPERSEDED).meta
    if not ctx.config.rule_enabled(meta):
        return
    pairs = superseded(job, ctx.tags_by_repo.get(job.repo, []))
    if not pairs:
        return
    name = f"{ctx.host}/{job.repo}"
    text = ", ".join(f"{t} (newer: {n})" for t, n in pairs)
    newest = pairs[0][1]
    f = make_finding(
        meta,
        f"{name}@{job.digest} is superseded in its version line: {text}",
        Resource(kind="Image", name=f"{name}@{job.digest}", image=str(ref)),
        Location(path=f"{name}@{job.digest}"),
        evidence=", ".join(t for t, _ in pairs),
    )
    remediation = (
        f"Deploy {name}:{newest} (by digest) instead, and prune the superseded tag(s) "
        f"{', '.join(t for t, _ in pairs)} with your registry's retention policy (Harbor tag retention, "
        f"ECR lifecycle rules, `regctl tag delete {name}:{pairs[0][0]}`)."
    )
    result.findings.append(dataclasses.replace(f, remediation=remediation))


def artifact_kind(client: RegistryClient, job: ImageJob) -> str:
    """'' for a container image; otherwise what the manifest is (OCI artifacts such as Helm charts
    share registries with images and are not errors)."""
    top = client.get_manifest(job.repo, job.digest)
    if top.media_type not in (OCI_MANIFEST, DOCKER_MANIFEST):
        return ""  # an index: its platform manifests are images (or open_registry_image says why not)
    doc = top.json()
    cfg = doc.get("config")
    mt = cfg.get("mediaType") if isinstance(cfg, dict) else None
    art = doc.get("artifactType")
    if isinstance(mt, str) and mt and mt not in (OCI_CONFIG, DOCKER_CONFIG):
        return f"not a container image (config media type {printable(mt, 100)})"
    if isinstance(art, str) and art:
        return f"not a container image (artifact type {printable(art, 100)})"
    return ""


def scan_image(ctx: ScanContext, job: ImageJob) -> ImageResult:
    """Everything about one image; registry and image errors end up in ``result.errors``."""
    from seawall.analyzers.image import analyze_image
    from seawall.secrets.handler import SCANNER_KEY
    from seawall.sources.image.handler import limits_from_config

    start = time.perf_counter()
    result = ImageResult(job, config_key=ctx.config_key)
    ref = Reference(ctx.host, job.repo, job.tags[0] if job.tags else "", job.digest)
    run = ScanRun(ctx.config)
    if ctx.secret_scanner is not None:
        run.inventory.extra[SCANNER_KEY] = ctx.secret_scanner
    try:
        result.skipped = artifact_kind(ctx.client, job)
        if result.skipped:
            return result
        limits = limits_from_config(ctx.config.section("image"))
        with open_registry_image(ctx.client, ref, platform=ctx.platform, limits=limits, owns_client=False) as img:
            analysis = analyze_image(img, ctx.config, run=run)
            result.created = img.created
        inv = analysis.inventory
        result.packages = len(inv.packages)
        result.os = inv.os.display() if inv.os else ""
        result.findings.extend(analysis.findings)
        result.findings.extend(run.report.findings)  # secrets found through the layer hook
        result.errors.extend(f"{s}: {m}" if s else m for s, m in analysis.errors)
        for nc in inv.not_checked:
            result.not_checked.append({"subject": f"{ref}: {nc.subject}", "reason": nc.reason, "layer": nc.layer})
        if not ctx.config.analyzer_enabled("vulnerabilities"):
            result.vulnerabilities = "not checked: the vulnerabilities analyzer is disabled in the config"
        else:
            _vulnerabilities(ctx, inv, result)
    except SeawallError as err:
        result.errors.append(str(err))
    try:
        _signature_status(ctx, job, ref, result)
    except SeawallError as err:
        result.signature = f"not checked: {err}"
    _stale(ctx, job, ref, result)
    result.seconds = time.perf_counter() - start
    return result


def _vulnerabilities(ctx: ScanContext, inv: Any, result: ImageResult) -> None:
    """Match the inventory (SW-VULN-*); without a database: "not checked", and the result is partial."""
    from seawall.analyzers.vulnerabilities import check_inventories

    vrun = ScanRun(ctx.config)
    vulns = check_inventories(vrun, [inv], db=ctx.vuln_db)
    result.findings.extend(vulns)
    result.warnings.extend(vrun.report.warnings)
    result.not_checked.extend(vrun.report.not_checked)
    for e in vrun.report.errors:
        (result.incomplete if e.subject == "vulnerabilities" else result.errors).append(e.message)
    nc_vuln = [e for e in vrun.report.not_checked if e.get("analyzer") == "vulnerabilities"]
    if not inv.packages:
        result.vulnerabilities = "no packages found"
    elif any(e.get("kind") == "no-database" for e in nc_vuln):
        result.vulnerabilities = f"not checked: {nc_vuln[0].get('reason', 'no database')}"
    else:
        n = sum(1 for f in vulns if f.category == "vulnerability" and f.rule_id != "SW-VULN-002")
        partial = f", {len(nc_vuln)} group(s) not checked" if nc_vuln else ""
        result.vulnerabilities = f"{n} finding(s){partial}"


def _plain_http_finding(run: ScanRun, host: str) -> None:
    from seawall.rules.supply_chain.trusted_registries import PLAIN_HTTP_REGISTRY

    if PLAIN_HTTP_REGISTRY in REGISTRY and run.enabled(PLAIN_HTTP_REGISTRY):
        run.add(
            make_finding(
                REGISTRY.get(PLAIN_HTTP_REGISTRY).meta,
                f"registry {host} was reached over plain HTTP (no TLS)",
                Resource(kind="Registry", name=host),
                Location(path=f"http://{host}/v2/"),
                evidence=f"http://{host}",
            )
        )


# ---- the whole registry -------------------------------------------------------------------------------
def scan_registry(
    client: RegistryClient,
    glob: str,
    config: Config,
    *,
    concurrency: int = 4,
    state: StateFile | None = None,
    platform: Platform | None = None,
    vuln_db: str | None = None,
    on_enumerated: Callable[[int], None] | None = None,
    on_image: Callable[[ImageResult], None] | None = None,
) -> RegistryScan:
    """Enumerate and scan (see the module docstring). Errors of one repository or image make the
    report incomplete; they never stop the others."""
    from seawall import plugins
    from seawall.policy.apply import apply_policy
    from seawall.secrets.engine import scanner_for

    plugins.load()
    start = time.perf_counter()
    host = client.host
    ctx = ScanContext(host, client, config, platform=platform, vuln_db=vuln_db)
    ctx.config_key = scan_settings_key(config, vuln_db, platform)
    ctx.secret_scanner = scanner_for(config)
    section = config.section("signatures")
    if section:
        from seawall.supplychain.policy import parse_signatures_section

        try:
            ctx.signatures = parse_signatures_section(section, config.base_dir, config.source or ".seawall.yaml")
        except SeawallError as err:
            ctx.signatures_error = str(err)
    run = ScanRun(config)
    out = RegistryScan(run.report)
    repos, bad_repos = _invalid_names(enumerate_repositories(client, glob), _valid_repo)
    if bad_repos:
        run.error(host, f"{len(bad_repos)} repository name(s) in the catalog are not valid names and were not "
                  f"scanned (first: {bad_repos[0][:100]!a})")
    out.repositories = len(repos)
    workers = max(1, min(concurrency, 64))
    jobs: list[ImageJob] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # tags of every repository, then every tag resolved to its digest — both fanned out over the
        # pool (a repository with thousands of tags is not resolved one HEAD at a time)
        listed = {r: pool.submit(client.list_tags, r) for r in repos}
        pairs: list[tuple[str, str]] = []
        for repo, lf in listed.items():
            try:
                tags = lf.result()
            except SeawallError as err:
                run.error(f"{host}/{repo}", str(err))
                continue
            tags, bad_tags = _invalid_names(tags, _valid_tag)
            if bad_tags:
                run.error(f"{host}/{repo}", f"{len(bad_tags)} tag name(s) are not valid tags and were not scanned "
                          f"(first: {bad_tags[0][:100]!a})")
            ctx.tags_by_repo[repo] = tags
            out.tags += len(tags)
            pairs.extend((repo, t) for t in tags if not is_artifact_tag(t))
        heads = [(repo, tag, pool.submit(client.head_manifest, repo, tag)) for repo, tag in pairs]
        by_digest: dict[tuple[str, str], list[str]] = {}
        failed: set[str] = set()
        for repo, tag, hf in heads:
            try:
                desc = hf.result()
            except SeawallError as err:
                if repo not in failed:
                    failed.add(repo)
                    run.error(f"{host}/{repo}:{tag}", str(err))
                continue
            if desc is not None:
                by_digest.setdefault((repo, desc.digest), []).append(tag)
        jobs.extend(ImageJob(r, dg, tuple(sorted(ts))) for (r, dg), ts in sorted(by_digest.items()))
        if on_enumerated is not None:
            on_enumerated(len(jobs))
        lock = threading.Lock()
        todo: list[ImageJob] = []
        for job in jobs:
            rec = state.done.get(job.key) if state is not None else None
            if rec is not None and rec.get("config") == ctx.config_key:
                try:
                    res = ImageResult.from_record(job, rec)
                except (KeyError, ValueError, TypeError, IndexError):
                    todo.append(job)  # unreadable record: scan again
                    continue
                # staleness depends on today's tag list, not on the stored one
                res.findings = [f for f in res.findings if f.rule_id != "SW-FRESH-010"]
                ref = Reference(host, job.repo, job.tags[0] if job.tags else "", job.digest)
                _stale(ctx, job, ref, res)
                out.images.append(res)
                out.skipped_resumed += 1
                if on_image is not None:
                    on_image(res)
            else:
                todo.append(job)

        def one(job: ImageJob) -> ImageResult:
            try:
                res = scan_image(ctx, job)
            except Exception as err:  # a bug on one image must not lose the others
                res = ImageResult(job, errors=[f"internal error: {type(err).__name__}: {err}"])
            if state is not None:
                state.append(res.record())
            with lock:
                out.images.append(res)
                if on_image is not None:
                    on_image(res)
            return res

        futures = [pool.submit(one, j) for j in todo]
        try:
            for done in futures:
                done.result()
        except BaseException:  # Ctrl-C: stop queued images now; finished ones are in the state file
            for pending in futures:
                pending.cancel()
            raise
    out.images.sort(key=lambda r: r.job.key)
    incomplete: dict[str, int] = {}
    for res in out.images:
        for why in res.incomplete:
            incomplete[why] = incomplete.get(why, 0) + 1
        for f in res.findings:
            run.add(f)
        for e in res.errors:
            run.error(f"{host}/{res.job.key}", e)
        if res.skipped:
            run.report.skipped.append((f"{host}/{res.job.key}", res.skipped))
        for w in res.warnings:
            if w not in run.report.warnings:
                run.report.warnings.append(w)
        run.report.not_checked.extend(res.not_checked)
    for why, n in incomplete.items():
        run.error(host, f"{n} image(s): {why}")
    if client.insecure:
        _plain_http_finding(run, host)
    apply_policy(run)
    report = run.report
    report.findings.sort(key=lambda f: (f.resource.image, f.rule_id, f.location.path, f.message))
    report.stats = {
        "registry": host,
        "repositories": out.repositories,
        "tags": out.tags,
        "images": len(out.images),
        "resumed": out.skipped_resumed,
        "images_detail": [
            {
                "repository": r.job.repo,
                "digest": r.job.digest,
                "tags": list(r.job.tags),
                "os": r.os,
                "packages": r.packages,
                "created": r.created,
                "vulnerabilities": r.vulnerabilities,
                "signature": r.signature,
                "status": "error" if r.errors else "incomplete" if r.incomplete else "skipped" if r.skipped else "ok",
                "resumed": r.resumed,
            }
            for r in out.images
        ],
        "not_reported": "whether an image is still pulled: the distribution API has no pull statistics",
        "duration_seconds": round(time.perf_counter() - start, 3),
    }
    return out
