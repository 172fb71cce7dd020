"""``seawall scan PATH`` picks up images: docker-save / OCI archives and OCI layout directories.

The handler only opens and validates the image (manifest, config, digests of both) and records
it in ``run.inventory.extra["images"]`` as an :class:`ScannedImage`; analyses (packages,
image-configuration rules, secrets in layers) consume that list. The image's file handles are
released right away: :class:`~seawall.sources.image.model.Image` reopens its source on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from seawall.engine import FILE_HANDLERS
from seawall.sources.files import InputPath
from seawall.sources.image import Image, is_image_archive, is_oci_layout, open_image
from seawall.sources.image.model import limits_from_config

if TYPE_CHECKING:  # pragma: no cover
    from seawall.engine import ScanRun

__all__ = ["ARCHIVE_SUFFIXES", "ImageFileHandler", "ScannedImage", "limits_from_config"]

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")


@dataclass(frozen=True, slots=True)
class ScannedImage:
    """An image found among the scan inputs: where it came from and the opened image."""

    path: str  # as displayed (relative to the cwd when possible)
    image: Image


class ImageFileHandler:
    name = "image"

    def claims_file(self, path: Path) -> bool:
        return path.name.lower().endswith(ARCHIVE_SUFFIXES) and is_image_archive(path)

    def claims_dir(self, path: Path) -> bool:
        return is_oci_layout(path)

    def scan(self, item: InputPath, scan: ScanRun) -> None:
        limits = limits_from_config(scan.config.section("image"))
        img = open_image(item.path, limits=limits)
        img.display = item.display
        img.close()  # reopened on demand by whoever analyses it
        scan.inventory.extra.setdefault("images", []).append(ScannedImage(item.display, img))


FILE_HANDLERS.append(ImageFileHandler())
