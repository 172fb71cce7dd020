"""Trusted registries: where workload images come from and how they are fetched (SW-SUP-1NN).

Why: NIST SP 800-190 4.1.5 asks to run images only from a central list of trusted registries,
and 4.2.1 to reach registries only over encrypted, authenticated channels — a plain-HTTP or
unverified-TLS pull lets anyone on the path swap the image.

The allow-list and the insecure hosts come from the shared ``registries:`` section
(:mod:`seawall.registries.policy`). Mutable tags and missing digests are NOT re-checked here:
``SW-K8S-020`` (latest / no tag) and ``SW-K8S-021`` (not pinned by digest) already report them.
``SW-K8S-023`` is the older per-rule allow-list (``rules.settings``); when both are configured,
an image that SW-K8S-023 already reports is not reported again by SW-SUP-101.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Iterator
from typing import Any

from seawall.engine import ScanRun, analyzer
from seawall.errors import InputError
from seawall.inventory.k8s import ContainerView, PodSpecView, as_list, as_str
from seawall.model.finding import Finding
from seawall.registries.policy import cached_registries_config, registries_config
from seawall.rules.registry import REGISTRY, Violation, declare, rule
from seawall.sources.image.reference import Reference, parse_reference

ALL_CONTAINERS = ("initContainers", "containers", "ephemeralContainers")


def _refs(view: PodSpecView) -> Iterator[tuple[ContainerView, Reference]]:
    for c in view.containers(ALL_CONTAINERS):
        raw = c.image.strip()
        if not raw:
            continue
        try:
            yield c, parse_reference(raw)
        except InputError:
            continue  # a malformed reference is not a registry question


def _unset(ctx: Any, key: str) -> bool:
    """``registries.<key>`` is absent or empty, so the parsed section's list is empty (or the
    section is invalid): the rule has nothing to check. Asked before parsing the section, which
    each workload would otherwise pay for when there is no ``registries:`` section at all. A
    falsy value other than "" (None, [], {}, 0...) parses to nothing or is invalid; "" parses to
    one (empty) entry."""
    value = ctx.config.section("registries").get(key)
    return not value and not isinstance(value, str)


def _k8s023_reported(view: PodSpecView, ctx: Any) -> set[str]:
    """Containers SW-K8S-023 (the rules.settings allow-list) already reports, asked of the rule
    itself so the two never disagree about what is a duplicate."""
    if "SW-K8S-023" not in REGISTRY:
        return set()
    r = REGISTRY.get("SW-K8S-023")
    if not ctx.config.rule_enabled(r.meta):
        return set()
    return {v.container for v in r.check(view, ctx)}


@rule(
    id="SW-SUP-101",
    title="Image from a registry not on the trusted-registry allow-list",
    severity="high",
    category="supply-chain",
    description="""The image comes from a registry/repository that no glob of `registries.allowed`
    in `.seawall.yaml` covers. Images from unvetted registries have unknown provenance and
    bypass the review, scanning and signing that trusted registries enforce. Only runs when
    `registries.allowed` is set.""",
    remediation="""
# mirror the image into a trusted registry and deploy it from there, by digest:
#   skopeo copy docker://docker.io/library/nginx:1.27 docker://registry.example.com/mirror/nginx:1.27
spec:
  containers:
  - name: app
    image: registry.example.com/mirror/nginx:1.27@sha256:<digest>
# or, if the registry is trusted, add it to .seawall.yaml:
registries:
  allowed: ["registry.example.com/*"]
