"""Are the images workloads deploy still fresh? (``SW-FRESH-*``, needs registry access).

Runs only when ``.seawall.yaml`` enables it, because it asks registries over the network::

    freshness:
      enabled: true
      max_age_days: 90        # SW-FRESH-004 when the deployed image was built longer ago
      eol: true               # read os-release from the layers for SW-FRESH-005 (streams them once)
      match: ["registry.example.com/*"]   # which images to look up (default: all)
      digest_lookups: 50      # HEAD requests to find the tag of a digest-only reference
      platform: linux/amd64   # which image of a multi-platform index to age-check

Registry access (plain-HTTP hosts, CA file, credentials) comes from the shared ``registries:``
section (:mod:`seawall.registries.policy`). For each distinct container image (regular, init and
ephemeral containers) :func:`seawall.freshness.check.check_freshness` answers: did the tag move
since the deployed digest (``tag@digest`` in the manifest, or a Pod's
``status.containerStatuses[].imageID``) — SW-FRESH-001; is there a newer patch (SW-FRESH-002) or
minor/major release (SW-FRESH-003) in the tag's line; how old is the image (SW-FRESH-004); is its
distribution end-of-life (SW-FRESH-005). Every finding's remediation names the exact reference to
deploy, by digest. An image whose registry could not be asked is SW-FRESH-006, never "fresh".

Mutable tags / missing digests themselves are SW-K8S-020/021, not repeated here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from seawall.engine import ScanRun, analyzer
from seawall.errors import InputError
from seawall.inventory.k8s import ContainerView, K8sObject, PodSpecView, as_dict, as_list, as_str
from seawall.model.finding import Finding, Severity
from seawall.rules.registry import declare
from seawall.sources.image.blobs import is_digest
from seawall.sources.image.reference import Reference, parse_reference

if TYPE_CHECKING:  # the registry client (http.client, ssl) and the EOL tables load once a check runs
    from seawall.freshness.check import FreshnessResult, FreshnessSettings
    from seawall.registries.policy import RegistriesConfig
    from seawall.sources.image.auth import RegistryAuth
    from seawall.sources.image.registry import RegistryClient

TAG_MOVED = "SW-FRESH-001"
NEWER_PATCH = "SW-FRESH-002"
NEWER_RELEASE = "SW-FRESH-003"
TOO_OLD = "SW-FRESH-004"
DISTRO_EOL = "SW-FRESH-005"
NOT_CHECKED = "SW-FRESH-006"
REGISTRY_SUPERSEDED = "SW-FRESH-010"

_UNREACHABLE = ("cannot reach the registry", "TLS error", "connection failed")
_REFS: dict[str, Any] = {"risk": ["3.2.2", "3.1.1"], "countermeasure": ["4.2.2", "4.1.1"]}

declare(
    id=TAG_MOVED,
    title="Deployed image is stale: its tag now points to another image",
    severity="medium",
    category="freshness",
    description=(
        "The workload pins a digest (``tag@sha256:...``, or a Pod's running imageID) but the tag now "
        "resolves to a different image in the registry: the publisher rebuilt it (typically with "
        "security fixes) and this workload still runs the old build. A digest-only reference that no "
        "tag points to any more is reported too: it is an orphaned, unmaintained build."
    ),
    remediation=(
        "Redeploy the tag's current image by digest (the finding names it), e.g. "
        "`image: registry.example.com/app:1.4.2@sha256:<current digest>`; automate it with a "
        "digest-pinning bot (Renovate `pinDigests`, Dependabot) rather than deploying the mutable tag."
    ),
    tags=["freshness", "stale"],
    **_REFS,
)
declare(
    id=NEWER_PATCH,
    title="A newer patch release of the image is available",
    severity="medium",
    category="freshness",
    description=(
        "The registry has a newer patch release in the same version line and variant as the deployed "
        "tag (1.25.3 → 1.25.5, 1.25.3-alpine → 1.25.10-alpine). Patch releases mostly carry bug and "
        "security fixes; staying behind keeps known vulnerabilities in production."
    ),
    remediation=(
        "Deploy the newest patch release by digest (the finding names the exact reference), e.g. "
        "`image: registry.example.com/app:1.25.5@sha256:<digest>`."
    ),
    tags=["freshness", "semver"],
    **_REFS,
)
declare(
    id=NEWER_RELEASE,
    title="A newer minor or major release of the image is available",
    severity="low",
    category="freshness",
    description=(
        "The registry has a newer minor (same major version) or major release of the deployed tag's "
        "line. Old lines stop receiving fixes; plan the upgrade before the line is end-of-life. Major "
        "releases are reported at info severity (they may need changes)."
    ),
    remediation=(
        "Test and deploy the newer release by digest (the finding names the exact reference), e.g. "
        "`image: registry.example.com/app:1.27.1@sha256:<digest>`."
    ),
    tags=["freshness", "semver"],
    **_REFS,
)
declare(
    id=TOO_OLD,
    title="Deployed image is older than the freshness limit",
    severity="medium",
    category="freshness",
    description=(
        "The image the workload runs was built (image config `created`) longer ago than "
        "`freshness.max_age_days` (default 90). Every fix published since is missing from it, even if "
        "no newer tag exists: rebuild regularly on a refreshed base."
    ),
    remediation=(
        "Rebuild on a fresh base and redeploy by digest: `docker build --pull --no-cache -t "
        "registry.example.com/app:1.4.3 .`, push, then `image: registry.example.com/app:1.4.3@sha256:<digest>` "
        "(or deploy the newer reference the finding names)."
    ),
    tags=["freshness", "age"],
    **_REFS,
)
declare(
    id=DISTRO_EOL,
    title="Deployed image's distribution is end-of-life",
    severity="high",
    category="freshness",
    description=(
        "The distribution release inside the deployed image (from its os-release files, dates from "
        "seawall's end-of-life table) no longer receives security updates, or only LTS updates (low "
        "severity). Vulnerabilities found in it from now on will not be fixed."
    ),
    remediation=(
        "Rebuild on a supported release of the base image (e.g. `FROM debian:12-slim`, `alpine:3.22`, "
        "`ubuntu:24.04`) and deploy the result by digest."
    ),
    tags=["freshness", "eol"],
    **_REFS,
)
declare(
    id=NOT_CHECKED,
    title="Image freshness could not be checked",
    severity="low",
    category="freshness",
    description=(
        "Freshness checks are enabled but the image's registry could not be asked (network, TLS, "
        "authentication, or a malformed answer). Its freshness is unknown, not good."
    ),
    remediation=(
        "Make the registry reachable from the scan: `registries.ca_file` for a private CA, "
        "`registries.insecure: [host:port]` for plain HTTP, `registries.docker_config` for credentials; "
        "or exclude it with `freshness.match`."
    ),
    tags=["freshness", "coverage"],
    **_REFS,
)
declare(
    id=REGISTRY_SUPERSEDED,
    title="Stale image in the registry: superseded by a newer release of its line",
    severity="low",
    category="freshness",
    description=(
        "`seawall registry scan` found a tag that is not the newest release of its version line "
        "(a newer patch of the same major.minor and variant exists). Superseded images stay pullable "
        "and raise the chance that someone deploys a vulnerable version. (Whether an image is still "
        "pulled cannot be known from the distribution API; old images are reported by SW-IMG-013.)"
    ),
    remediation=(
        "Prune superseded tags by a retention policy (Harbor tag retention, ECR lifecycle rules, or "
        "`regctl tag delete registry.example.com/app:1.25.3`), or keep them deliberately and ignore "
        "this rule for that repository in .seawall.yaml."
    ),
    tags=["freshness", "registry"],
    risk=["3.2.2"],
    countermeasure=["4.2.2"],
)


def _status_digests(obj: K8sObject) -> dict[str, str]:
    """container name -> running digest from a Pod's status (``imageID``), when present."""
    if obj.kind != "Pod":
        return {}
    status = as_dict(obj.data.get("status"))
    out: dict[str, str] = {}
    for key in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
        for st in as_list(status.get(key)):
            s = as_dict(st)
            image_id = as_str(s.get("imageID"))
            if "@" in image_id:
                digest = image_id.rsplit("@", 1)[1]
                if is_digest(digest):
                    out[as_str(s.get("name"))] = digest
    return out


