"""seawall: container and Kubernetes supply-chain security, mapped to NIST SP 800-190.

The public API is what ``__all__`` lists (guarded by a test); everything else may change.

``import seawall`` stays cheap: every ``seawall`` command and ``python -m seawall.<area>`` imports
this package first, so the Finding model (dataclasses, enum, hashlib) is loaded on first use of
``seawall.Finding``/``Severity``/``Resource``/``Location`` (PEP 562 module ``__getattr__``), not here.
"""

from __future__ import annotations

__version__ = "0.1.0"

from seawall.errors import (
    DatabaseError,
    InputError,
    PolicyError,
    RegistryError,
    SeawallError,
    SourceError,
    VerificationError,
    VersionError,
)

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs more than this whole module
if TYPE_CHECKING:
    from typing import Any

    from seawall.model.finding import Finding, Location, Resource, Severity

__all__ = [
    "DatabaseError",
    "Finding",
    "InputError",
    "Location",
    "PolicyError",
    "RegistryError",
    "Resource",
    "SeawallError",
    "Severity",
    "SourceError",
    "VerificationError",
    "VersionError",
    "__version__",
    "scan",
]

_FINDING_MODEL = frozenset({"Finding", "Location", "Resource", "Severity"})


def __getattr__(name: str) -> Any:
    """The Finding model's public names, imported when first asked for."""
    if name in _FINDING_MODEL:
        from seawall.model import finding

        value = getattr(finding, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'seawall' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_FINDING_MODEL})


def scan(inputs: list[str], config: object | None = None) -> object:
    """Scan paths; see :func:`seawall.engine.scan`. Returns a :class:`seawall.engine.Report`."""
    from seawall.engine import scan as _scan
    from seawall.policy.config import Config

    return _scan(inputs, config if isinstance(config, Config) else None)