""",
    risk=["3.1.5", "3.4.5"],
    countermeasure=["4.1.5", "4.4.5"],
    target="pod",
    tools={"kubescape": ["C-0078", "C-0001"], "trivy": "KSV-0125"},
    tags=["registry", "allow-list"],
)
def untrusted_registry(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if _unset(ctx, "allowed"):
        return
    cfg = cached_registries_config(ctx.config)
    if cfg is None or not cfg.allowed:
        return
    dup = _k8s023_reported(view, ctx)
    for c, ref in _refs(view):
        if cfg.is_allowed(ref) or c.name in dup:
            continue
        yield Violation(
            f"container {c.name!r} image {c.image!r} is from {ref.name}, which no registries.allowed "
            f"glob covers ({', '.join(cfg.allowed[:5])})",
            c.ptr("image"),
            c.name,
            evidence=c.image,
        )


@rule(
    id="SW-SUP-102",
    title="Image pulled from a registry reached over plain HTTP",
    severity="high",
    category="supply-chain",
    description="""The workload's image registry is listed in `registries.insecure`, i.e. it is
    reached over plain HTTP. Without TLS, anyone on the network path can read pull credentials
    and replace the image or its layers in transit (a tag-only reference is then fully
    attacker-controlled). The nodes pulling it need the same exemption (containerd/docker
    `insecure-registries`), which weakens every pull from that host.""",
    remediation="""
# serve the registry over TLS (a certificate from your internal CA is enough), distribute the CA
# to nodes (/etc/containerd/certs.d/<host>/ca.crt), then remove the host from .seawall.yaml:
registries:
  insecure: []            # was ["registry.internal:5000"]
  ca_file: certs/internal-ca.pem
""",
    risk=["3.2.1"],
    countermeasure=["4.2.1"],
    target="pod",
    tags=["registry", "tls"],
)
def plain_http_registry(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    if _unset(ctx, "insecure"):
        return
    cfg = cached_registries_config(ctx.config)
    if cfg is None or not cfg.insecure:
        return
    for c, ref in _refs(view):
        if cfg.is_insecure(ref):
            yield Violation(
                f"container {c.name!r} image {c.image!r} comes from {ref.registry}, which is reached over "
                "plain HTTP (registries.insecure)",
                c.ptr("image"),
                c.name,
                evidence=c.image,
            )


#: Flags that turn off TLS (or TLS verification) towards registries, whatever the program.
_REGISTRY_TLS_OFF = (
    "--insecure-registry",  # dockerd, kaniko
    "--skip-tls-verify",  # kaniko
    "--skip-tls-verify-pull",
    "--skip-tls-verify-registry",
    "--insecure-pull",
    "--plain-http",  # oras, helm (OCI)
)
_TLS_VERIFY_FLAGS = ("--tls-verify", "--src-tls-verify", "--dest-tls-verify", "--tls-verify-pull")
#: Programs whose generic ``--insecure`` means "registry without TLS verification".
_INSECURE_PROGRAMS = frozenset(
    {"executor", "kaniko", "crane", "gcrane", "oras", "regctl", "cosign", "jib", "ko", "flux", "notation"}
)


def _tokens(c: ContainerView) -> list[tuple[str, int, str]]:
    """(field, index, token) for command and args; ``sh -c SCRIPT`` scripts are split too."""
    out: list[tuple[str, int, str]] = []
    for fld in ("command", "args"):
        for i, item in enumerate(as_list(c.data.get(fld))):
            s = as_str(item)
            if not s:
                continue
            if any(ch.isspace() for ch in s):
                try:
                    parts = shlex.split(s, comments=False)
                except ValueError:
                    parts = s.split()
                out.extend((fld, i, p) for p in parts)
            else:
                out.append((fld, i, s))
    return out


def _tls_off(tokens: list[tuple[str, int, str]], image: str = "") -> Iterator[tuple[str, int, str]]:
    programs = {t.rsplit("/", 1)[-1] for _, _, t in tokens if not t.startswith("-")}
    # args without a command run the image's entrypoint: kaniko-project/executor, crane, oras...
    programs.add(image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0])
    generic = bool(programs & _INSECURE_PROGRAMS)
    for n, (fld, i, tok) in enumerate(tokens):
        name, eq, value = tok.partition("=")
        low = name.lower()
        if low in _REGISTRY_TLS_OFF:
            if eq and value.lower() in ("false", "0"):
                continue
            yield fld, i, tok
        elif low in _TLS_VERIFY_FLAGS:
            val = value if eq else (tokens[n + 1][2] if n + 1 < len(tokens) else "")
            if val.lower() in ("false", "0", "no"):
                yield fld, i, tok if eq else f"{tok} {val}"
        elif generic and low == "--insecure" and (not eq or value.lower() in ("true", "1")):
            yield fld, i, tok


def _may_disable_tls(c: ContainerView) -> bool:
    """False when no command/args token of ``c`` can be one of the flags :func:`_tls_off` looks
    for: each contains "insecure", "tls" or "plain-http", and a token (shlex-split or not) is a
    run of its string's characters once quotes and backslashes are taken out. Most containers
    pass no such text, and tokenising every command line was most of this rule's cost."""
    for fld in ("command", "args"):
        items = c.data.get(fld)
        if not isinstance(items, list):
            continue
        for item in items:
            s = as_str(item)
            if not s:
                continue
            low = s.lower()
            if "\\" in low or '"' in low or "'" in low:
                low = low.replace("\\", "").replace('"', "").replace("'", "")
            if "insecure" in low or "tls" in low or "plain-http" in low:
                return True
    return False