_Item = tuple[PodSpecView, ContainerView, Reference, str]


def _containers(run: ScanRun, settings: FreshnessSettings) -> Iterator[_Item]:
    for view in run.inventory.workloads:
        running = _status_digests(view.owner)
        for c in view.iter_all():
            raw = c.image.strip()
            if not raw:
                continue
            try:
                ref = parse_reference(raw, default_tag="latest")
            except InputError:
                continue
            if settings.applies(ref):
                yield view, c, ref, running.get(c.name, "")


class _Clients:
    def __init__(self, cfg: RegistriesConfig) -> None:
        self.cfg = cfg
        self.auth: RegistryAuth | None = None
        self._clients: dict[tuple[str, bool], RegistryClient] = {}

    def get(self, ref: Reference) -> RegistryClient:
        key = (ref.api_host, self.cfg.is_insecure(ref))
        if key not in self._clients:
            if self.auth is None:
                self.auth = self.cfg.scanned_image_auth()
            self._clients[key] = self.cfg.client(ref, self.auth)
        return self._clients[key]

    def close(self) -> None:
        for c in self._clients.values():
            c.close()


def _days(n: int | None) -> str:
    return "unknown" if n is None else f"{n} day(s)"


def findings_for(
    run: ScanRun, obj: K8sObject, c: ContainerView, res: FreshnessResult, settings: FreshnessSettings
) -> list[Finding]:
    """The SW-FRESH findings for one container from its freshness result."""
    ptr = c.ptr("image")
    if obj.pointer and ptr.startswith(obj.pointer):
        ptr = ptr[len(obj.pointer) :]
    ref = res.reference
    out: list[Finding] = []

    def add(rule: str, msg: str, remediation: str = "", severity: Severity | None = None) -> None:
        f = run.object_finding(rule, obj, msg, ptr, container=c.name, evidence=c.image, severity=severity)
        if f is None:
            return
        if remediation:
            f = dataclasses.replace(f, remediation=remediation)
        out.append(f)

    who = f"container {c.name!r}"
    if not res.checked:
        add(NOT_CHECKED, f"{who}: freshness of {c.image} could not be checked: {res.reason}")
        return out
    order = ("patch", "minor", "major")
    newest = max(res.upgrades, key=lambda u: order.index(u.level), default=None)
    nearest = min(res.upgrades, key=lambda u: order.index(u.level), default=None)
    fallback = newest.reference(ref) if newest else ""
    if res.tag_moved:
        add(
            TAG_MOVED,
            f"{who}: tag {ref.name}:{res.tag} now points to {res.tag_digest}, "
            f"the deployed {res.deployed_digest} is stale",
            f"Deploy the tag's current image by digest:\n  image: {res.current_reference}",
        )
    elif res.orphaned:
        add(
            TAG_MOVED,
            f"{who}: no tag of {ref.name} points to the deployed {res.deployed_digest} any more (orphaned build)",
            "Pick the current release of the image and deploy it by digest (list tags with `skopeo list-tags "
            f"docker://{ref.name}`), e.g. image: {ref.name}:<tag>@sha256:<digest>",
        )
    for up in res.upgrades:
        target = up.reference(ref)
        if up.level == "patch":
            add(
                NEWER_PATCH,
                f"{who}: {ref.name}:{res.tag} has a newer patch release {up.tag} ({up.digest})",
                f"Deploy the newest patch release by digest:\n  image: {target}",
            )
        else:
            add(
                NEWER_RELEASE,
                f"{who}: {ref.name}:{res.tag} has a newer {up.level} release {up.tag} ({up.digest})",
                f"Test and deploy the newer {up.level} release by digest:\n  image: {target}",
                severity=Severity.INFO if up.level == "major" else None,
            )
    if res.age_days is not None and res.created is not None and res.age_days > settings.max_age_days:
        deploy = res.current_reference if res.tag_moved else nearest.reference(ref) if nearest else ""
        add(
            TOO_OLD,
            f"{who}: image {res.image_digest[:19]}… was built {res.age_days} days ago "
            f"({res.created.date().isoformat()}), more than freshness.max_age_days = {settings.max_age_days}",
            (
                f"Deploy a newer build by digest:\n  image: {deploy}"
                if deploy
                else "Rebuild the image on a fresh base (`docker build --pull --no-cache ...`), push it and deploy it "
                f"by digest: image: {ref.name}:<new tag>@sha256:<digest>"
            ),
        )
    if res.eol_state and res.os is not None and res.eol is not None:
        when = (
            "is older than every release in the table"
            if res.eol.older_than_table
            else (
                f"reached end of life on {res.eol.eol}"
                if res.eol_state == "eol"
                else f"left regular security support on {res.eol.security}; only LTS updates until {res.eol.eol}"
            )
        )
        add(
            DISTRO_EOL,
            f"{who}: image {c.image} runs {res.os.display()}, which {when}",
            (
                f"Deploy a newer release by digest if it moved to a supported base:\n  image: {fallback}\n"
                "otherwise rebuild on a supported release (e.g. FROM debian:12-slim) and deploy it by digest"
            )
            if fallback
            else "Rebuild on a supported release of the base image (e.g. FROM debian:12-slim, "
            "alpine:3.22, ubuntu:24.04) and deploy the result by digest",
            severity=Severity.LOW if res.eol_state == "lts" else None,
        )
    return out


