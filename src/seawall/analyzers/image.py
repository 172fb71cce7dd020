"""Analysis of one container image: inventory (OS, packages) and image-configuration findings.

:func:`analyze_image` streams the image's layers exactly once (see
:mod:`seawall.inventory.packages.catalog`), then runs every enabled ``target="image"`` rule on
the config, history and squashed filesystem. It is used by ``seawall image`` / ``seawall sbom``
directly, and by ``seawall scan`` through the ``image`` analyzer, which analyses the images the
image file handler put in ``run.inventory.extra["images"]``.

Other features share the single pass through :data:`LAYER_FILE_HOOKS` (factories called per
image that return an ``on_layer_file`` callback, e.g. the secrets scanner), and read the
inventory through :func:`inventory_for` (computed once per image per scan, e.g. by the
vulnerability matcher).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from seawall.engine import ScanRun, analyzer, make_finding
from seawall.errors import SeawallError
from seawall.inventory.imagefs import ImageFS, LayerFile
from seawall.inventory.packages.catalog import catalog_image
from seawall.inventory.packages.model import ImageInventory
from seawall.model.finding import Finding, Location, Resource
from seawall.policy.config import Config
from seawall.rules.image.subject import TARGET, ImageSubject
from seawall.rules.registry import REGISTRY

#: ``factory(run_or_None, image) -> on_layer_file callback or None``; run once per image.
LayerHookFactory = Callable[[Any, Any], Callable[[LayerFile], None] | None]
LAYER_FILE_HOOKS: list[LayerHookFactory] = []

_INVENTORIES_KEY = "image_inventories"


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
    config = config or Config()
    start = time.perf_counter()
    all_hooks = list(hooks)
    for factory in LAYER_FILE_HOOKS:
        hook = factory(run, image)
        if hook is not None:
            all_hooks.append(hook)
    result, fs = catalog_image(image, hooks=all_hooks)
    inv = inventory_of(image, result)
    analysis = ImageAnalysis(inv, files=len(fs))
    if rules:
        subject = subject_for(image, fs, inv, config)
        analysis.findings, analysis.errors = run_image_rules(subject, config)
    analysis.seconds = time.perf_counter() - start
    return analysis


def subject_for(image: Any, fs: ImageFS, inv: ImageInventory, config: Config) -> ImageSubject:
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


def inventory_for(run: ScanRun, image: Any) -> ImageInventory | None:
    """The inventory of an image in a scan, computed at most once (None if it could not be read)."""
    store: dict[str, Any] = run.inventory.extra.setdefault(_INVENTORIES_KEY, {})
    key = str(getattr(image, "id", id(image)))
    if key not in store:
        store[key] = _analyze_in_run(run, image)
    entry = store[key]
    return entry.inventory if isinstance(entry, ImageAnalysis) else None


def _analyze_in_run(run: ScanRun, image: Any) -> ImageAnalysis | None:
    try:
        analysis = analyze_image(image, run.config, run=run)
    except SeawallError as err:
        run.error("", str(err))
        return None
    for subject, msg in analysis.errors:
        run.error(subject, msg)
    for nc in analysis.inventory.not_checked:
        run.report.not_checked.append(
            {"subject": f"{analysis.inventory.reference}: {nc.subject}", "reason": nc.reason, "layer": nc.layer}
        )
    return analysis


def _images(run: ScanRun) -> Iterable[Any]:
    for item in run.inventory.extra.get("images", ()) or ():
        img = getattr(item, "image", item)  # ScannedImage(path, image) from the image file handler
        if hasattr(img, "open_layer"):
            yield img


@analyzer("image")
def analyze_images(run: ScanRun) -> Iterable[Finding]:
    """Images found by ``seawall scan`` (archives, OCI layouts): inventory + image rules."""
    for img in _images(run):
        inventory_for(run, img)
        entry = run.inventory.extra[_INVENTORIES_KEY].get(str(getattr(img, "id", id(img))))
        if isinstance(entry, ImageAnalysis):
            yield from entry.findings
