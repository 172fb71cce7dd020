"""Rules on the image configuration and build history (no file content needed).

Why these: NIST SP 800-190 4.1.2 asks that images run as a non-privileged user, ship no remote
administration (SSH) and come from trusted, minimal, regularly refreshed bases; 4.2.2 asks to
deploy by immutable names and to prune stale images. Everything here is read from the image
config, so it holds whatever Dockerfile (or other builder) produced the image.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from seawall.rules.image.subject import TARGET, ImageSubject, capped, violation
from seawall.rules.registry import Violation, rule

DEFAULT_MAX_AGE_DAYS = 365


@rule(
    id="SW-IMG-001",
    title="Image runs as root",
    severity="medium",
    category="image",
    description="""The image config sets no USER, or USER 0 / root: every container started from it
    runs as root unless the orchestrator overrides it, so a compromise of the process is a
    compromise of root inside the container (and one step from the host with any other flaw).""",
    remediation="""
# Dockerfile: create an unprivileged user and switch to it as the last USER
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin app
USER 10001:10001
""",
    risk=["3.1.2", "3.4.3"],
    countermeasure=["4.1.2", "4.4.3"],
    target=TARGET,
    tools={"hadolint": "DL3002", "checkov": "CKV_DOCKER_3", "trivy": "DS-0002"},
)
def runs_as_root(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    user = img.runtime.get("User")
    user = user.strip() if isinstance(user, str) else ""
    name = user.split(":", 1)[0]
    if not name:
        yield violation("image config sets no USER: containers run as root", path="config.User")
    elif name in ("0", "root"):
        yield violation(f"image config sets USER {user}: containers run as root", path="config.User", evidence=user)


#: ``\s*`` only after ``file:``/``dir:``: ``ADD\s+(?:file:|dir:)?\s*`` split a run of blanks two
#: ways at every position (a history line of 'ADD' and a million spaces: hours of backtracking)
_ADD_URL = re.compile(r"(?:^|\s|#\(nop\)\s*)ADD\s+(?:--\S+\s+)*(?:(?:file:|dir:)\s*)?(https?://\S+)", re.IGNORECASE)


@rule(
    id="SW-IMG-005",
    title="Build history adds files from a remote URL",
    severity="medium",
    category="image",
    description="""A build step used ADD with an http(s) URL: the content was fetched at build time
    without a checksum, so what went into the image depends on a remote server on that day.""",
    remediation="""
# Dockerfile: download with a pinned checksum instead of ADD <url>
ADD --checksum=sha256:<digest> https://example.com/tool.tar.gz /tmp/
# or
RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz \\
 && echo "<sha256>  /tmp/tool.tgz" | sha256sum -c -
""",
    risk=["3.1.2", "3.1.5"],
    countermeasure=["4.1.2", "4.1.5"],
    target=TARGET,
    tools={"hadolint": "DL3020", "checkov": "CKV_DOCKER_4", "trivy": "DS-0005"},
)
def add_remote_url(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    return capped(_add_remote_url(img), "build steps adding remote URLs")


def _add_remote_url(img: ImageSubject) -> Iterator[Violation]:
    for h in img.history():
        m = _ADD_URL.search(h.created_by)
        if m and "--checksum" not in h.created_by:
            yield violation(
                f"history step {h.index + 1} adds {m.group(1)[:200]} from a remote URL without a checksum",
                path=f"history[{h.index}].created_by", layer=h.layer, evidence=m.group(1)[:200],
            )


@rule(
    id="SW-IMG-006",
    title="Image reference uses the latest tag or no tag",
    severity="low",
    category="immutability",
    description="""The image was referenced by the mutable tag `latest` (or no tag, which means
    latest) and no digest: the same name will point at other content tomorrow, so a scan result
    cannot be tied to what is deployed.""",
    remediation="""
