"""Image-rule fixtures: real docker-save archives (tests/support/images.py) analysed end to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from seawall.analyzers.image import ImageAnalysis, analyze_image
from seawall.policy.config import Config
from seawall.sources.image import open_image
from support.images import E, layer_tar, write_docker_archive

TODAY = dt.date(2026, 11, 29)


def tree(mapping: dict[str, bytes | str], mode: int = 0o644) -> list[E]:
    dirs: dict[str, None] = {}
    for p in mapping:
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.setdefault("/".join(parts[:i]), None)
    out = [E(d, type="dir") for d in dirs]
    for name, content in mapping.items():
        out.append(E(name, content.encode() if isinstance(content, str) else content, mode=mode))
    return out


@pytest.fixture
def analyze(tmp_path: Path) -> Callable[..., ImageAnalysis]:
    """``analyze(layers, config={...}, repo_tags=[...], sections={...})`` -> ImageAnalysis."""
    n = [0]

    def run(
        layers: Sequence[Sequence[E]] = ((),),
        *,
        config: dict[str, Any] | None = None,
        repo_tags: Sequence[str] = ("example.test/app:1.0",),
        sections: dict[str, Any] | None = None,
        today: dt.date = TODAY,
    ) -> ImageAnalysis:
        n[0] += 1
        path = tmp_path / f"img{n[0]}.tar"
        write_docker_archive(path, [layer_tar(x) for x in layers], repo_tags=repo_tags, config_extra=config)
        cfg = Config(today=today, sections=sections or {})
        with open_image(str(path)) as img:
            return analyze_image(img, cfg)

    return run


@pytest.fixture
def mktree() -> Callable[..., list[E]]:
    return tree


def ids(analysis: ImageAnalysis, rule_id: str) -> list[Any]:
    return [f for f in analysis.findings if f.rule_id == rule_id]


@pytest.fixture
def of() -> Callable[[ImageAnalysis, str], list[Any]]:
    return ids
