"""seawall: container and Kubernetes supply-chain security, mapped to NIST SP 800-190.

The public API is what ``__all__`` lists (guarded by a test); everything else may change.
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


def scan(inputs: list[str], config: object | None = None) -> object:
    """Scan paths; see :func:`seawall.engine.scan`. Returns a :class:`seawall.engine.Report`."""
    from seawall.engine import scan as _scan
    from seawall.policy.config import Config

    return _scan(inputs, config if isinstance(config, Config) else None)