# reference images by version and digest
docker pull registry.example.com/app:1.4.2@sha256:<digest>
""",
    risk=["3.2.2"],
    countermeasure=["4.2.2"],
    target=TARGET,
    tools={"hadolint": "DL3007", "trivy": "DS-0001"},
)
def latest_tag(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    if img.source == "registry":
        ref = img.reference
        if "@" in ref:
            return
        last = ref.rsplit("/", 1)[-1]
        if ":" not in last:
            yield violation(f"image reference {ref!r} has no tag (means latest)", path="reference", evidence=ref)
        elif last.rsplit(":", 1)[1] == "latest":
            yield violation(f"image reference {ref!r} uses the mutable tag 'latest'", path="reference", evidence=ref)
    elif img.repo_tags and all(t.endswith(":latest") for t in img.repo_tags):
        tags = ", ".join(img.repo_tags)
        yield violation(f"image is tagged only with 'latest' ({tags})", path="RepoTags", evidence=tags)


@rule(
    id="SW-IMG-007",
    title="Image has no HEALTHCHECK",
    severity="low",
    category="image",
    description="""The image config defines no HEALTHCHECK (or disables it), so a container that
    hangs keeps receiving traffic unless the orchestrator probes it.""",
    remediation="""
# Dockerfile
HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/healthcheck"]
""",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=TARGET,
    tools={"checkov": "CKV_DOCKER_2", "trivy": "DS-0026"},
)
def no_healthcheck(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    hc = img.runtime.get("Healthcheck")
    test = hc.get("Test") if isinstance(hc, Mapping) else None
    if not isinstance(test, list) or not test:
        yield violation("image config defines no HEALTHCHECK", path="config.Healthcheck")
    elif test[0] == "NONE":
        yield violation("image config disables the HEALTHCHECK (NONE)", path="config.Healthcheck", evidence="NONE")


@rule(
    id="SW-IMG-011",
    title="Image exposes port 22 (SSH)",
    severity="high",
    category="image",
    description="""The image declares port 22 as exposed: containers should not be administered
    over SSH; use the orchestrator's exec and logs instead.""",
    remediation="""
# Dockerfile: remove the line
EXPOSE 22
""",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=TARGET,
    tools={"checkov": "CKV_DOCKER_1", "trivy": "DS-0004"},
)
def exposes_ssh(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    return capped(_exposes_ssh(img), "port 22 entries")


def _exposes_ssh(img: ImageSubject) -> Iterator[Violation]:
    ports = img.runtime.get("ExposedPorts")
    if not isinstance(ports, Mapping):
        return
    for port in ports:
        if str(port).split("/", 1)[0] == "22":
            yield violation(f"image exposes {port}", path=f"config.ExposedPorts.{port}", evidence=str(port))


def parse_created(text: str) -> dt.datetime | None:
    """RFC 3339 with up to nanoseconds (Go writes 9 fraction digits, Python parses 6)."""
    m = re.match(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$", text.strip())
    if not m:
        return None
    tz = m.group(2) or "Z"
    try:
        return dt.datetime.fromisoformat(m.group(1) + ("+00:00" if tz == "Z" else tz))
    except ValueError:
        return None


@rule(
    id="SW-IMG-013",
    title="Image is older than the allowed age",
    severity="medium",
    category="freshness",
    description="""The image was built longer ago than `image.max_age_days` (default 365): its
    packages miss every fix published since. Rebuild regularly on a refreshed base.""",
    remediation="""
# rebuild on a fresh base and redeploy, e.g. in CI on a schedule
docker build --pull --no-cache -t registry.example.com/app:1.4.3 .
""",
    risk=["3.2.2", "3.1.1"],
    countermeasure=["4.2.2", "4.1.1"],
    target=TARGET,
)
def too_old(img: ImageSubject, ctx: Any) -> Iterable[Violation]:
    created = img.config.get("created")
    when = parse_created(created) if isinstance(created, str) else None
    if when is None or when.year < 1990:  # reproducible builds write the epoch: age unknown
        return
    limit = img.settings.get("max_age_days", DEFAULT_MAX_AGE_DAYS)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        limit = DEFAULT_MAX_AGE_DAYS
    age = (img.today - when.date()).days
    if age > limit:
        yield violation(
            f"image was built {age} days ago ({when.date().isoformat()}), more than {limit} days",
            path="created", evidence=str(created),
        )
