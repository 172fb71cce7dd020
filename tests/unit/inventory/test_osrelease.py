"""OS detection from the files distributions ship (texts as the distributions write them)."""

from __future__ import annotations

import pytest

from seawall.inventory.osrelease import detect_os, parse_os_release

DEBIAN_12 = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"""
ALPINE = """NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.20.3
PRETTY_NAME="Alpine Linux v3.20"
"""
UBUNTU = """PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
ID=ubuntu
ID_LIKE=debian
"""
ROCKY = """NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
"""
SID = """PRETTY_NAME="Debian GNU/Linux trixie/sid"
NAME="Debian GNU/Linux"
ID=debian
"""


def reader(files: dict[str, str]):  # type: ignore[no-untyped-def]
    return lambda p, n: files[p].encode()[:n] if p in files else None


@pytest.mark.parametrize(
    ("files", "expected", "release"),
    [
        ({"etc/os-release": DEBIAN_12}, ("debian", "12"), "12"),
        ({"usr/lib/os-release": ALPINE}, ("alpine", "3.20.3"), "3.20"),
        ({"etc/os-release": UBUNTU}, ("ubuntu", "22.04"), "22.04"),
        ({"etc/os-release": ROCKY}, ("rocky", "9.3"), "9"),
        ({"etc/os-release": SID, "etc/debian_version": "trixie/sid\n"}, ("debian", "trixie/sid"), "trixie/sid"),
        ({"etc/alpine-release": "3.19.1\n"}, ("alpine", "3.19.1"), "3.19"),
        ({"etc/redhat-release": "Red Hat Enterprise Linux release 8.9 (Ootpa)\n"}, ("rhel", "8.9"), "8"),
        ({"etc/centos-release": "CentOS Linux release 7.9.2009 (Core)\n"}, ("centos", "7.9.2009"), "7"),
        ({"etc/debian_version": "11.9\n"}, ("debian", "11.9"), "11"),
        ({"etc/debian_version": "bookworm/sid\n"}, ("debian", "12"), "12"),
    ],
)
def test_detect(files: dict[str, str], expected: tuple[str, str], release: str) -> None:
    os = detect_os(reader(files))
    assert os is not None
    assert (os.id, os.version_id) == expected
    assert os.release == release


def test_os_release_wins_over_usr_lib() -> None:
    os = detect_os(reader({"etc/os-release": DEBIAN_12, "usr/lib/os-release": ALPINE}))
    assert os is not None and os.id == "debian" and os.source == "etc/os-release"
    assert os.purl_distro == "debian-12"


def test_scratch_has_no_os() -> None:
    assert detect_os(reader({})) is None


def test_garbage_is_not_an_os() -> None:
    assert parse_os_release("\x00\x01 not = an os release\nFOO='unterminated\n") is None
    assert detect_os(reader({"etc/os-release": "ID=\n"})) is None
