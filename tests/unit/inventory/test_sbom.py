"""CycloneDX 1.6 and SPDX 2.3 output validates against the official schemas (../shared/schemas,
resolved offline), for every package kind and for awkward license texts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seawall.inventory.osrelease import OSRelease
from seawall.inventory.packages.licenses import from_classifier, spdx_expression, spdx_id
from seawall.inventory.packages.model import ImageInventory, NotChecked, Package, PackageLocation, make_purl
from seawall.inventory.packages.spdx_ids import SPDX_LICENSE_IDS
from seawall.reporters import cyclonedx, spdx

LAYER = "sha256:" + "ab" * 32


def _pkg(name: str, version: str, eco: str, purl: str, cat: str, lic: tuple[str, ...] = (), **kw: Any) -> Package:
    return Package(name, version, eco, purl, cat, licenses=lic, locations=(PackageLocation(f"x/{name}", LAYER),), **kw)


PACKAGES = (
    _pkg(
        "libc6",
        "2.36-9+deb12u4",
        "Debian",
        make_purl(
            "deb", "libc6", "2.36-9+deb12u4", namespace="debian", qualifiers={"arch": "amd64", "distro": "debian-12"}
        ),
        "dpkg",
        ("GPL-2+", "LGPL-2.1+", "public domain-ish", "GPL-2+"),
        source_name="glibc",
        source_version="2.36-9+deb12u4",
        arch="amd64",
    ),
    _pkg("musl", "1.2.5-r0", "Alpine", make_purl("apk", "musl", "1.2.5-r0", namespace="alpine"), "apk", ("MIT",)),
    _pkg("requests", "2.19.0", "PyPI", make_purl("pypi", "requests", "2.19.0"), "python", ("Apache 2.0",)),
    _pkg(
        "@babel/core",
        "7.0.0",
        "npm",
        make_purl("npm", "core", "7.0.0", namespace="@babel"),
        "npm",
        ("(MIT OR Apache-2.0)",),
    ),
    _pkg(
        "example.com/app",
        "(devel)",
        "Go",
        make_purl("golang", "app", "", namespace="example.com"),
        "go",
        kind="application",
    ),
    _pkg(
        "org.apache.logging.log4j:log4j-core",
        "2.14.1",
        "Maven",
        make_purl("maven", "log4j-core", "2.14.1", namespace="org.apache.logging.log4j"),
        "java",
        ("The Apache Software License, Version 2.0",),
        metadata=(("group", "org.apache.logging.log4j"), ("artifact", "log4j-core")),
    ),
    _pkg("rake", "13.0.6", "RubyGems", make_purl("gem", "rake", "13.0.6"), "gem", ("MIT", "Ruby's own ☃ license")),
    _pkg("dup", "1", "npm", make_purl("npm", "dup", "1"), "npm"),
    _pkg("dup", "1", "npm", make_purl("npm", "dup", "1"), "npm"),
)


def _inv(ref: str = "registry.example.test:5000/team/app:1.0") -> ImageInventory:
    return ImageInventory(
        reference=ref,
        digest="sha256:" + "cd" * 32,
        config_digest="sha256:" + "ef" * 32,
        os=OSRelease("debian", "12", "Debian GNU/Linux 12 (bookworm)"),
        packages=PACKAGES,
        not_checked=(NotChecked("var/lib/rpm/Packages", "BerkeleyDB rpmdb is not read"),),
        platform="linux/amd64",
    )


@pytest.mark.parametrize("invs", [[_inv()], [_inv(), _inv("/tmp/x.tar")], [_inv("app.tar")]])
def test_cyclonedx_validates(invs: list[ImageInventory], sbom_validators, check_schema) -> None:  # type: ignore[no-untyped-def]
    doc = cyclonedx.build(invs)
    assert check_schema(sbom_validators[0], doc) == []
    refs = [c["bom-ref"] for c in doc["components"]]
    assert len(refs) == len(set(refs))
    comps = {c["name"]: c for c in doc["components"]}
    assert comps["log4j-core"]["group"] == "org.apache.logging.log4j"
    assert comps["@babel/core"]["licenses"] == [{"expression": "(MIT OR Apache-2.0)"}]
    assert comps["requests"]["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert {"license": {"name": "public domain-ish"}} in comps["libc6"]["licenses"]


@pytest.mark.parametrize("invs", [[_inv()], [_inv(), _inv("other:2")]])
def test_spdx_validates(invs: list[ImageInventory], sbom_validators, check_schema) -> None:  # type: ignore[no-untyped-def]
    doc = spdx.build(invs)
    assert check_schema(sbom_validators[1], doc) == []
    ids = [p["SPDXID"] for p in doc["packages"]]
    assert len(ids) == len(set(ids))
    pk = {p["name"]: p for p in doc["packages"]}
    assert pk["libc6"]["licenseDeclared"].startswith("GPL-2.0-or-later AND LGPL-2.1-or-later AND LicenseRef-")
    refs = {e["licenseId"] for e in doc["hasExtractedLicensingInfos"]}
    assert all(r in refs for p in doc["packages"] for r in p["licenseDeclared"].split() if r.startswith("LicenseRef-"))
    described = [r for r in doc["relationships"] if r["relationshipType"] == "DESCRIBES"]
    assert len(described) == len(invs)


def test_license_mapping() -> None:
    assert spdx_id("mit") == "MIT" and spdx_id("Expat") == "MIT" and spdx_id("GPL-2+") == "GPL-2.0-or-later"
    assert spdx_id("BSD") is None and spdx_id("") is None
    assert spdx_expression("mit or apache-2.0") == "MIT OR Apache-2.0"
    assert spdx_expression("(MIT OR (BSD-3-Clause AND Zlib))") == "(MIT OR (BSD-3-Clause AND Zlib))"
    assert (
        spdx_expression("MIT/X11") is None and spdx_expression("MIT OR") is None and spdx_expression("((MIT)") is None
    )
    assert from_classifier("License :: OSI Approved :: MIT License") == "MIT"
    assert from_classifier("Programming Language :: Python") is None
    assert {"MIT", "Apache-2.0", "GPL-2.0-or-later", "LGPL-2.1-or-later", "Zlib", "PSF-2.0"} <= SPDX_LICENSE_IDS


@pytest.mark.parametrize(
    ("eco", "distro", "expected"),
    [
        ("Debian", "debian-12", "Debian:12"),
        ("Alpine", "alpine-3.20.3", "Alpine:v3.20"),
        ("Ubuntu", "ubuntu-22.04", "Ubuntu:22.04"),
        ("Rocky Linux", "rocky-9.3", "Rocky Linux:9"),
        ("PyPI", "", "PyPI"),
        ("Debian", "", "Debian"),
    ],
)
def test_osv_ecosystem(eco: str, distro: str, expected: str) -> None:
    assert Package("x", "1", eco, "pkg:generic/x@1", "t", distro=distro).osv_ecosystem == expected


def test_sbom_command_imports_only_what_a_plain_archive_needs(tmp_path: Path) -> None:
    """``seawall sbom`` on a docker-save archive with plain layers and no jar/rpm/Go content
    loads neither the scan machinery nor the parsers it does not use (start-up time)."""
    import subprocess
    import sys

    from support.images import E, layer_tar, write_docker_archive

    status = "Package: base-files\nStatus: install ok installed\nVersion: 12.4\nArchitecture: amd64\n\n"
    layer = layer_tar([E("etc/os-release", b"ID=debian\nVERSION_ID=12\n"), E("var/lib/dpkg/status", status.encode())])
    write_docker_archive(tmp_path / "a.tar", [layer])
    code = (
        "import sys\nfrom seawall.cli.main import main\n"
        f"rc = main(['sbom', {str(tmp_path / 'a.tar')!r}, '-o', {str(tmp_path / 'bom.json')!r}, '-q'])\n"
        "print(rc, ' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "0"
    loaded = set(out[1:])
    unwanted = {
        "seawall.engine", "seawall.plugins", "seawall.rules.registry", "seawall.policy.config", "rich",
        "zipfile", "sqlite3", "isal", "http.client", "ssl", "email.parser",
    }
    assert not loaded & unwanted, sorted(loaded & unwanted)
    assert "base-files" in (tmp_path / "bom.json").read_text()


def test_purl_of_names_packageurl_refuses() -> None:
    """A dpkg package named '/' (or an npm name '@x/') made packageurl raise TypeError/ValueError
    and stopped seawall sbom and image with 'internal error'; every part is percent-encoded
    instead."""
    assert make_purl("deb", "/", "1", namespace="debian", qualifiers={"distro": "debian-12"}) == (
        "pkg:deb/debian/%2F@1?distro=debian-12"
    )
    assert make_purl("npm", "", "1", namespace="@x") == "pkg:npm/%40x/%00@1"
    assert make_purl("deb", "ok", "1", namespace="debian") == "pkg:deb/debian/ok@1"  # the normal path


def test_hostile_package_names_are_listed(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    files = {
        "etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
        "var/lib/dpkg/status": "Package: /\nVersion: 1\nStatus: install ok installed\n\nPackage: x\nVersion: :\n",
        "app/node_modules/a/package.json": '{"name":"@x/","version":"1"}',
    }
    result = catalog_layers([mkfiles(files)])
    assert sorted(p.purl for p in result.packages) == [
        "pkg:deb/debian/%2F@1?distro=debian-12",
        "pkg:deb/debian/x@:?distro=debian-12",
        "pkg:npm/%40x/%00@1",
    ]


def test_a_cataloger_failing_after_the_walk_costs_its_packages_not_the_run(tmp_path: Path) -> None:
    """Only ``parse`` was guarded: an exception in ``packages`` (after the walk) stopped the run
    with 'internal error'. It is now 'not checked' for that cataloger; the others still list."""
    from seawall.inventory.imagefs import DirFS
    from seawall.inventory.packages.catalog import CATALOGERS, catalog_fs
    from seawall.inventory.packages.npm import NpmCataloger

    class Broken(NpmCataloger):
        def packages(self, found, ctx):  # type: ignore[no-untyped-def]
            raise RuntimeError("broken on purpose")
            yield

    (tmp_path / "node_modules/a").mkdir(parents=True)
    (tmp_path / "node_modules/a/package.json").write_text('{"name":"a","version":"1"}')
    (tmp_path / "var/lib/dpkg").mkdir(parents=True)
    (tmp_path / "var/lib/dpkg/status").write_text("Package: x\nVersion: 1\nStatus: install ok installed\n")
    cats = [Broken() if isinstance(c, NpmCataloger) else c for c in CATALOGERS]
    result = catalog_fs(DirFS(tmp_path), cats)
    assert [p.name for p in result.packages] == ["x"]
    assert [(n.subject, n.reason) for n in result.not_checked] == [
        ("node_modules/a/package.json", "npm cataloger failed: RuntimeError: broken on purpose")
    ]
