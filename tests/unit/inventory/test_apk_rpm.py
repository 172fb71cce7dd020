"""apk installed database and the SQLite rpmdb (a real one, written by rpm itself), and the
'not checked' record for a BerkeleyDB rpmdb."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from seawall.errors import SourceError
from seawall.inventory.packages.apk import parse_installed
from seawall.inventory.packages.rpm import parse_header, split_source_rpm

APK_DB = """C:Q1abc=
P:musl
V:1.2.5-r0
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
F:lib
R:ld-musl-x86_64.so.1
R:libc.musl-x86_64.so.1

C:Q1def=
P:libcrypto3
V:3.3.2-r0
A:x86_64
L:Apache-2.0
o:openssl
F:usr/lib
R:libcrypto.so.3
F:usr/lib/python3.12/site-packages/pkg-1.0.dist-info
R:METADATA
"""
ALPINE_OS = "ID=alpine\nVERSION_ID=3.20.3\n"


def test_parse_installed() -> None:
    recs = list(parse_installed(APK_DB))
    assert [(r["P"], r["V"], r["o"]) for r, _ in recs] == [
        ("musl", "1.2.5-r0", "musl"),
        ("libcrypto3", "3.3.2-r0", "openssl"),
    ]
    assert recs[0][1] == ["lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"]


def test_apk_catalog(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    meta = "usr/lib/python3.12/site-packages/pkg-1.0.dist-info/METADATA"
    result = catalog_layers(
        [
            mkfiles(
                {
                    "etc/os-release": ALPINE_OS,
                    "lib/apk/db/installed": APK_DB,
                    meta: "Name: pkg\nVersion: 1.0\n",
                }
            )
        ]
    )
    pk = {p.name: p for p in result.packages}
    assert set(pk) == {"musl", "libcrypto3"}  # pkg's dist-info is owned by the apk package
    assert pk["libcrypto3"].purl == "pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&distro=alpine-3.20.3"
    assert (pk["libcrypto3"].source_name, pk["libcrypto3"].licenses) == ("openssl", ("Apache-2.0",))
    assert pk["musl"].ecosystem == "Alpine"


def test_split_source_rpm() -> None:
    assert split_source_rpm("glibc-2.34-60.el9.src.rpm") == ("glibc", "2.34-60.el9")
    assert split_source_rpm("python3-urllib3-1.26.5-3.el9.nosrc.rpm") == ("python3-urllib3", "1.26.5-3.el9")
    assert split_source_rpm("(none)") == ("", "")


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x00\x00\x00\x01",
        b"\xff\xff\xff\xff\x00\x00\x00\x10" + b"\x00" * 16,
        b"\x00\x00\x00\x01\x00\x00\x00\x08"
        + b"\x00\x00\x03\xe8\x00\x00\x00\x06\x00\x00\x00\x09\x00\x00\x00\x01"
        + b"abcdefgh",
    ],
)
def test_hostile_headers(blob: bytes) -> None:
    with pytest.raises(SourceError):
        parse_header(blob)


SPEC = """Name: hello-sw
Version: 1.2.3
Release: 4.el9
Epoch: 2
Summary: test
License: MIT and GPL-2.0-or-later
BuildArch: noarch
%description
test
%install
mkdir -p %{buildroot}/usr/share/hello-sw %{buildroot}/usr/lib/python3.9/site-packages/foo-1.0.dist-info
echo hi > %{buildroot}/usr/share/hello-sw/readme
cd %{buildroot}/usr/lib/python3.9/site-packages/foo-1.0.dist-info
printf 'Metadata-Version: 2.1\\nName: foo\\nVersion: 1.0\\n' > METADATA
%files
/usr/share/hello-sw/readme
/usr/lib/python3.9/site-packages/foo-1.0.dist-info/METADATA
"""


@pytest.fixture(scope="module")
def rpm_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("rpmbuild") is None:
        pytest.skip("needs Debian's rpm package (installed by .ci/run)")
    work = tmp_path_factory.mktemp("rpm")
    (work / "hello.spec").write_text(SPEC)
    subprocess.run(
        ["rpmbuild", "-bb", "--define", f"_topdir {work}/top", str(work / "hello.spec")],
        check=True,
        capture_output=True,
    )
    root = work / "root"
    root.mkdir()
    base = ["rpm", "--root", str(root), "--dbpath", "/var/lib/rpm", "--define", "_db_backend sqlite"]
    subprocess.run([*base, "--initdb"], check=True, capture_output=True)
    rpms = sorted((work / "top" / "RPMS").rglob("*.rpm"))
    subprocess.run([*base, "-i", "--nodeps", "--justdb", *map(str, rpms)], check=True, capture_output=True)
    return root


def test_real_sqlite_rpmdb(rpm_root: Path, catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    oracle = subprocess.run(
        ["rpm", "--root", str(rpm_root), "--dbpath", "/var/lib/rpm", "-qa", "--qf", "%{NAME} %{EVR} %{ARCH}\\n"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    db = (rpm_root / "var/lib/rpm/rpmdb.sqlite").read_bytes()
    meta = "usr/lib/python3.9/site-packages/foo-1.0.dist-info/METADATA"
    result = catalog_layers(
        [
            mkfiles(
                {
                    "etc/os-release": 'ID="rocky"\nVERSION_ID="9.3"\n',
                    "var/lib/rpm/rpmdb.sqlite": db,
                    meta: "Name: foo\nVersion: 1.0\n",
                }
            )
        ]
    )
    assert [[p.name, p.version, p.arch] for p in result.packages] == [oracle]
    p = result.packages[0]
    assert p.purl == "pkg:rpm/rocky/hello-sw@1.2.3-4.el9?arch=noarch&distro=rocky-9.3&epoch=2"
    assert (p.ecosystem, p.source_name, p.source_version) == ("Rocky Linux", "hello-sw", "2:1.2.3-4.el9")
    assert p.licenses == ("MIT and GPL-2.0-or-later",)
    assert result.owned_dropped == 1  # foo's dist-info belongs to the rpm


def test_berkeleydb_rpmdb_is_reported_not_read(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    result = catalog_layers([mkfiles({"var/lib/rpm/Packages": b"\x00\x06\x15\x61" + b"\x00" * 4092})])
    assert result.packages == []
    assert [(n.subject, "BerkeleyDB" in n.reason) for n in result.not_checked] == [("var/lib/rpm/Packages", True)]


def test_corrupt_sqlite_is_not_checked(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    result = catalog_layers([mkfiles({"var/lib/rpm/rpmdb.sqlite": b"SQLite format 3\x00" + b"\xff" * 200})])
    assert result.packages == [] and len(result.not_checked) == 1


_ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"


@pytest.mark.parametrize(
    "schema",
    [
        # a view whose rows never end: 15 GB of memory in a minute before
        f"CREATE VIEW Packages AS {_ENDLESS} SELECT zeroblob(100000) AS blob FROM c",
        # a generated column is computed on read (zeroblob(2000000000) would be 2 GB per row)
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, b BLOB, blob BLOB AS (zeroblob(1000)))",
        "CREATE TABLE Other (hnum INTEGER PRIMARY KEY, blob BLOB)",  # no Packages at all
    ],
)
def test_hostile_sqlite_schema_is_not_checked(tmp_path: Path, schema: str, catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    """An rpmdb.sqlite is a program as much as a file: views and generated columns run when the
    Packages table is read. Only a real table with a stored blob column is read, bounded."""
    import sqlite3

    db = tmp_path / "rpmdb.sqlite"
    conn = sqlite3.connect(db)
    conn.execute(schema)
    if "TABLE Packages" in schema:
        conn.execute("INSERT INTO Packages (hnum, b) VALUES (1, x'00')")
    conn.commit()
    conn.close()
    result = catalog_layers(
        [mkfiles({"etc/os-release": 'ID="rocky"\nVERSION_ID="9.3"\n', "var/lib/rpm/rpmdb.sqlite": db.read_bytes()})]
    )
    assert result.packages == []
    assert [n.subject for n in result.not_checked] == ["var/lib/rpm/rpmdb.sqlite"]
    assert "Packages" in result.not_checked[0].reason


def test_apk_database_bounds(catalog_layers, mkfiles) -> None:  # type: ignore[no-untyped-def]
    """Over 100,000 packages or 1,000,000 owned paths, an apk database is 'not checked'."""
    many = "".join(f"P:p{i}\nV:1\n\n" for i in range(100_001))
    result = catalog_layers([mkfiles({"etc/os-release": ALPINE_OS, "lib/apk/db/installed": many})])
    assert result.packages == [] and "more than 100000 packages" in result.not_checked[0].reason
    paths = "P:musl\nV:1\nF:lib\n" + "R:x\n" * 1_000_001
    result = catalog_layers([mkfiles({"etc/os-release": ALPINE_OS, "lib/apk/db/installed": paths})])
    assert result.packages == [] and "more than 1000000 paths" in result.not_checked[0].reason
