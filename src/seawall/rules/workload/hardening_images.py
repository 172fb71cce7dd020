"""Image references in pod specs: mutable tags, digests, pull policy, registries.

Why: NIST SP 800-190 4.2.2 asks to deploy by immutable names, and 4.1.5 to run images only from
trusted registries. A manifest is where that is decided, so these checks run on every container
image reference (init and ephemeral containers included: they run code too).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import Any

from seawall.inventory.k8s import PodSpecView, as_str
from seawall.rules.registry import Violation, rule
from seawall.rules.workload.hardening_common import (
    ALL_CONTAINERS,
    ImageRef,
    image_of,
    parse_image,
    present_ptr,
    setting_list,
)


@rule(
    id="SW-K8S-020",
    title="Image uses the latest tag or no tag",
    severity="medium",
    category="immutability",
    description="""The image reference has no tag or the tag `latest` (and no digest). What runs
    then depends on when the node pulled it: rollbacks and audits cannot tell which build ran.""",
    remediation="""
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.4.2@sha256:<digest>   # a version tag, ideally + digest
""",
    risk=["3.2.2"],
    countermeasure=["4.2.2"],
    target="pod",
    tools={
        "checkov": "CKV_K8S_14",
        "kubescape": "C-0075",
        "kube-linter": "latest-tag",
        "trivy": "KSV-0013",
        "polaris": "tagNotSpecified",
        "kube-score": "container-image-tag",
    },
)
def latest_tag(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        raw = c.image
        if not raw.strip():
            continue
        img, pinned = image_of(c)
        if pinned:
            continue
        if not img.tag or img.tag == "latest":
            what = "has no tag" if not img.tag else "uses the mutable tag 'latest'"
            yield Violation(f"container {c.name!r} image {raw!r} {what}", c.ptr("image"), c.name, evidence=raw)


@rule(
    id="SW-K8S-021",
    title="Image not pinned by digest",
    severity="low",
    category="immutability",
    description="""The image is referenced by tag only. Tags can be moved to a different image at
    any time (by the publisher or an attacker with push access); a `@sha256:` digest cannot.
    Setting `exempt_repositories` lists registry/repository prefixes to skip.""",
    remediation="""
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.4.2@sha256:<digest>   # crane digest / skopeo inspect
""",
    risk=["3.2.2", "3.1.5"],
    countermeasure=["4.2.2", "4.1.5"],
    target="pod",
    tools={"checkov": "CKV_K8S_43", "kubescape": "C-0306"},
)
def digest_pinning(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    exempt = setting_list(ctx, "SW-K8S-021", "exempt_repositories", ())
    for c in view.containers(ALL_CONTAINERS):
        raw = c.image
        if not raw.strip():
            continue
        img, pinned = image_of(c)
        if exempt:
            full = f"{img.registry}/{img.repository}" if img.registry else img.repository
            if any(full == e or full.startswith(e.rstrip("/") + "/") for e in exempt):
                continue
        if not pinned:
            yield Violation(f"container {c.name!r} image {raw!r} is not pinned by digest", c.ptr("image"), c.name,
                            evidence=raw)


@rule(
    id="SW-K8S-022",
    title="imagePullPolicy is not Always",
    severity="low",
    category="supply-chain",
    description="""With IfNotPresent/Never a node reuses whatever image it cached under that tag,
    without asking the registry (so without checking the pod's pull credentials). The effective
    policy is computed like the API server does (Always for `:latest` or untagged images).
    Digest-pinned images pass: a digest cannot change.""",
    remediation="""
spec:
  containers:
  - name: app
    imagePullPolicy: Always
""",
    risk=["3.2.3", "3.2.2"],
    countermeasure=["4.2.3", "4.2.2"],
    target="pod",
    tools={
        "checkov": "CKV_K8S_15",
        "kubescape": "C-0075",
        "polaris": "pullPolicyNotAlways",
        "kube-score": "container-image-pull-policy",
    },
)
def pull_policy(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        raw = c.image
        img, pinned = image_of(c)
        if pinned and raw.strip():
            continue
        explicit = as_str(c.data.get("imagePullPolicy"))
        if explicit:
            if explicit == "Always":
                continue
            yield Violation(
                f"container {c.name!r}: imagePullPolicy is {explicit}",
                c.ptr("imagePullPolicy"),
                c.name,
                evidence=explicit,
            )
        elif raw.strip() and img.tag and img.tag != "latest":
            yield Violation(
                f"container {c.name!r}: imagePullPolicy unset, so it defaults to IfNotPresent for tag"
                f" {img.tag!r}",
                present_ptr(c.pointer, c.data, "imagePullPolicy"),
                c.name,
            )


def _allowed(img: ImageRef, pattern: str) -> bool:
    """A glob over `registry/repository` or the registry; a plain entry also matches its
    subdomains (`amazonaws.com` covers `1234.dkr.ecr.eu-west-1.amazonaws.com`) and any
    repository under a `registry/path` prefix."""
    registry = img.registry_or_default
    full = f"{registry}/{img.repository}"
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(full, pattern) or fnmatch.fnmatchcase(registry, pattern)
    entry = pattern.strip().rstrip("/").lower()
    if not entry:
        return False
    if "/" in entry:
        return full == entry or full.startswith(entry + "/")
    return registry == entry or registry.endswith("." + entry)


@rule(
    id="SW-K8S-023",
    title="Image from a registry not on the allow-list",
    severity="high",
    category="supply-chain",
    description="""The image comes from a registry outside the configured allow-list
    (rules.settings.SW-K8S-023.allowed_registries: registries such as `registry.example.com`
    (subdomains included), `registry/path` prefixes, or globs over `registry/repository`;
    images without a registry are from docker.io). Without an allow-list this rule reports
    nothing.""",
    remediation="""
# .seawall.yaml
rules:
  settings:
    SW-K8S-023: {allowed_registries: ["registry.example.com/*"]}
# and in the workload
spec:
  containers:
  - name: app
    image: registry.example.com/team/app:1.4.2
""",
    risk=["3.1.5", "3.4.5"],
    countermeasure=["4.1.5", "4.4.5"],
    target="pod",
    tools={"kubescape": ["C-0078", "C-0001"], "trivy": "KSV-0125"},
)
def allowed_registries(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    allowed = setting_list(ctx, "SW-K8S-023", "allowed_registries", ())
    if not allowed:
        return
    for c in view.containers(ALL_CONTAINERS):
        raw = c.image
        if not raw.strip():
            continue
        img = parse_image(raw)
        if any(_allowed(img, pat) for pat in allowed):
            continue
        yield Violation(
            f"container {c.name!r} image {raw!r} is from {img.registry_or_default}, not an allowed registry",
            c.ptr("image"),
            c.name,
            evidence=raw,
        )


#: Registries that were frozen or shut down; images there stop receiving fixes.
DEPRECATED_REGISTRIES: dict[str, str] = {
    "k8s.gcr.io": "registry.k8s.io",
    "gcr.io/google-containers": "registry.k8s.io",
    "gcr.io/google_containers": "registry.k8s.io",
}


@rule(
    id="SW-K8S-024",
    title="Image from a deprecated registry",
    severity="low",
    category="supply-chain",
    description="""The image comes from k8s.gcr.io (frozen since April 2023) or the legacy
    gcr.io/google-containers paths. New patches are only published to registry.k8s.io.""",
    remediation="""
spec:
  containers:
  - name: app
    image: registry.k8s.io/pause:3.9     # was k8s.gcr.io/pause:3.9
""",
    risk=["3.2.2", "3.1.1"],
    countermeasure=["4.2.2"],
    target="pod",
    tools={"kubescape": "C-0253"},
)
def deprecated_registry(view: PodSpecView, ctx: Any) -> Iterable[Violation]:
    for c in view.containers(ALL_CONTAINERS):
        img = image_of(c)[0]
        full = f"{img.registry}/{img.repository}"
        for old, new in DEPRECATED_REGISTRIES.items():
            if img.registry == old or full.startswith(old + "/"):
                yield Violation(
                    f"container {c.name!r} image {c.image!r} is from deprecated registry {old}; use {new}",
                    c.ptr("image"),
                    c.name,
                    evidence=c.image,
                )
                break
