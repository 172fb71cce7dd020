"""Known vulnerabilities in image packages, as findings (``SW-VULN-*``).

Input: every image the image handler put in ``run.inventory.extra["images"]``, inventoried
once per scan by :func:`seawall.analyzers.image.inventory_for` (an ``ImageInventory`` with
``reference``, ``os``, ``packages``). Each inventory is matched
with :mod:`seawall.vulndb.match` against the local database (``vulnerabilities.db`` in
``.seawall.yaml``, else the user cache default).

What could not be checked is never silent: a missing database, an unknown distro release, an
ecosystem without data or an unparsable version each become a ``report.not_checked`` entry
(and an ``SW-VULN-002`` finding), so an empty result is never mistaken for a clean image.

Config (``vulnerabilities:`` section): ``db`` (path), ``max_age_days`` (warn when the database
is older; default 7), ``vex`` (list of OpenVEX files applied to the findings).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seawall.engine import ScanRun, analyzer, make_finding
from seawall.errors import DatabaseError, PolicyError, SeawallError
from seawall.model.finding import Finding, Location, Resource
from seawall.rules.registry import REGISTRY, declare

if TYPE_CHECKING:  # the matcher and the store (cvss, sqlite3) load once there are packages to match
    from seawall.vulndb.match import Match, MatchResult
    from seawall.vulndb.store import Store

VULN_PACKAGE = "SW-VULN-001"
VULN_NOT_CHECKED = "SW-VULN-002"
DEFAULT_MAX_AGE_DAYS = 7

declare(
    id=VULN_PACKAGE,
    title="Package with a known vulnerability",
    severity="high",
    category="vulnerability",
    description=(
        "An installed package (OS or application library) is in a version range that a published "
        "advisory marks as affected. Severity comes from the advisory's CVSS vector (base score "
        "computed) or, without one, the source's own rating."
    ),
    remediation=(
        "Upgrade the package to the fixed version named in the finding and rebuild the image, "
        "e.g. `RUN apt-get update && apt-get install --only-upgrade <pkg>` (Debian/Ubuntu), "
        "`RUN apk upgrade --no-cache <pkg>` (Alpine) or bump the pinned version in "
        "requirements/package manifests. If the code is not reachable, record that in an "
        "OpenVEX statement (--vex) instead of ignoring the finding."
    ),
    risk=["3.1.1"],
    countermeasure=["4.1.1"],
    tags=["cve", "image"],
)

declare(
    id=VULN_NOT_CHECKED,
    title="Packages not checked for vulnerabilities",
    severity="medium",
    category="vulnerability",
    description=(
        "Some packages could not be checked: the vulnerability database is missing, the image's "
        "distribution release has no advisories in it, an ecosystem has no data, or a version "
        "cannot be parsed. Their absence from the findings does NOT mean they are clean."
    ),
    remediation=(
        "Run `seawall db update` (with a --source that covers the distribution and ecosystems "
        "in the image), or move the image to a supported, maintained distribution release."
    ),
    risk=["3.1.1"],
    countermeasure=["4.1.1"],
    tags=["cve", "image", "coverage"],
)

_APP_REFS = (("3.1.1", "3.4.4"), ("4.1.1", "4.4.4"))

_UPGRADE = {
    "Debian": "apt-get update && apt-get install --only-upgrade {name}",
    "Ubuntu": "apt-get update && apt-get install --only-upgrade {name}",
    "Alpine": "apk upgrade --no-cache {name}",
    "Wolfi": "apk upgrade --no-cache {name}",
    "AlmaLinux": "dnf upgrade -y {name}",
    "Rocky Linux": "dnf upgrade -y {name}",
    "PyPI": "pip install '{name}>={fixed}'",
    "npm": "npm install {name}@{fixed}",
    "RubyGems": "bundle update {name} (require >= {fixed})",
    "Go": "go get {name}@v{fixed_nov} && go mod tidy",
    "crates.io": "cargo update -p {name} --precise {fixed}",
    "Maven": "set the {name} dependency version to {fixed}",
}


def _remediation(m: Match) -> str:
    from seawall.vulndb.match import DISTRO_ECOSYSTEMS

    pkg = m.package
    base = pkg.ecosystem.split(":", 1)[0]
    if m.fixed:
        fix = m.fixed[0]
        cmd = _UPGRADE.get(base, "").format(name=pkg.name, fixed=fix, fixed_nov=fix.lstrip("v"))
        src = f" (source package {m.matched_name})" if m.matched_name != pkg.name and base in DISTRO_ECOSYSTEMS else ""
        text = f"Upgrade {pkg.name}{src} to {fix} or later"
        if len(m.fixed) > 1:
            text += f" (fixed versions: {', '.join(m.fixed)})"
        return text + (f": `{cmd}`, then rebuild the image." if cmd else ", then rebuild the image.")
    if m.no_fix:
        return (
            f"No fixed version of {pkg.name} is available yet ({m.ecosystem}). Track {m.id}; reduce exposure "
            "(remove the package if unused, or mitigate), and record the assessment in an OpenVEX statement."
        )
    return f"No fixed version is recorded for {m.id}; check the advisory ({m.url or m.id}) for guidance."


def _short(text: str, limit: int = 140) -> str:
    """The advisory summary cut at a word boundary (full text stays in the advisory link)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "..."


