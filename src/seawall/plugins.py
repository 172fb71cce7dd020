"""Import every rule family, file handler and analyzer exactly once, so the registries are full.

Adding a family: create its module and add one import line below. Nothing else registers rules.
"""

from __future__ import annotations

import importlib

_MODULES: tuple[str, ...] = (
    "seawall.rules.rbac.roles",
    "seawall.rules.rbac.access",
    "seawall.analyzers.rbac",
    "seawall.analyzers.posture",
    "seawall.rules.workload.pss",
    "seawall.analyzers.admission",
)

_loaded = False


def load() -> None:
    global _loaded
    if _loaded:
        return
    for name in _MODULES:
        importlib.import_module(name)
    _loaded = True
