"""The curated public API: adding or removing a name is a deliberate change."""

from __future__ import annotations

import seawall


def test_all_is_curated() -> None:
    assert sorted(seawall.__all__) == sorted(
        [
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
    )
    for name in seawall.__all__:
        assert hasattr(seawall, name), name
