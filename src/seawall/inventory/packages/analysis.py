"""One image analysed without the scan engine: inventory (OS, packages) and, on request, the
image-configuration rules.

Why a module of its own: ``seawall sbom`` and ``seawall image`` need only this, and importing
:mod:`seawall.engine` (manifest parsing, policy, analyzers) would add start-up time to every
SBOM. :mod:`seawall.analyzers.image` re-exports everything here and registers the ``image``
analyzer that ``seawall scan`` runs.

:func:`analyze_image` streams the image's layers exactly once (see
:mod:`seawall.inventory.packages.catalog`). Other features share that single pass through
:data:`LAYER_FILE_HOOKS` (factories called per image that return an ``on_layer_file`` callback,
e.g. the secrets scanner).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seawall.inventory.imagefs import ImageFS, LayerFile
from seawall.inventory.packages.model import ImageInventory
from seawall.model.finding import Finding, Location, Resource

if TYPE_CHECKING:
    from seawall.policy.config import Config
    from seawall.rules.image.subject import ImageSubject

#: ``factory(run_or_None, image) -> on_layer_file callback or None``; run once per image.
LayerHookFactory = Callable[[Any, Any], Callable[[LayerFile], None] | None]
LAYER_FILE_HOOKS: list[LayerHookFactory] = []

@dataclass(slots=True)
class ImageAnalysis:
    inventory: ImageInventory
    findings: list[Finding] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (subject, message) of rules that failed
    seconds: float = 0.0
    files: int = 0


def display_reference(image: Any) -> str:
    """How findings name an image: its reference, or its digest when it has no name."""
    ref = getattr(image, "reference", "") or ""
    return str(ref) or str(getattr(image, "id", ""))


def inventory_of(image: Any, result: Any) -> ImageInventory:
    plat = getattr(image, "platform", None)
    return ImageInventory(
        reference=display_reference(image),
        digest=getattr(image, "digest", "") or "",
        config_digest=getattr(image, "config_digest", "") or "",
        os=result.os,
        packages=tuple(result.packages),
        not_checked=tuple(result.not_checked),
        platform=str(plat) if plat is not None else "",
        created=getattr(image, "created", "") or "",
        layers=tuple(d.digest for d in getattr(image, "layers", ())),
    )


def run_image_rules(subject: ImageSubject, config: Config) -> tuple[list[Finding], list[tuple[str, str]]]:
    from seawall.engine import make_finding
    from seawall.rules.image.subject import TARGET
    from seawall.rules.registry import REGISTRY

    findings: list[Finding] = []
    errors: list[tuple[str, str]] = []
    resource_image = subject.reference
    for r in REGISTRY.for_target(TARGET):
        if not config.rule_enabled(r.meta):
            continue
        try:
            for v in r.check(subject, config):
                extra = dict(v.extra)
                layer = str(extra.pop("layer", ""))
                findings.append(
                    make_finding(
                        r.meta,
                        v.message,
                        Resource(image=resource_image, layer=layer),
                        Location(path=v.pointer),
                        evidence=v.evidence,
                        severity=v.severity,
                        extra=tuple(extra.items()),
                    )
                )
        except Exception as err:  # a rule bug costs that rule on this image, never the scan
            errors.append((resource_image, f"rule {r.meta.id} failed: {type(err).__name__}: {err}"))
    return findings, errors


def analyze_image(
    image: Any,
    config: Config | None = None,
    *,
    hooks: Sequence[Callable[[LayerFile], None]] = (),
    run: Any = None,
    rules: bool = True,
) -> ImageAnalysis:
    """Inventory and check one opened image (raises SourceError on an unreadable image)."""
    start = time.perf_counter()
    all_hooks = list(hooks)
    for factory in LAYER_FILE_HOOKS:
        hook = factory(run, image)
        if hook is not None:
            all_hooks.append(hook)
    # imported here: ``seawall scan`` loads this module with every plugin, and the catalogers
    # (zipfile, sqlite3, ...) are only needed once an image is actually analysed
    from seawall.inventory.packages.catalog import catalog_image

    result, fs = catalog_image(image, hooks=all_hooks)
    inv = inventory_of(image, result)
    analysis = ImageAnalysis(inv, files=len(fs))
    if rules:
        from seawall.policy.config import Config  # only the rules read the config

        config = config or Config()
        subject = subject_for(image, fs, inv, config)
        analysis.findings, analysis.errors = run_image_rules(subject, config)
    analysis.seconds = time.perf_counter() - start
    return analysis


def subject_for(image: Any, fs: ImageFS, inv: ImageInventory, config: Config) -> ImageSubject:
    import datetime as dt

    from seawall.rules.image.subject import ImageSubject

    cfg = getattr(image, "config", None)
    return ImageSubject(
        reference=inv.reference,
        config=cfg if isinstance(cfg, dict) else {},
        fs=fs,
        inventory=inv,
        layers=inv.layers,
        repo_tags=tuple(getattr(image, "repo_tags", ()) or ()),
        source=str(getattr(image, "source", "")),
        today=config.today if isinstance(config.today, dt.date) else dt.date.today(),
        settings=config.section("image"),
    )
