"""yamldoc builds plain documents without PyYAML's generic constructor; values must not change."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from seawall.sources import yamldoc

TRICKY = """\
a: 1
b: 0x1F
c: 1_000
d: 3.5e2
e: .nan
f: -.inf
g: yes
h: ~
i: 2024-01-02
j: 2024-01-02T03:04:05Z
k: "quoted: yes"
l: [1, two, {x: null}]
dup: 1
dup: 2
---
base: &b {x: 1}
merged:
  <<: *b
  y: 2
---
1: int key
true: bool key
---
s: !!set {a, b}
bin: !!binary aGVsbG8=
---
!!omap [a: 1, b: 2]
---
{a: [b]}: complex key
---
plain: text
"""


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[yamldoc.Document], list[yamldoc.Document]]:
    fast = list(yamldoc.iter_documents(text))
    with monkeypatch.context() as m:
        m.setattr(yamldoc, "_construct", lambda loader, node, may_alias: loader.construct_document(node))
        full = list(yamldoc.iter_documents(text))
    return fast, full


def _assert_same(fast: list[yamldoc.Document], full: list[yamldoc.Document]) -> None:
    assert len(fast) == len(full)
    for a, b in zip(fast, full, strict=True):
        assert (a.error, a.line, a.source) == (b.error, b.line, b.source)
        assert _same(a.value, b.value), (a.value, b.value)


def test_fast_construction_equals_pyyaml_on_tricky_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    fast, full = _both(TRICKY, monkeypatch)
    assert len(fast) == 7 and fast[0].value["dup"] == 2 and fast[1].value["merged"] == {"x": 1, "y": 2}
    _assert_same(fast, full)


def test_fast_construction_keeps_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    for text in ("a: !custom 1\n", "a: [1\n", "? [a]\n: 1\n---\nb: 2\n", "a: " + "[" * 5000 + "]" * 5000 + "\n"):
        _assert_same(*_both(text, monkeypatch))


def test_fast_construction_equals_pyyaml_on_corpus(shared_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted((shared_dir / "corpus" / "k8s" / "kube-linter").rglob("*.yaml"))
    assert len(files) > 20
    for p in files:
        _assert_same(*_both(p.read_text(encoding="utf-8", errors="replace"), monkeypatch))
