"""What an image rule sees: config, history, squashed filesystem and inventory of one image.

Violations carry the image path (or a config pointer like ``config.User``) in ``pointer`` and the
layer digest in ``extra["layer"]``; :func:`violation` builds them so rules stay one-liners.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seawall.model.finding import Severity
from seawall.rules.registry import Violation

if TYPE_CHECKING:  # the image rules register with every scan; the image model loads with an image
    from seawall.inventory.imagefs import ImageFS
    from seawall.inventory.packages.model import ImageInventory, Package

TARGET = "image"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    index: int
    created_by: str
    created: str
    empty_layer: bool
    layer: str  # digest of the layer this step produced ("" for empty-layer steps)


@dataclass(slots=True)
class ImageSubject:
    reference: str
    config: Mapping[str, Any]  # the whole image config JSON
    fs: ImageFS
    inventory: ImageInventory
    layers: tuple[str, ...]
    repo_tags: tuple[str, ...] = ()
    source: str = ""  # "registry", "docker-archive", "oci-layout", "oci-archive", "dir"
    today: dt.date = field(default_factory=dt.date.today)
    settings: Mapping[str, Any] = field(default_factory=dict)  # the config's "image" section

    @property
    def runtime(self) -> Mapping[str, Any]:
        """The ``config`` object of the image config (User, Env, ExposedPorts, ...)."""
        c = self.config.get("config")
        return c if isinstance(c, Mapping) else {}

    def env(self) -> Iterator[tuple[int, str, str]]:
        values = self.runtime.get("Env")
        if not isinstance(values, list):
            return
        for i, item in enumerate(values):
            if isinstance(item, str):
                k, _, v = item.partition("=")
                yield i, k, v

    def labels(self) -> dict[str, str]:
        labels = self.runtime.get("Labels")
        if not isinstance(labels, Mapping):
            return {}
        return {str(k): str(v) for k, v in labels.items() if isinstance(v, str)}

    def history(self) -> list[HistoryEntry]:
        raw = self.config.get("history")
        if not isinstance(raw, list):
            return []
        out: list[HistoryEntry] = []
        layer_i = 0
        for i, h in enumerate(raw):
            if not isinstance(h, Mapping):
                continue
            empty = h.get("empty_layer") is True
            layer = ""
            if not empty:
                layer = self.layers[layer_i] if layer_i < len(self.layers) else ""
                layer_i += 1
            cb = h.get("created_by")
            cr = h.get("created")
            out.append(
                HistoryEntry(i, cb if isinstance(cb, str) else "", cr if isinstance(cr, str) else "", empty, layer)
            )
        return out

    def packages(self, *names: str) -> list[Package]:
        wanted = set(names)
        return [p for p in self.inventory.packages if p.name in wanted and p.cataloger in ("dpkg", "apk", "rpm")]

    def layer_of(self, path: str) -> str:
        e = self.fs.get(path)
        return e.layer_digest if e is not None else ""


def violation(
    message: str,
    *,
    path: str = "",
    layer: str = "",
    evidence: str = "",
    severity: Severity | None = None,
) -> Violation:
    """A violation about ``path`` (an image path, or a config pointer such as ``config.User``)."""
    extra = (("layer", layer),) if layer else ()
    return Violation(message, pointer=path, evidence=evidence, severity=severity, extra=extra)


#: findings one rule lists per image; past it, one finding counts the rest (an 8 MB config
#: holds ~270,000 ENV entries or history steps: as many findings, gigabytes of SARIF)
MAX_LISTED = 100


def capped(found: Iterable[Violation], what: str) -> Iterator[Violation]:
    """``found`` up to :data:`MAX_LISTED`, then one violation counting the rest."""
    first: Violation | None = None
    more = 0
    for i, v in enumerate(found):
        if i < MAX_LISTED:
            yield v
            continue
        first = first or v
        more += 1
    if first is not None:
        yield Violation(
            f"{more} more {what} (only the first {MAX_LISTED} are listed), from {first.pointer}",
            pointer=first.pointer,
            evidence=f"{more} more",
            extra=first.extra,
        )
