"""FROM lines and stages: tags, digests, trusted registries, stage aliases, instruction order."""

from __future__ import annotations

from collections.abc import Iterator

from seawall.dockerfile.parser import Dockerfile
from seawall.rules.dockerfile.common import DockerfileContext
from seawall.rules.registry import Violation, rule

T = "dockerfile"


def _tag_digest(image: str) -> tuple[str, str]:
    """(tag, digest) as written: no default tag filled in; unparsable references give ("?", "")."""
    from seawall.sources.image.reference import parse_reference

    try:
        ref = parse_reference(image, default_tag="")
    except Exception:
        return "?", ""
    return ref.tag, ref.digest


def _external_stages(df: Dockerfile) -> Iterator[tuple[int, str]]:
    """(line, image) of FROM lines that pull an image (not scratch, not a previous stage)."""
    names: set[str] = set()
    for st in df.stages:
        base = st.base
        if base and base.lower() != "scratch" and base.lower() not in names and "$" not in base:
            yield st.line, base
        if st.name:
            names.add(st.name.lower())


@rule(
    id="SW-DF-001",
    title="Base image uses the latest tag",
    severity="medium",
    category="dockerfile",
    description="FROM ...:latest is a moving target: builds are not reproducible and may silently pick up "
    "a different, unscanned image.",
    remediation="FROM debian:12.7-slim   # a specific version tag (and a digest)",
    risk=["3.2.2"],
    countermeasure=["4.2.2"],
    target=T,
    tools={"hadolint": "DL3007"},
)
def latest_tag(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for line, image in _external_stages(df):
        if _tag_digest(image)[0] == "latest":
            yield Violation(f"base image {image} uses the 'latest' tag", line=line, evidence=image)


@rule(
    id="SW-DF-002",
    title="Base image has no tag",
    severity="medium",
    category="dockerfile",
    description="FROM without a tag means 'latest'.",
    remediation="FROM debian:12.7-slim",
    risk=["3.2.2"],
    countermeasure=["4.2.2"],
    target=T,
    tools={"hadolint": "DL3006"},
)
def no_tag(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for line, image in _external_stages(df):
        tag, digest = _tag_digest(image)
        if not tag and not digest:
            yield Violation(f"base image {image} has no tag (defaults to latest)", line=line, evidence=image)


@rule(
    id="SW-DF-003",
    title="Base image not pinned by digest",
    severity="low",
    category="dockerfile",
    description="Tags are mutable; only a digest guarantees the base image you scanned is the one you build on "
    "(NIST SP 800-190 4.2.2: immutable names).",
    remediation="FROM debian:12.7-slim@sha256:<digest>   # resolve with: skopeo inspect docker://debian:12.7-slim",
    risk=["3.2.2", "3.1.5"],
    countermeasure=["4.2.2", "4.1.5"],
    target=T,
)
def no_digest(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for line, image in _external_stages(df):
        if not _tag_digest(image)[1]:
            yield Violation(f"base image {image} is not pinned by digest", line=line, evidence=image)


@rule(
    id="SW-DF-004",
    title="Base image from a registry that is not trusted",
    severity="high",
    category="dockerfile",
    description="Images may only come from the registries listed in .seawall.yaml (registries.allowed, globs "
    "over registry/repository). Only checked when that list is set.",
    remediation="FROM registry.example.com/base/debian:12   # a registry on the allow-list",
    risk=["3.1.5"],
    countermeasure=["4.1.5"],
    target=T,
    tools={"hadolint": "DL3026"},
)
def untrusted_registry(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    from seawall.registries.policy import allowed_by
    from seawall.sources.image.reference import parse_reference

    allowed = ctx.section("registries").get("allowed") or ctx.setting("SW-DF-004", "allowed", [])
    if not allowed:
        return
    patterns = tuple(str(a) for a in allowed)
    for line, image in _external_stages(df):
        try:
            ok = allowed_by(patterns, parse_reference(image))
        except Exception:  # an unparsable reference cannot be on the allow-list
            ok = False
        if not ok:
            yield Violation(f"base image {image} is not from an allowed registry", line=line, evidence=image)


@rule(
    id="SW-DF-005",
    title="Stage alias defined twice",
    severity="medium",
    category="dockerfile",
    description="Two FROM ... AS name lines with the same name make COPY --from ambiguous.",
    remediation="FROM golang:1.23 AS build\n...\nFROM debian:12 AS runtime   # unique names",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=T,
    tools={"hadolint": "DL3024"},
)
def duplicate_alias(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    seen: set[str] = set()
    for st in df.stages:
        if st.name:
            if st.name.lower() in seen:
                yield Violation(f"stage name {st.name!r} is used twice", line=st.line)
            seen.add(st.name.lower())


@rule(
    id="SW-DF-006",
    title="COPY --from refers to a stage that is not defined before",
    severity="medium",
    category="dockerfile",
    description="COPY --from=<n> must name an earlier stage by index; a later or missing index fails the build.",
    remediation="COPY --from=build /out/app /usr/local/bin/app   # an earlier stage",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=T,
    tools={"hadolint": "DL3022"},
)
def copy_from_unknown(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    # As hadolint: --from must be an earlier stage (by name or index). Copying from an image
    # (--from=alpine) is flagged too: it pulls an unpinned, unscanned image at build time.
    # A value with a variable is left alone: it is only known at build time.
    earlier: set[str] = set()  # grown stage by stage (rebuilt per stage it was quadratic)
    for st in df.stages:
        for ins in st.instructions:
            src = ins.flags.get("from")
            if ins.cmd != "COPY" or not src or "$" in src or (st.name and src.lower() == st.name.lower()):
                continue
            if src.isascii() and src.isdigit():  # ASCII: '²' is isdigit() but not int()
                if len(src) > 9 or int(src) >= st.index:  # 5000 digits: over int()'s limit
                    yield Violation(f"COPY --from={src} refers to a stage that is not defined before", line=ins.line)
            elif src.lower() not in earlier:
                yield Violation(f"COPY --from={src} is not an earlier stage (an image would be pulled)", line=ins.line)
        if st.name:
            earlier.add(st.name.lower())


@rule(
    id="SW-DF-046",
    title="COPY --from refers to its own stage",
    severity="medium",
    category="dockerfile",
    description="A stage cannot copy from itself; the build fails.",
    remediation="COPY --from=build ...   # name an earlier stage",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=T,
    tools={"hadolint": "DL3023"},
)
def copy_from_self(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for st in df.stages:
        for ins in st.instructions:
            src = ins.flags.get("from")
            if ins.cmd == "COPY" and src and st.name and src.lower() == st.name.lower():
                yield Violation(f"COPY --from={src} refers to its own stage", line=ins.line)


@rule(
    id="SW-DF-007",
    title="Instruction before the first FROM",
    severity="high",
    category="dockerfile",
    description="Only ARG (and parser directives/comments) may precede FROM; anything else fails the build.",
    remediation="Move the instruction after the first FROM line.",
    risk=["3.1.2"],
    countermeasure=["4.1.2"],
    target=T,
    tools={"hadolint": "DL3061"},
)
def order(df: Dockerfile, ctx: DockerfileContext) -> Iterator[Violation]:
    for ins in df.instructions:
        if ins.cmd == "FROM":
            return
        if ins.cmd != "ARG":
            yield Violation(f"{ins.cmd} appears before the first FROM", line=ins.line)