def match_finding(m: Match, image: str, layer: str = "") -> Finding:
    """One Finding for one Match (all aliases listed in references.vulnerabilities)."""
    from seawall.vulndb.match import DISTRO_ECOSYSTEMS

    meta = REGISTRY.get(VULN_PACKAGE).meta
    pkg = m.package
    base = pkg.ecosystem.split(":", 1)[0]
    is_app = base not in DISTRO_ECOSYSTEMS
    refs = meta.references
    if is_app:
        refs = dataclasses.replace(refs, nist_risk=_APP_REFS[0], nist_countermeasure=_APP_REFS[1])
    refs = dataclasses.replace(refs, vulnerabilities=m.ids, urls=(m.url,) if m.url else ())
    state = f"fixed in {m.fixed[0]}" if m.fixed else ("affected, no fix yet" if m.no_fix else "no fixed version known")
    via = f" (via source package {m.matched_name})" if m.matched_name != pkg.name and not is_app else ""
    score = (
        f"; CVSS {m.score:g}"
        if m.score is not None
        else ("; severity unknown" if m.severity_source.startswith("unknown") else f"; {m.severity_source}")
    )
    summary = f": {_short(m.summary)}" if m.summary else ""
    msg = f"{pkg.name} {pkg.version}{via} is affected by {m.id} ({state}{score}){summary}"
    locs = getattr(pkg, "locations", ()) or ()
    path = locs[0].path if locs else ""
    layer = layer or (getattr(locs[0], "layer", "") if locs else "")
    f = make_finding(
        meta,
        msg,
        Resource(kind="Image" if image else "", name=image, image=image, layer=layer),
        Location(path=path, pointer=f"/packages/{pkg.ecosystem}/{pkg.name}"),
        evidence=f"{pkg.name}@{pkg.version} {m.id}",
        severity=m.severity,
        references=refs,
        extra=(
            ("package", pkg.name),
            ("version", pkg.version),
            ("ecosystem", pkg.ecosystem),
            ("purl", getattr(pkg, "purl", "") or ""),
            ("matched", f"{m.ecosystem}/{m.matched_name} {m.version}"),
            ("vulnerability", m.id),
            ("aliases", list(m.ids[1:])),
            ("advisories", list(m.advisories)),
            ("fixed_versions", list(m.fixed)),
            ("fix_state", "fixed" if m.fixed else ("no-fix" if m.no_fix else "unknown")),
            ("cvss_score", m.score),
            ("severity_source", m.severity_source),
        ),
    )
    return dataclasses.replace(f, remediation=_remediation(m))


def not_checked_entries(result: MatchResult, image: str) -> list[dict[str, str]]:
    return [
        {
            "analyzer": "vulnerabilities",
            "image": image,
            "subject": n.subject,
            "reason": n.reason,
            "kind": n.kind,
            "packages": str(n.count),
        }
        for n in result.not_checked
    ]


def not_checked_finding(image: str, entries: Sequence[dict[str, str]]) -> Finding:
    meta = REGISTRY.get(VULN_NOT_CHECKED).meta
    total = sum(int(e.get("packages", "1")) for e in entries)
    detail = "; ".join(f"{e['subject']}: {e['reason']}" for e in entries[:5])
    more = f" (+{len(entries) - 5} more)" if len(entries) > 5 else ""
    return make_finding(
        meta,
        f"{total} package(s) in {image or 'the input'} were NOT checked for vulnerabilities: {detail}{more}",
        Resource(kind="Image" if image else "", name=image, image=image),
        Location(pointer="/packages"),
        evidence=f"not-checked {total}",
        extra=(("not_checked", list(entries)),),
    )


def section_problem(section: dict[str, Any]) -> str:
    """Why the ``vulnerabilities`` config section is invalid ("" when it is fine)."""
    unknown = set(section) - {"db", "max_age_days", "vex"}
    if unknown:
        keys = ", ".join(sorted(map(str, unknown)))
        return f"vulnerabilities: unknown key(s) {keys} (allowed: db, max_age_days, vex)"
    if "db" in section and not isinstance(section["db"], str):
        return "vulnerabilities.db must be a path"
    age = section.get("max_age_days", DEFAULT_MAX_AGE_DAYS)
    if isinstance(age, bool) or not isinstance(age, (int, float)) or age < 0:
        return "vulnerabilities.max_age_days must be a non-negative number"
    vex = section.get("vex", [])
    if not (isinstance(vex, str) or (isinstance(vex, list) and all(isinstance(v, str) for v in vex))):
        return "vulnerabilities.vex must be a file or a list of files"
    return ""


