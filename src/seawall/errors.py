"""One exception hierarchy for the whole library.

Every error seawall raises on purpose derives from :class:`SeawallError` and renders as a single
line naming the input it is about (``str(err)``). The CLI catches ``SeawallError`` exactly once and
maps it to an exit code; the library itself never exits or prints.

    SeawallError
    ├── InputError        a file, archive, manifest or reference the user gave is unusable
    ├── SourceError       reading a source failed (I/O, hostile archive, digest mismatch)
    │   └── RegistryError talking to an OCI registry failed (HTTP, auth, TLS)
    ├── DatabaseError     the vulnerability database is missing, corrupt or being replaced
    ├── PolicyError       the config file, a CEL rule, a baseline or a VEX document is invalid
    ├── VersionError      a version string is invalid for its ecosystem
    └── VerificationError a signature or attestation does not verify
"""

from __future__ import annotations


class SeawallError(Exception):
    """Base class: ``str(err)`` is a one-line diagnostic; ``subject`` names the input."""

    def __init__(self, message: str, *, subject: str | None = None) -> None:
        message = " ".join(str(message).split())  # one line, always
        self.subject = subject
        super().__init__(f"{subject}: {message}" if subject else message)


class InputError(SeawallError):
    """A user-supplied input cannot be used (exit code 2)."""


class SourceError(SeawallError):
    """Reading a source failed: I/O, hostile or corrupt content, digest mismatch."""


class RegistryError(SourceError):
    """An OCI registry request failed (network, HTTP status, authentication, TLS)."""


class DatabaseError(SeawallError):
    """The vulnerability database is missing, corrupt, or could not be updated."""


class PolicyError(SeawallError):
    """The configuration, a custom rule, a baseline or a VEX document is invalid (exit 2)."""


class VersionError(SeawallError, ValueError):
    """A version string is not valid in the ecosystem it was compared in."""


class VerificationError(SeawallError):
    """A signature, bundle or attestation failed verification."""
