"""dpkg: status and distroless status.d, Source forms, DEP-5 licenses, file ownership; and the
oracle: exactly what dpkg-query lists for a real mmdebstrap bookworm minbase root filesystem."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from seawall.inventory.imagefs import DirFS
from seawall.inventory.packages.catalog import catalog_fs
from seawall.inventory.packages.dpkg import copyright_licenses, parse_source, parse_status

STATUS = """Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries
 Contains the standard libraries.

Package: old-removed
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: purged
Status: purge ok not-installed
Architecture: amd64

Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl (3.0.11-1~deb12u2)
Version: 3.0.11-1~deb12u2+b1

Package: marked-for-removal
Status: deinstall ok installed
Architecture: all
Version: 0.1
"""

DEP5 = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: zlib

Files: *
Copyright: 1995-2013 Jean-loup Gailly and Mark Adler
License: Zlib

Files: debian/*
License: GPL-2+ or Artistic
 text of the license
"""

OS_RELEASE = 'ID=debian\nVERSION_ID="12"\n'


def test_status_keeps_installed_only() -> None:
    names = [r["Package"] for r in parse_status(STATUS)]
    assert names == ["libc6", "libssl3", "marked-for-removal"]


def test_source_forms() -> None:
    recs = {r["Package"]: r for r in parse_status(STATUS)}
    assert parse_source(recs["libc6"]) == ("glibc", "2.36-9+deb12u4")
    assert parse_source(recs["libssl3"]) == ("openssl", "3.0.11-1~deb12u2")
    assert parse_source(recs["marked-for-removal"]) == ("marked-for-removal", "0.1")


def test_dep5_licenses_and_free_form() -> None:
    assert copyright_licenses(DEP5) == ["Zlib", "GPL-2+", "Artistic"]
    assert copyright_licenses("This package was debianized by someone.\nLicense: GPL\n") == []


def test_dep5_license_line_of_a_million_words() -> None:
    """The 'with ... exception' suffix pattern backtracked quadratically on a License line of
    repeated 'with' (8,000 words: 2.6 s; a 4 MB copyright file: hours); such a line names no
    license and is passed over, the others are read."""
    head = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
    text = head + "License: GPL" + " with" * 800_000 + "\n\nLicense: MIT\n"
    assert copyright_licenses(text) == ["MIT"]


def test_dep5_license_lines_only_at_line_start() -> None:
    text = (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Comment: see License: BSD-3-clause in the tarball\n"  # not a field
        "License:\n"  # empty first line: no license named
        "License: \t \n"
        "License:\tMIT or Apache-2.0\n"
        " License: GPL-3\n"  # continuation line
        "License: GPL-2+ with OpenSSL exception\r\n"
        "License: LGPL-2.1"  # last line without newline
    )
    assert copyright_licenses(text) == ["MIT", "Apache-2.0", "GPL-2+", "LGPL-2.1"]


def _regex_licenses(text: str) -> list[str]:
    """The straightforward multi-line regex reading of DEP-5 License lines (the oracle)."""
    import re

    head = text[:400].lstrip().lower()
    if not head.startswith("format:") or ("copyright-format" not in head and "dep5" not in head):
        return []
    seen: dict[str, None] = {}
    for m in re.finditer(r"^License:[ \t]*(\S.*)$", text, re.MULTILINE):
        first = re.sub(r"\s+with\s+.*\s+exception\s*$", "", m.group(1).strip(), flags=re.IGNORECASE)
        for part in re.split(r"\s+(?:or|and)\s+|\s*,\s*", first, flags=re.IGNORECASE):
            part = part.strip().strip("()")
            if part and part.lower() not in ("public-domain", "other", "unknown"):
                seen.setdefault(part, None)
    return list(seen)


@pytest.mark.slow
def test_dep5_licenses_agree_with_a_regex_scan_on_a_real_image() -> None:
    from support.images import debian_images

    files = sorted((debian_images()["rootfs"] / "usr/share/doc").glob("*/copyright"))
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    assert sum(1 for t in texts if _regex_licenses(t)) > 50  # most Debian copyright files are DEP-5
    for p, text in zip(files, texts, strict=True):
        assert copyright_licenses(text) == _regex_licenses(text), p


