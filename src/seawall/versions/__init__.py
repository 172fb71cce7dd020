"""Version comparison with each ecosystem's exact algorithm.

``compare(ecosystem, a, b)`` returns -1, 0 or 1. ``ecosystem`` is spelled as OSV spells it
(``Debian``, ``Debian:12``, ``Alpine:v3.20``, ``PyPI``, ``npm``, ``crates.io``, ``Go``,
``Maven``, ``RubyGems``, ``NuGet``, ``Packagist``, ``AlmaLinux:9``, ``Wolfi``...); a release
suffix after ``:`` does not change the algorithm. An invalid version raises
:class:`seawall.errors.VersionError` naming the ecosystem; it is never compared as a string.
One module per comparator, so each can be tested against its own upstream vectors.
"""

from __future__ import annotations

from collections.abc import Callable

from seawall.errors import VersionError
from seawall.versions import apk, dpkg, hackage, maven, nuget, packagist, pep440, rpm, rubygems, semver

__all__ = ["MAX_VERSION_LENGTH", "SEMVER", "check_length", "comparator", "compare", "supported"]

Comparator = Callable[[str, str], int]

#: The generic OSV range type ``SEMVER`` (not an ecosystem, but ranges name it).
SEMVER = "SEMVER"

_BY_ECOSYSTEM: dict[str, Comparator] = {
    "Debian": dpkg.compare,
    "Ubuntu": dpkg.compare,
    "Alpine": apk.compare,
    "Wolfi": apk.compare,
    "Chainguard": apk.compare,
    "AlmaLinux": rpm.compare,
    "Rocky Linux": rpm.compare,
    "Red Hat": rpm.compare,
    "openSUSE": rpm.compare,
    "SUSE": rpm.compare,
    "Mageia": rpm.compare,
    "openEuler": rpm.compare,
    "Photon OS": rpm.compare,
    "Azure Linux": rpm.compare,
    "CentOS": rpm.compare,
    "Fedora": rpm.compare,
    "Oracle Linux": rpm.compare,
    "Amazon Linux": rpm.compare,
    "Mariner": rpm.compare,
    "RPM": rpm.compare,
    "PyPI": pep440.compare,
    "npm": semver.compare,
    "crates.io": semver.compare,
    "Go": semver.compare,
    "Hex": semver.compare,
    "SwiftURL": semver.compare,
    "Bitnami": semver.compare,
    SEMVER: semver.compare,
    "Maven": maven.compare,
    "RubyGems": rubygems.compare,
    "NuGet": nuget.compare,
    "Packagist": packagist.compare,
    "Hackage": hackage.compare,
}


def base_ecosystem(ecosystem: str) -> str:
    """``Debian:12`` -> ``Debian``; ``Alpine:v3.20`` -> ``Alpine``."""
    return ecosystem.split(":", 1)[0].strip()


def supported(ecosystem: str) -> bool:
    return base_ecosystem(ecosystem) in _BY_ECOSYSTEM


def comparator(ecosystem: str) -> Comparator:
    """The comparison function for an ecosystem; VersionError if there is none."""
    try:
        return _BY_ECOSYSTEM[base_ecosystem(ecosystem)]
    except KeyError:
        raise VersionError(f"no version comparator for ecosystem {ecosystem!r}") from None


#: Longer version strings are rejected: no real version needs more, and hostile inputs must not
#: make any comparator's parsing quadratic.
MAX_VERSION_LENGTH = 256


def check_length(version: str) -> None:
    if len(version) > MAX_VERSION_LENGTH:
        raise VersionError(f"version string of {len(version)} characters is longer than {MAX_VERSION_LENGTH}")


def compare(ecosystem: str, a: str, b: str) -> int:
    """-1 if ``a`` < ``b``, 0 if equal, 1 if greater, in ``ecosystem``'s ordering."""
    fn = comparator(ecosystem)
    try:
        check_length(a)
        check_length(b)
        return fn(a, b)
    except VersionError as err:
        raise VersionError(f"{ecosystem}: {err}") from None
