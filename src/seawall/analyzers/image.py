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

from collections.abc import Iterable
from typing import Any

from seawall.engine import ScanRun, analyzer
from seawall.errors import SeawallError
from seawall.inventory.packages.analysis import (
    LAYER_FILE_HOOKS,
    ImageAnalysis,
    LayerHookFactory,
    analyze_image,
    display_reference,
    inventory_of,
    run_image_rules,
    subject_for,
)
from seawall.inventory.packages.model import ImageInventory
from seawall.model.finding import Finding

__all__ = [
    "LAYER_FILE_HOOKS",
    "ImageAnalysis",
    "LayerHookFactory",
    "analyze_image",
    "analyze_images",
    "display_reference",
    "inventory_for",
    "inventory_of",
    "run_image_rules",
    "subject_for",
]

_INVENTORIES_KEY = "image_inventories"


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
