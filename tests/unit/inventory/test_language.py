"""Language catalogers: Python (oracle: pip itself), npm (a real npm tree with lodash 4.17.15),
Ruby gemspecs and Java archives (built here as real zip files, nested)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from seawall.inventory.imagefs import DirFS
from seawall.inventory.packages.catalog import catalog_fs
from seawall.inventory.packages.java import scan_archive
from seawall.inventory.packages.python import licenses_of, parse_metadata
from seawall.inventory.packages.ruby import parse_gemspec

PY_PINS = ("requests==2.19.0", "urllib3==1.24.1", "PyYAML==5.3", "Django==2.2")


@pytest.mark.slow
def test_python_packages_equal_pip_list(tmp_path: Path) -> None:
    target = tmp_path / "site-packages"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-compile",
            "--target",
            str(target),
            *PY_PINS,
        ],
        check=True,
        capture_output=True,
    )
    listed = json.loads(
        subprocess.run(
            [sys.executable, "-m", "pip", "list", "--format", "json", "--path", str(target)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    oracle = sorted((d["name"], d["version"]) for d in listed)
    result = catalog_fs(DirFS(tmp_path))
    mine = sorted((p.name, p.version) for p in result.packages if p.ecosystem == "PyPI")
    assert mine == oracle
    assert ("requests", "2.19.0") in mine
    purls = {p.purl for p in result.packages}
    assert "pkg:pypi/pyyaml@5.3" in purls and "pkg:pypi/django@2.2" in purls


def test_python_metadata_and_licenses() -> None:
    text = (
        "Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0\nLicense: UNKNOWN\n"
        "Classifier: License :: OSI Approved :: BSD License\n"
        "Classifier: License :: OSI Approved :: Apache Software License\n\nLong description\nName: not-this\n"
    )
    fields = parse_metadata(text)
    assert fields["name"] == ["Foo_Bar"]
    assert licenses_of(fields) == ("BSD License", "Apache-2.0")
    assert licenses_of(parse_metadata("Name: x\nVersion: 1\nLicense-Expression: MIT OR Apache-2.0\n")) == (
        "MIT OR Apache-2.0",
    )


def test_egg_info_file_and_dir(tmp_path: Path) -> None:
    sp = tmp_path / "usr/lib/python3/site-packages"
    (sp / "old-0.1.egg-info").parent.mkdir(parents=True)
    (sp / "old-0.1.egg-info").write_text("Metadata-Version: 1.0\nName: old\nVersion: 0.1\n")
    (sp / "new.egg-info").mkdir()
    (sp / "new.egg-info/PKG-INFO").write_text("Metadata-Version: 1.1\nName: new\nVersion: 2.0\n")
    (sp / "egg-3.0-py3.9.egg/EGG-INFO").mkdir(parents=True)
    (sp / "egg-3.0-py3.9.egg/EGG-INFO/PKG-INFO").write_text("Metadata-Version: 1.1\nName: egg\nVersion: 3.0\n")
    assert sorted((p.name, p.version) for p in catalog_fs(DirFS(tmp_path)).packages) == [
        ("egg", "3.0"),
        ("new", "2.0"),
        ("old", "0.1"),
    ]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm")
def test_npm_tree_with_lodash(tmp_path: Path) -> None:
    app = tmp_path / "srv/app"
    app.mkdir(parents=True)
    (app / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0", "private": True}))
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--ignore-scripts", "lodash@4.17.15"],
        cwd=app,
        check=True,
        capture_output=True,
    )
    result = catalog_fs(DirFS(tmp_path))
    npm = [p for p in result.packages if p.ecosystem == "npm"]
    assert [(p.name, p.version, p.purl, p.licenses) for p in npm] == [
        ("lodash", "4.17.15", "pkg:npm/lodash@4.17.15", ("MIT",))
    ]
    assert npm[0].locations[0].path == "srv/app/node_modules/lodash/package.json"


def test_npm_scoped_nested_and_non_root_manifests(tmp_path: Path) -> None:
    def put(rel: str, doc: object) -> None:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(doc))

    put("app/node_modules/@babel/core/package.json", {"name": "@babel/core", "version": "7.0.0", "license": "MIT"})
    put(
        "app/node_modules/a/node_modules/b/package.json",
        {"name": "b", "version": "2.0.0", "licenses": [{"type": "BSD-2-Clause"}]},
    )
    put("app/node_modules/a/package.json", {"name": "a", "version": "1.0.0"})
    put("app/node_modules/a/test/fixtures/package.json", {"name": "fixture", "version": "0.0.0"})
    put("app/node_modules/broken/package.json", {"name": ["not", "a", "string"], "version": "1"})
    (tmp_path / "app/node_modules/bad/").mkdir(parents=True)
    (tmp_path / "app/node_modules/bad/package.json").write_text("{not json")
    (tmp_path / "app/node_modules/deep/").mkdir(parents=True)  # RecursionError: 'not checked'
    (tmp_path / "app/node_modules/deep/package.json").write_text("[" * 100_000)
    inv = catalog_fs(DirFS(tmp_path))
    assert not inv.not_checked, inv.not_checked  # not a package: like any other invalid JSON
    pk = {p.name: p for p in inv.packages}
    assert set(pk) == {"@babel/core", "a", "b"}
    assert pk["@babel/core"].purl == "pkg:npm/%40babel/core@7.0.0"
    assert pk["b"].licenses == ("BSD-2-Clause",)


GEMSPEC = """# -*- encoding: utf-8 -*-
# stub: rake 13.0.6 ruby lib