def test_catalog_from_image(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    files = mkfiles
    site = "usr/lib/python3/dist-packages/PyYAML-6.0.egg-info/PKG-INFO"
    result = catalog_layers(
        [
            files(
                {
                    "etc/os-release": OS_RELEASE,
                    "var/lib/dpkg/status": STATUS,
                    "var/lib/dpkg/info/libc6:amd64.list": "/.\n/usr\n/usr/lib/x86_64-linux-gnu/libc.so.6\n",
                    "var/lib/dpkg/info/python3-yaml.list": f"/usr/lib/python3/dist-packages\n/{site}\n",
                    "usr/share/doc/libc6/copyright": DEP5,
                    site: "Metadata-Version: 1.1\nName: PyYAML\nVersion: 6.0\n",
                    "usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA": (
                        "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n"
                    ),
                }
            )
        ]
    )
    by_name = {p.name: p for p in result.packages}
    libc = by_name["libc6"]
    assert libc.purl == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"
    assert (libc.source_name, libc.source_version, libc.ecosystem) == ("glibc", "2.36-9+deb12u4", "Debian")
    assert libc.licenses == ("Zlib", "GPL-2+", "Artistic")
    assert libc.locations[0].path == "var/lib/dpkg/status" and libc.locations[0].layer.startswith("sha256:")
    # PyYAML's egg-info is owned by the Debian package python3-yaml: not counted again
    assert "PyYAML" not in by_name and result.owned_dropped == 1
    assert by_name["six"].purl == "pkg:pypi/six@1.16.0"


def test_distroless_status_d(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    files = mkfiles
    result = catalog_layers(
        [
            files(
                {
                    "etc/os-release": OS_RELEASE,
                    "var/lib/dpkg/status.d/base": "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n",
                    "var/lib/dpkg/status.d/base.md5sums": "d41d8cd98f00b204e9800998ecf8427e  etc/issue\n",
                    "var/lib/dpkg/status.d/tzdata": "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
                }
            )
        ]
    )
    assert sorted((p.name, p.version) for p in result.packages) == [
        ("base-files", "12.4+deb12u5"),
        ("tzdata", "2024a-0+deb12u1"),
    ]


def test_later_layer_replaces_and_deletes(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    files = mkfiles
    """A status file replaced by a later layer counts once, as its last version; a deleted one not at all."""
    first = files({"var/lib/dpkg/status": STATUS, "var/lib/dpkg/status.d/gone": "Package: gone\nVersion: 1\n"})
    second = [
        *files({"var/lib/dpkg/status": "Package: only\nStatus: install ok installed\nVersion: 2\n"}),
        *files({"var/lib/dpkg/status.d/.wh.gone": ""}),
    ]
    result = catalog_layers([first, second])
    assert [(p.name, p.version) for p in result.packages] == [("only", "2")]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("mmdebstrap") is None, reason="needs mmdebstrap (installed by .ci/run)")
def test_oracle_dpkg_query_on_real_rootfs() -> None:
    from support.images import debian_images

    rootfs = debian_images()["rootfs"]
    oracle = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${Version}\n", f"--admindir={rootfs}/var/lib/dpkg"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    result = catalog_fs(DirFS(rootfs))
    mine = [f"{p.name} {p.version}" for p in result.packages if p.cataloger == "dpkg"]
    assert sorted(mine) == sorted(oracle)
    assert len(oracle) > 50
    assert result.os is not None and (result.os.id, result.os.version_id) == ("debian", "12")
    # the source package is kept where it differs from the binary package
    assert any(p.source_name != p.name for p in result.packages)


def test_status_with_too_many_stanzas_is_not_checked(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    """A million three-line stanzas (57 MB, 2.6 MB gzipped) cost 7.7 GB and 85 s of
    seawall sbom; over 100,000 packages a status file is 'not checked'. A later, sane
    status.d file of the same image is still read."""
    many = "".join(f"Package: p{i}\nStatus: install ok installed\nVersion: 1\n\n" for i in range(100_001))
    files = {
        "etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
        "var/lib/dpkg/status": many,
        "var/lib/dpkg/status.d/base": "Package: base-files\nVersion: 12.4\n",
        "var/lib/dpkg/info/x.list": "/usr/x\n" * 10 + "".join(f"/p/{i}\n" for i in range(1_000_001)),
    }
    result = catalog_layers([mkfiles(files)])
    assert [p.name for p in result.packages] == ["base-files"]
    reasons = {n.subject: n.reason for n in result.not_checked}
    assert "more than 100000 packages" in reasons["var/lib/dpkg/status"]
    assert "more than 1000000 paths" in reasons["var/lib/dpkg/info/x.list"]
