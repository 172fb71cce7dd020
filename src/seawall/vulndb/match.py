"""Match installed packages against the advisory database.

Rules (what makes results trustworthy, in the order they apply):

* **Distro packages** (Debian, Ubuntu, Alpine, AlmaLinux, Rocky, Wolfi...) are matched only
  against their own distribution *release* (``Debian:12``, ``Alpine:v3.20``), by **source**
  package (Debian/Ubuntu ``Source:``, Alpine origin), and reported on the binary package. They
  are never matched against upstream ranges (PyPI, npm...): distributions backport fixes
  without changing the upstream version.
* A package is **not checked** -- reported, never silently clean -- when its distro release has
  no data in the database, its ecosystem has no data or no comparator, or its version cannot be
  parsed in its ecosystem.
* OSV semantics: ``ECOSYSTEM`` and ``SEMVER`` ranges with ``introduced``/``fixed``/
  ``last_affected``/``limit`` events; explicit ``versions`` lists; ``GIT`` ranges ignored;
  withdrawn advisories never reach the database. A range whose event versions cannot be parsed
  (some PYSEC records carry commit hashes as ``fixed``) is undecidable and falls back to the
  ``versions`` list rather than guessing.
* Advisories about the same vulnerability (aliases: CVE, GHSA, PYSEC, DSA, DEBIAN-CVE...) are
  merged into one :class:`Match` listing every id; severity is the highest CVSS base score
  among them (computed from the vectors), else the sources' own rating; fixed versions go to
  the remediation; "affected, no fix yet" is its own state.

The input is any object with the attributes of :class:`PackageLike` (the catalogers'
``seawall.inventory.packages.model.Package`` fits) and an optional :class:`DistroLike`
(``seawall.inventory.osrelease.OSRelease`` fits).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from seawall import versions
from seawall.errors import VersionError
from seawall.model.finding import Severity
from seawall.versions import semver
from seawall.vulndb.cvss import base_score, rating_severity, severity_for
from seawall.vulndb.store import AffectedRow, Store

#: OSV ecosystems that are Linux distributions (matched per release, by source package).
DISTRO_ECOSYSTEMS = frozenset(
    {"Debian", "Ubuntu", "Alpine", "AlmaLinux", "Rocky Linux", "Red Hat", "Wolfi", "Chainguard", "openSUSE",
     "SUSE", "Mageia", "Photon OS", "openEuler", "Azure Linux", "CentOS", "Fedora", "Oracle Linux", "Amazon Linux",
     "Mariner", "RPM"}
)
#: Distros whose advisories name the source package (binary packages are reported).
_BY_SOURCE = frozenset({"Debian", "Ubuntu", "Alpine", "Wolfi", "Chainguard"})
#: Distros whose advisories name binary packages (looked up by binary, then source name).
_BY_BINARY = ("AlmaLinux", "Rocky Linux", "Red Hat", "openSUSE", "SUSE", "Mageia", "Photon OS", "openEuler",
              "Azure Linux", "CentOS", "Fedora", "Oracle Linux", "Amazon Linux", "Mariner", "RPM")


class PackageLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def ecosystem(self) -> str: ...
    @property
    def purl(self) -> str: ...
    @property
    def source_name(self) -> str: ...
    @property
    def source_version(self) -> str: ...


class DistroLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def version_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SimplePackage:
    """A minimal :class:`PackageLike` (SBOM input, tests, the benchmark)."""

    name: str
    version: str
    ecosystem: str
    purl: str = ""
    source_name: str = ""
    source_version: str = ""


@dataclass(frozen=True, slots=True)
class Distro:
    id: str
    version_id: str


def distro_ecosystems(distro: DistroLike | None) -> tuple[str, ...]:
    """The OSV ecosystem names of a distro release, most specific first; () if unknown.

    ``debian 12`` -> ``Debian:12``; ``alpine 3.20.3`` -> ``Alpine:v3.20``; ``ubuntu 22.04`` ->
    ``Ubuntu:22.04`` and osv.dev's ``Ubuntu:22.04:LTS``; ``almalinux 9.4`` -> ``AlmaLinux:9``.
    """
    if distro is None:
        return ()
    did, ver = (distro.id or "").lower(), (distro.version_id or "").strip()
    major = ver.split(".")[0]
    if did == "debian" and major.isdigit():
        return (f"Debian:{major}",)
    if did == "ubuntu" and ver:
        return (f"Ubuntu:{ver}", f"Ubuntu:{ver}:LTS")
    if did == "alpine" and ver:
        if "_alpha" in ver or ver == "edge":  # edge snapshots: VERSION_ID like 3.21.0_alpha20240807
            return ("Alpine:edge",)
        return (f"Alpine:v{'.'.join(ver.split('.')[:2])}",)
    if did == "almalinux" and major.isdigit():
        return (f"AlmaLinux:{major}",)
    if did == "rocky" and major.isdigit():
        return (f"Rocky Linux:{major}",)
    if did == "wolfi":
        return ("Wolfi",)
    if did == "chainguard":
        return ("Chainguard",)
    return ()


@dataclass(frozen=True, slots=True)
class Match:
    """One vulnerability (all its aliases) affecting one installed package."""

    package: Any  # the PackageLike given
    ids: tuple[str, ...]  # primary first (CVE when there is one), then every other id and alias
    advisories: tuple[str, ...]  # the database records that matched
    ecosystem: str  # where it matched: "Debian:12", "PyPI"
    matched_name: str  # the name looked up (the source package for distro packages)
    version: str  # the version compared
    fixed: tuple[str, ...]  # fixed versions (ascending); empty: no fix known
    no_fix: bool  # the source says affected and not fixed (yet)
    severity: Severity
    severity_source: str  # "CVSS 3.1 9.8 (CVSS:3.1/...)", "source rating: high", "unknown"
    score: float | None
    summary: str
    url: str

    @property
    def id(self) -> str:
        return self.ids[0]


@dataclass(frozen=True, slots=True)
class NotChecked:
    """Packages that could not be checked, and why (reported in ``report.not_checked``)."""

    subject: str  # "openssl 3.0.11-1~deb12u2", or "Debian 13 (214 packages)"
    reason: str
    kind: str  # "unknown-release" | "no-data" | "bad-version" | "no-comparator"
    count: int = 1


@dataclass(slots=True)
class MatchResult:
    matches: list[Match] = field(default_factory=list)
    not_checked: list[NotChecked] = field(default_factory=list)
    checked: int = 0

    @property
    def not_checked_packages(self) -> int:
        return sum(n.count for n in self.not_checked)


# -- range evaluation ---------------------------------------------------------------------------
class _Undecidable(Exception):
    pass


def _evaluate(cmp: versions.Comparator, v: str, events: list[list[str]]) -> tuple[bool, list[str]]:
    """Is ``v`` inside this OSV range? Also returns the range's fixed versions above ``v``.

    Equivalent to OSV's "sort events, replay them" algorithm without sorting: the state after
    the replay is decided by the greatest event that ``v`` has reached.
    """
    best: list[str] | None = None  # the reached event with the greatest version
    fixed_above: list[str] = []
    limits: list[str] = []
    for kind, ver in events:
        try:
            if kind == "x":
                limits.append(ver)
                continue
            if kind == "i" and ver == "0":
                reached, c = True, 1
            else:
                c = cmp(v, ver)
                reached = c > 0 if kind == "l" else c >= 0
            if kind == "f" and c < 0:
                fixed_above.append(ver)
            if not reached:
                continue
            if best is None:
                best = [kind, ver]
                continue
            if best[1] == "0" and best[0] == "i":
                order = -1 if ver != "0" else 0
            elif kind == "i" and ver == "0":
                order = 1
            else:
                order = cmp(best[1], ver)
            if order < 0 or (order == 0 and kind != "i"):
                best = [kind, ver]
        except VersionError as err:
            raise _Undecidable(str(err)) from None
    affected = best is not None and best[0] == "i"
    if affected and limits:
        try:
            affected = any(lim == "*" or cmp(v, lim) < 0 for lim in limits)
        except VersionError as err:
            raise _Undecidable(str(err)) from None
    return affected, fixed_above


@dataclass(slots=True)
class _Hit:
    row: AffectedRow
    fixed: list[str]
    no_fix: bool


#: ``ecosystem_specific.status`` values meaning "affected and not fixed" (Debian, Wolfi feeds).
_UNFIXED_STATUS = frozenset({"unfixed", "end-of-life", "ignored", "postponed", "pending-upstream-fix",
                             "fix-not-planned", "true-positive-determination"})


def _check_row(row: AffectedRow, cmp: versions.Comparator, v: str) -> _Hit | None:
    for rtype, events in row.ranges:
        fn = semver.compare if rtype == "S" else cmp
        try:
            affected, fixed_above = _evaluate(fn, v, events)
        except _Undecidable:
            continue  # e.g. a commit hash as "fixed": only the versions list can decide
        if affected:
            # "no fix yet" only when the range is open-ended (a last_affected/limit bound means a
            # later release is fine even if the advisory does not name it) or the source says so
            open_ended = not fixed_above and not any(k in ("l", "x") for k, _v in events)
            return _Hit(row, fixed_above, no_fix=open_ended or row.status in _UNFIXED_STATUS)
    if row.versions and v in row.versions:
        return _Hit(row, [], no_fix=row.status in _UNFIXED_STATUS)
    return None


def _primary_sort_key(i: str) -> tuple[int, str]:
    """CVE first, then GHSA, then the rest (PYSEC, DSA, DEBIAN-CVE...), each alphabetically."""
    return (0 if i[:4] == "CVE-" else 1 if i[:5] == "GHSA-" else 2, i)


class Matcher:
    """Matches packages against one opened :class:`Store`. Reuse it across images."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.known = store.known_ecosystems()
        self._known_bases = frozenset(e.split(":", 1)[0] for e in self.known)

    def match(self, packages: Iterable[PackageLike], distro: DistroLike | None = None) -> MatchResult:
        result = MatchResult()
        distro_ecos = tuple(e for e in distro_ecosystems(distro) if e in self.known)
        unknown_release: dict[str, int] = {}
        no_data: dict[str, int] = {}
        pending: list[tuple[PackageLike, str, list[_Hit], versions.Comparator]] = []
        for pkg in packages:
            base = versions.base_ecosystem(pkg.ecosystem or "")
            if not base:
                no_data["(no ecosystem)"] = no_data.get("(no ecosystem)", 0) + 1
                continue
            if base in DISTRO_ECOSYSTEMS:
                ecos = tuple(e for e in distro_ecos if versions.base_ecosystem(e) == base)
                if not ecos:
                    label = _distro_label(distro, base)
                    unknown_release[label] = unknown_release.get(label, 0) + 1
                    continue
                # (name, version) lookups: the source package first for distros whose advisories
                # name it; Ubuntu USN data and RPM distros also name binary packages
                lookups = [(pkg.source_name or pkg.name, pkg.source_version or pkg.version)] if (
                    base in _BY_SOURCE) else [(pkg.name, pkg.version)]
                if base in ("Ubuntu", *_BY_BINARY) and pkg.source_name and pkg.source_name != pkg.name:
                    lookups.append((pkg.name, pkg.version) if base == "Ubuntu" else (pkg.source_name, pkg.version))
            else:
                if base not in self._known_bases:
                    no_data[base] = no_data.get(base, 0) + 1
                    continue
                ecos = (base,)
                lookups = [(pkg.name, pkg.version)]
            if not versions.supported(base):
                result.not_checked.append(NotChecked(f"{pkg.name} {pkg.version}",
                                                     f"no version comparator for {base}", "no-comparator"))
                continue
            cmp = versions.comparator(base)
            try:
                for _name, v in lookups:
                    versions.check_length(v)
                    cmp(v, v)
            except VersionError as err:
                result.not_checked.append(NotChecked(f"{pkg.name} {pkg.version}", str(err), "bad-version"))
                continue
            result.checked += 1
            hits: list[_Hit] = []
            seen: set[str] = set()
            version = lookups[0][1]
            for eco in ecos:
                for name, v in lookups:
                    for row in self.store.affected(eco, name):
                        if row.advisory in seen:
                            continue
                        hit = _check_row(row, cmp, v)
                        if hit is not None:
                            seen.add(row.advisory)
                            hits.append(hit)
            if hits:
                pending.append((pkg, version, hits, cmp))
        self.store.prefetch(h.row.advisory for p in pending for h in p[2])
        for pkg, version, hits, cmp in pending:
            result.matches.extend(self._merge(pkg, version, hits, cmp))
        for label, n in sorted(unknown_release.items()):
            result.not_checked.append(NotChecked(
                f"{label} ({n} package{'s' if n != 1 else ''})",
                "this distribution release has no advisories in the database", "unknown-release", n))
        for base, n in sorted(no_data.items()):
            result.not_checked.append(NotChecked(
                f"{base} ({n} package{'s' if n != 1 else ''})",
                f"the database has no {base} advisories", "no-data", n))
        return result

    def _merge(self, pkg: PackageLike, version: str, hits: list[_Hit], cmp: versions.Comparator) -> list[Match]:
        advs = {h.row.advisory: self.store.advisory(h.row.advisory) for h in hits}
        # group advisories that share any id or alias (transitively)
        groups: dict[str, list[_Hit]] = {}
        if len(hits) == 1:
            groups[hits[0].row.advisory] = hits
        else:
            owner: dict[str, int] = {}
            members_of: dict[int, list[_Hit]] = {}
            for n, h in enumerate(hits):
                adv = advs[h.row.advisory]
                adv_ids = (adv.id, *adv.aliases)
                found = {owner[i] for i in adv_ids if i in owner}
                members_of[n] = [h]
                for g in found:  # merge earlier groups into this one
                    for m in members_of.pop(g):
                        members_of[n].append(m)
                        a2 = advs[m.row.advisory]
                        for i in (a2.id, *a2.aliases):
                            owner[i] = n
                for i in adv_ids:
                    owner[i] = n
            groups = {str(k): v for k, v in members_of.items()}
        out: list[Match] = []
        for members in groups.values():
            ids: set[str] = set()
            for h in members:
                a = advs[h.row.advisory]
                ids.add(a.id)
                ids.update(a.aliases)
            ordered = tuple(sorted(ids, key=_primary_sort_key))
            fixed: list[str] = []
            for h in members:
                for f in h.fixed:
                    if f not in fixed:
                        fixed.append(f)
            if len(fixed) > 1:
                try:
                    fixed.sort(key=_cmp_key(cmp))
                except VersionError:
                    pass
            no_fix = not fixed and all(h.no_fix for h in members)
            sev, source, score = self._severity([advs[h.row.advisory] for h in members], [h.row for h in members])
            first = advs[members[0].row.advisory]
            summary = next((advs[h.row.advisory].summary for h in members if advs[h.row.advisory].summary), "")
            out.append(Match(
                package=pkg, ids=ordered, advisories=tuple(sorted(advs[h.row.advisory].id for h in members)),
                ecosystem=members[0].row.ecosystem, matched_name=members[0].row.name, version=version,
                fixed=tuple(fixed), no_fix=no_fix, severity=sev, severity_source=source, score=score,
                summary=summary, url=first.url,
            ))
        return out

    @staticmethod
    def _severity(advs: list[Any], rows: list[AffectedRow]) -> tuple[Severity, str, float | None]:
        best: tuple[float, str] | None = None
        for a in advs:
            cvss = _best_cvss(a.severity)
            if cvss is not None and (best is None or cvss[0] > best[0]):
                best = cvss
        if best is not None:
            return severity_for(best[0]), best[1], best[0]
        ratings = [r for r in [*(a.rating for a in advs), *(r.rating for r in rows)] if r]
        sevs = [(rating_severity(r), r) for r in ratings]
        known = [(s, r) for s, r in sevs if s is not None]
        if known:
            s, r = max(known, key=lambda t: t[0])
            return s, f"source rating: {r}", None
        return Severity.MEDIUM, "unknown (no CVSS vector or rating in the advisory)", None


@functools.lru_cache(maxsize=65536)
def _best_cvss(severity: tuple[tuple[str, str], ...]) -> tuple[float, str] | None:
    """The highest CVSS base score among an advisory's vectors, with a description."""
    best: tuple[float, str] | None = None
    for _type, vector in severity:
        sc = base_score(vector)
        if sc is not None and (best is None or sc.base > best[0]):
            best = (sc.base, f"CVSS {sc.version} {sc.base} ({sc.vector})")
    return best


def _cmp_key(cmp: versions.Comparator) -> Any:
    return functools.cmp_to_key(cmp)


def _distro_label(distro: DistroLike | None, base: str) -> str:
    if distro is None:
        return f"{base} (distribution release unknown)"
    return f"{distro.id} {distro.version_id}".strip()


def match_packages(store: Store, packages: Iterable[PackageLike], distro: DistroLike | None = None) -> MatchResult:
    """Convenience wrapper: ``Matcher(store).match(packages, distro)``."""
    return Matcher(store).match(packages, distro)