Gem::Specification.new do |s|
  s.name = "rake".freeze
  s.version = "13.0.6"

  s.required_rubygems_version = Gem::Requirement.new(">= 1.3.2".freeze) if s.respond_to? :required_rubygems_version=
  s.authors = ["Hiroshi SHIBATA".freeze, "Eric Hodel".freeze]
  s.licenses = ["MIT".freeze]
  s.summary = "Rake is a Make-like program implemented in Ruby".freeze
end
"""


def test_gemspec(tmp_path: Path) -> None:
    assert parse_gemspec(GEMSPEC, "x/specifications/rake-13.0.6.gemspec") == ("rake", "13.0.6", ("MIT",))
    assert parse_gemspec("garbage", "x/specifications/net-http-0.4.1.gemspec") == ("net-http", "0.4.1", ())
    spec = tmp_path / "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec"
    spec.parent.mkdir(parents=True)
    spec.write_text(GEMSPEC)
    (p,) = catalog_fs(DirFS(tmp_path)).packages
    assert (p.purl, p.ecosystem) == ("pkg:gem/rake@13.0.6", "RubyGems")


def test_gemspec_patterns_are_linear() -> None:
    """A line-anchored ``^\\s*`` ran across newlines: a million empty lines were hours of regex
    work (20,000 took 18 s); a gemspec of a million blank lines is now read at once."""
    assert parse_gemspec("\n" * 1_000_000, "x/specifications/blank-1.0.gemspec") == ("blank", "1.0", ())
    spaced = "Gem::Specification.new do |s|\n\t s.name  =  'tabbed'\n  s.version = Gem::Version.new( '2.0')\nend\n"
    assert parse_gemspec(spaced, "x/specifications/t.gemspec") == ("tabbed", "2.0", ())


def _jar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_java_pom_manifest_nested(tmp_path: Path) -> None:
    inner = _jar(
        {
            "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n",
            "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties": (
                b"#Generated by Maven\ngroupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n"
            ),
        }
    )
    manifest_only = _jar(
        {
            "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\nImplementation-Title: thing\r\n"
            b"Implementation-Version: 3.1\r\nBundle-License: Apache-2.0\r\n"
        }
    )
    war = _jar(
        {
            "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n",
            "WEB-INF/lib/log4j-core-2.14.1.jar": inner,
            "WEB-INF/lib/thing-3.1.jar": manifest_only,
            "WEB-INF/lib/broken.jar": b"not a zip",
        }
    )
    arts = list(scan_archive(war, "app/ROOT.war"))
    got = {(a.group, a.artifact, a.version, a.path) for a in arts}
    assert (
        "org.apache.logging.log4j",
        "log4j-core",
        "2.14.1",
        "app/ROOT.war!/WEB-INF/lib/log4j-core-2.14.1.jar",
    ) in got
    assert ("", "thing", "3.1", "app/ROOT.war!/WEB-INF/lib/thing-3.1.jar") in got
    (tmp_path / "app").mkdir()
    (tmp_path / "app/ROOT.war").write_bytes(war)
    pk = {p.name: p for p in catalog_fs(DirFS(tmp_path)).packages}
    log4j = pk["org.apache.logging.log4j:log4j-core"]
    assert log4j.purl == "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1" and log4j.ecosystem == "Maven"
    assert pk["thing"].licenses == ("Apache-2.0",)


def test_java_zip_bomb_is_bounded(tmp_path: Path) -> None:
    bomb = _jar({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n", "x/big.jar": b"\0" * (80 * 1024 * 1024)})
    arts = list(scan_archive(bomb, "bomb-1.0.jar"))  # the nested 80 MiB "jar" is refused, not inflated
    assert [(a.artifact, a.version) for a in arts] == [("bomb", "1.0")]
    (tmp_path / "not.jar").write_bytes(b"PK\x03\x04 truncated")
    result = catalog_fs(DirFS(tmp_path))
    assert result.packages == [] and [n.subject for n in result.not_checked] == ["not.jar"]


def _many_entries_zip(n: int, *, zip64: bool) -> bytes:
    """A zip whose central directory holds ``n`` records of one empty stored file (zipfile
    cannot write this many cheaply; the records are what a hostile jar would carry)."""
    import struct

    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0) + b"a"
    central = [
        struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, i * len(local))
        + b"a"
        for i in range(n)
    ]
    body = local * n
    cd = b"".join(central)
    if zip64:
        end = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(cd), len(body))
        end += struct.pack("<IIQI", 0x07064B50, 0, len(body) + len(cd), 1)
        end += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n & 0xFFFF, n & 0xFFFF, len(cd), len(body), 0)
    return body + cd + end


@pytest.mark.parametrize("zip64", [True, False])
def test_java_central_directory_is_counted_before_it_is_parsed(zip64: bool) -> None:
    """zipfile builds a ZipInfo per central-directory record before the entry limit was checked:
    1.5 million records (a 4 MB gzipped layer) cost 800 MB."""
    import tracemalloc

    data = _many_entries_zip(150_000, zip64=zip64)
    assert len(zipfile.ZipFile(io.BytesIO(data)).infolist()) == 150_000  # a valid zip
    tracemalloc.start()
    try:
        with pytest.raises(Exception, match="more than 100000 entries"):
            list(scan_archive(data, "many-1.0.jar"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < len(data), peak  # nothing per record
    small = _many_entries_zip(1000, zip64=zip64)
    assert [a.artifact for a in scan_archive(small, "few-1.0.jar")] == ["few"]


def test_java_nested_inflation_is_budgeted() -> None:
    """Members up to 1 MiB may have any compression ratio: each of thousands of 1 MiB members
    of zeros named *.jar was inflated and tried as an archive. One budget covers the nesting."""
    from seawall.inventory.packages.java import ArchiveError

    members = {f"lib/z{i}.jar": b"\0" * (1024 * 1024) for i in range(20)}
    jar = _jar({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n", **members})
    assert [a.artifact for a in scan_archive(jar, "fat-1.0.jar")] == ["fat"]  # default budget: 1 GiB
    with pytest.raises(ArchiveError, match="nested archives inflate to more than"):
        list(scan_archive(jar, "fat-1.0.jar", budget=[8 * 1024 * 1024]))


def test_java_nested_archive_with_a_64k_name() -> None:
    """A nested jar's name comes from its zip entry (up to 64 kB): the name-version pattern is
    quadratic on 'a-1a-1...' (20,000 repeats: 7 s per nested jar, and an archive may hold
    thousands); names longer than NAME_MAX are not parsed for a version."""
    inner = _jar({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n"})
    long = "lib/" + "a-1" * 20_000 + "!.jar"
    outer = _jar({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n", long: inner, "lib/ok-2.0.jar": inner})
    arts = {(a.artifact, a.version) for a in scan_archive(outer, "app-1.0.jar")}
    assert arts == {("app", "1.0"), ("ok", "2.0")}  # the long one has no version: not a package
