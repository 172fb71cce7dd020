"""Fixtures for the inventory tests: real docker-save archives built from real tar layers
(tests/support/images.py), opened with the real image reader, and JSON-schema validators for the
official CycloneDX 1.6 / SPDX 2.3 schemas from ../shared (resolved offline)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from seawall.inventory.packages.catalog import CatalogResult, catalog_image
from seawall.sources.image import open_image
from support.images import E, layer_tar, write_docker_archive


@pytest.fixture
def catalog_layers(tmp_path: Path) -> Iterator[Callable[..., CatalogResult]]:
    """``catalog_layers([[E(...), ...], [...]], config_extra=...)`` -> CatalogResult."""
    counter = [0]

    def build(layers: Sequence[Sequence[E]], **kw: Any) -> CatalogResult:
        counter[0] += 1
        path = tmp_path / f"img{counter[0]}.tar"
        write_docker_archive(path, [layer_tar(entries) for entries in layers], **kw)
        with open_image(str(path)) as img:
            result, _fs = catalog_image(img)
        return result

    yield build


def dirs_for(*paths: str) -> list[E]:
    """Directory members for every parent of ``paths`` (real tars list them)."""
    seen: dict[str, None] = {}
    for p in paths:
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            seen.setdefault("/".join(parts[:i]), None)
    return [E(d, type="dir") for d in seen]


def files(mapping: dict[str, bytes | str], mode: int = 0o644) -> list[E]:
    out = dirs_for(*mapping)
    for name, content in mapping.items():
        data = content.encode() if isinstance(content, str) else content
        out.append(E(name, data, mode=mode))
    return out


def _schema_validators(shared: Path) -> tuple[Any, Any]:
    from jsonschema import Draft7Validator, FormatChecker
    from referencing import Registry, Resource

    d = shared / "schemas"
    cdx = [
        json.loads((d / "cyclonedx-1.6" / n).read_text())
        for n in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json")
    ]
    reg = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in cdx])  # type: ignore[var-annotated]
    cdx_v = Draft7Validator(cdx[0], registry=reg, format_checker=FormatChecker())
    spdx_v = Draft7Validator(json.loads((d / "spdx-2.3-schema.json").read_text()), format_checker=FormatChecker())
    return cdx_v, spdx_v


@pytest.fixture(scope="session")
def sbom_validators(shared_dir: Path) -> tuple[Any, Any]:
    """(CycloneDX 1.6 validator, SPDX 2.3 validator); nothing is fetched (local registry)."""
    return _schema_validators(shared_dir)


def schema_errors(validator: Any, doc: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message[:200]}" for e in validator.iter_errors(doc)]


@pytest.fixture
def mkfiles() -> Callable[..., list[E]]:
    """``mkfiles({"path": content}, mode=0o644)`` -> tar members incl. parent directories."""
    return files


@pytest.fixture
def check_schema() -> Callable[[Any, dict[str, Any]], list[str]]:
    return schema_errors