@analyzer("freshness")
def freshness(run: ScanRun) -> Iterable[Finding]:
    section = run.config.section("freshness")
    if not section:
        return []
    # imported here, not with the rules: most scans have no ``freshness:`` section
    from concurrent.futures import ThreadPoolExecutor

    from seawall.freshness.check import FreshnessResult, check_freshness, parse_freshness_section
    from seawall.registries.policy import registries_config

    subject = run.config.source or ".seawall.yaml"
    settings = parse_freshness_section(section, subject)
    if not settings.enabled:
        return []
    items = list(_containers(run, settings))
    if not items:
        return []
    clients = _Clients(registries_config(run.config))
    today = run.config.today
    keys = sorted({(str(ref), digest) for _, _, ref, digest in items})
    by_key = {(str(ref), digest): ref for _, _, ref, digest in items}
    try:
        # build clients first (single-threaded), then ask the registries concurrently
        for k in keys:
            clients.get(by_key[k])
        down: dict[str, str] = {}  # host -> why it cannot be reached: do not wait on it once per image

        def check(k: tuple[str, str]) -> FreshnessResult:
            ref = by_key[k]
            if ref.api_host in down:
                return FreshnessResult(ref, checked=False, reason=down[ref.api_host])
            res = check_freshness(ref, clients.get(ref), settings, deployed_digest=k[1], today=today)
            if not res.checked and any(s in res.reason for s in _UNREACHABLE):
                down.setdefault(ref.api_host, res.reason)
            return res

        with ThreadPoolExecutor(max_workers=min(4, len(keys))) as pool:
            futures = {k: pool.submit(check, k) for k in keys}
            results = {k: f.result() for k, f in futures.items()}
    finally:
        clients.close()
        for note in clients.auth.notes if clients.auth is not None else ():
            if note not in run.report.warnings:  # e.g. why environment credentials were not sent
                run.report.warnings.append(note)
    findings: list[Finding] = []
    for view, c, ref, digest in items:
        res = results[(str(ref), digest)]
        for note in res.notes:
            if f"freshness: {note}" not in run.report.warnings:
                run.report.warnings.append(f"freshness: {note}")
        if not res.checked:
            run.report.not_checked.append(
                {"analyzer": "freshness", "subject": str(ref), "reason": res.reason, "kind": "registry"}
            )
        findings.extend(findings_for(run, view.owner, c, res, settings))
    return findings