def open_store(config_section: dict[str, Any], db_override: str | Path | None = None) -> Store:
    from seawall.vulndb.store import Store, default_path

    path = Path(db_override or config_section.get("db") or default_path())
    return Store(path)


def stale_warning(store: Store, max_age_days: float) -> str | None:
    st = store.status()
    try:
        age = st.age()
    except ValueError:
        return f"vulnerability database {store.path} has no build date; run 'seawall db update'"
    if age.total_seconds() > max_age_days * 86400:
        newest = max((s.newest for s in st.sources), default="")
        return (
            f"vulnerability database is {age.days} day(s) old (built {st.built_at}, newest advisory {newest or '?'}); "
            f"run 'seawall db update' (threshold: vulnerabilities.max_age_days = {max_age_days:g})"
        )
    return None


def scan_images(
    images: Iterable[Any], store: Store | None, db_error: str = ""
) -> tuple[list[Finding], list[dict[str, str]]]:
    """Findings and not-checked entries for image inventories (``store`` None: nothing checked)."""
    from seawall.vulndb.match import Matcher

    findings: list[Finding] = []
    not_checked: list[dict[str, str]] = []
    matcher = Matcher(store) if store is not None else None
    for img in images:
        ref = str(getattr(img, "reference", "") or getattr(img, "digest", "") or "")
        packages = list(getattr(img, "packages", ()) or ())
        if matcher is None:
            entries = (
                [
                    {
                        "analyzer": "vulnerabilities",
                        "image": ref,
                        "subject": f"{len(packages)} package(s)",
                        "reason": db_error or "no vulnerability database",
                        "kind": "no-database",
                        "packages": str(len(packages)),
                    }
                ]
                if packages
                else []
            )
        else:
            result = matcher.match(packages, getattr(img, "os", None))
            findings.extend(match_finding(m, ref) for m in result.matches)
            entries = not_checked_entries(result, ref)
        if entries:
            not_checked.extend(entries)
            findings.append(not_checked_finding(ref, entries))
    return findings, not_checked


def _inventories(run: ScanRun) -> list[Any]:
    if not run.inventory.extra.get("images"):  # the image file handler's list: no image was read
        return []
    from seawall.analyzers.image import _images, inventory_for

    out = []
    for img in _images(run):
        inv = inventory_for(run, img)
        if inv is not None:
            out.append(inv)
    return out


def check_inventories(
    run: ScanRun,
    inventories: Sequence[Any],
    *,
    db: str | Path | None = None,
    vex: Sequence[str | Path] = (),
) -> list[Finding]:
    """Match image inventories and record everything on ``run`` (warnings, not-checked entries,
    VEX errors); return the findings (VEX applied). Used by the ``vulnerabilities`` analyzer of
    ``seawall scan`` and by commands that analyse one image (``seawall image``): they pass
    ``--db`` / ``--vex`` here, which override the ``vulnerabilities`` config section."""
    if not any(getattr(i, "packages", None) for i in inventories):
        return []
    section = run.config.section("vulnerabilities")
    problem = section_problem(section)
    if problem:
        raise PolicyError(problem, subject=run.config.source or ".seawall.yaml")
    store: Store | None = None
    db_error = ""
    try:
        store = open_store(section, db)
    except DatabaseError as err:
        # pip-audit's lesson: "could not look" must never read as "clean". A scan that could not
        # check any package is incomplete (exit 3), besides the not-checked entries.
        db_error = str(err)
        run.error("vulnerabilities", f"packages not checked for vulnerabilities: {err}")
    findings: list[Finding]
    try:
        if store is not None:
            max_age = float(section.get("max_age_days", DEFAULT_MAX_AGE_DAYS))
            warning = stale_warning(store, max_age)
            if warning:
                run.report.warnings.append(warning)
        findings, not_checked = scan_images(inventories, store, db_error)
    finally:
        if store is not None:
            store.close()
    run.report.not_checked.extend(not_checked)
    vex_files: list[str | Path] = list(vex)
    configured = section.get("vex") or []
    vex_files.extend([configured] if isinstance(configured, str) else [str(v) for v in configured])
    if vex_files:
        from seawall.vulndb.vex import apply_vex, load_vex

        try:
            docs = [load_vex(Path(p)) for p in vex_files]
        except SeawallError as err:
            run.error("vex", str(err))
        else:
            findings = apply_vex(findings, docs)
    return findings


@analyzer("vulnerabilities")
def vulnerabilities(run: ScanRun) -> Iterable[Finding]:
    return check_inventories(run, _inventories(run))


__all__ = ["VULN_NOT_CHECKED", "VULN_PACKAGE", "check_inventories", "match_finding", "scan_images", "vulnerabilities"]
