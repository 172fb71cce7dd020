"""The dated end-of-life table (``seawall/data/eol.yaml``) and lookups in it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from seawall.inventory.osrelease import OSRelease


@dataclass(frozen=True, slots=True)
class EolEntry:
    distro: str
    release: str
    eol: dt.date
    security: dt.date | None = None
    codename: str = ""
    older_than_table: bool = False  # release predates the oldest entry: EOL by definition


@dataclass(frozen=True, slots=True)
class EolTable:
    compiled: dt.date
    releases: dict[str, dict[str, EolEntry]]

    def lookup(self, os: OSRelease) -> EolEntry | None:
        table = self.releases.get(os.id)
        if not table:
            return None
        rel = os.release
        if rel in table:
            return table[rel]
        key = _version_key(rel)
        if key is None:
            return None
        oldest = min(table.values(), key=lambda e: _version_key(e.release) or (0,))
        oldest_key = _version_key(oldest.release)
        if oldest_key is not None and key < oldest_key:
            return EolEntry(os.id, rel, oldest.eol, None, "", older_than_table=True)
        return None


def _version_key(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return None


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


def parse_table(data: Any) -> EolTable:
    if not isinstance(data, dict):
        raise ValueError("eol table must be a mapping")
    compiled = _date(data.get("compiled"))
    if compiled is None:
        raise ValueError("eol table has no compiled date")
    releases: dict[str, dict[str, EolEntry]] = {}
    for distro, rels in (data.get("distributions") or {}).items():
        for rel, info in (rels or {}).items():
            eol = _date(info.get("eol")) if isinstance(info, dict) else None
            if eol is None:
                raise ValueError(f"eol table: {distro} {rel} has no eol date")
            releases.setdefault(str(distro), {})[str(rel)] = EolEntry(
                str(distro), str(rel), eol, _date(info.get("security")), str(info.get("codename", "")),
            )
    return EolTable(compiled, releases)


@lru_cache(maxsize=1)
def load_table() -> EolTable:
    from importlib import resources  # ~4 ms (tempfile, shutil): only once an image's OS is known

    text = resources.files("seawall.data").joinpath("eol.yaml").read_text(encoding="utf-8")
    return parse_table(yaml.safe_load(text))