@rule(
    id="SW-SUP-103",
    title="Container talks to registries with TLS verification disabled",
    severity="high",
    category="supply-chain",
    description="""The container's command or arguments turn off TLS or certificate verification
    towards image registries (kaniko `--skip-tls-verify`/`--insecure`, dockerd or kaniko
    `--insecure-registry`, skopeo/buildah/podman `--tls-verify=false`, crane/oras `--insecure`,
    `--plain-http`). Build and mirror jobs configured like this push and pull images that a
    network attacker can replace, and leak registry credentials.""",
    remediation="""
# trust the registry's CA instead of disabling verification, e.g. for kaniko:
spec:
  containers:
  - name: build
    args: ["--destination=registry.example.com/app:1.4.2", "--registry-certificate=registry.example.com=/certs/ca.crt"]
    # removed: --skip-tls-verify / --insecure
""",
    risk=["3.2.1"],
    countermeasure=["4.2.1"],
    target="pod",
    tags=["registry", "tls"],
)
def registry_tls_disabled(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        if not _may_disable_tls(c):
            continue
        seen: set[tuple[str, int]] = set()
        for fld, i, tok in _tls_off(_tokens(c), c.image):
            if (fld, i) in seen:
                continue
            seen.add((fld, i))
            yield Violation(
                f"container {c.name!r} disables registry TLS verification with {tok!r} ({fld}[{i}])",
                c.ptr(fld, i),
                c.name,
                evidence=tok[:200],
            )


@analyzer("registries")
def validate_registries_section(run: ScanRun) -> Iterable[Finding]:
    """Report an invalid ``registries:`` section once (the rules above then stay silent)."""
    if run.config.section("registries"):
        registries_config(run.config)  # raises PolicyError -> one scan error naming the config
    return []


PLAIN_HTTP_REGISTRY = "SW-SUP-104"

declare(
    id=PLAIN_HTTP_REGISTRY,
    title="Registry serves images over plain HTTP",
    severity="high",
    category="supply-chain",
    description="""`seawall registry scan` reached this registry over plain HTTP (it is listed in
    `--insecure-registry` or `registries.insecure`, and answered without TLS). Every client pulling
    from it — nodes, CI, developers — sends credentials in clear text and accepts whatever image
    bytes a network attacker serves under a tag.""",
    remediation="""
# configure TLS on the registry (distribution config.yml), e.g.
http:
  addr: :5000
  tls:
    certificate: /certs/registry.crt
    key: /certs/registry.key
# then distribute the CA to clients and drop the host from insecure-registries lists
""",
    risk=["3.2.1"],
    countermeasure=["4.2.1"],
    tags=["registry", "tls"],
)
