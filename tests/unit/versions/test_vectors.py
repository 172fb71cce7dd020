"""Every comparator against the upstream vectors in ../shared/data/version-vectors.

A handful of hand-written osv-scalibr rows describe behaviour that no single real tool has
(they mix apk-tools releases, or assert an equality Maven itself does not make: SOURCES.md notes
real ComparableVersion disagrees on ``1-1 = 1-ga-1``). Those rows are listed in KNOWN with the
answer we give and why; every other row, including all 60,000+ generated ones that came from the
real tools, must agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from seawall.errors import VersionError
from seawall.versions import apk, compare, dpkg, pep440, rpm

OPS: dict[str, int] = {"<": -1, "=": 0, ">": 1}


def scalibr(path: Path) -> Iterator[tuple[int, str, str, int]]:
    """``A op B`` lines (osv-scalibr format): (line number, a, b, expected sign)."""
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", "//")):
            continue
        parts = line.split()
        if len(parts) < 3 or parts[1] not in OPS:
            raise ValueError(f"{path.name}:{n}: unreadable vector {raw!r}")
        yield n, parts[0], parts[2], OPS[parts[1]]


def three_columns(path: Path, sep: str | None = None) -> Iterator[tuple[int, str, str, int]]:
    """``A B result`` (dpkg) or ``A<TAB>B<TAB>result`` (rpm) lines."""
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        a, b, r = raw.split(sep)
        yield n, a, b, int(r)


def json_pairs(path: Path) -> list[list[object]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


SCALIBR = {
    "debian": "Debian",
    "redhat": "Red Hat",
    "alpine": "Alpine",
    "pypi": "PyPI",
    "maven": "Maven",
    "rubygems": "RubyGems",
    "semver": "npm",
    "nuget": "NuGet",
    "packagist": "Packagist",
    "hackage": "Hackage",
}

_APK3 = "apk-tools 3 behaviour; the generated vectors (real apk 2 on Alpine) order it our way"
_NOT_A_VERSION = "does not start with a digit: VersionError by design, never a string comparison"
#: (file, line) -> (our result, reason)
KNOWN: dict[tuple[str, int], tuple[int | None, str]] = {
    ("maven-versions.txt", 100): (1, "real Maven (3.8.6 and 3.9.6) orders 1-ga-1 below 1-1"),
    ("alpine-versions.txt", 2): (-1, _APK3),
    ("alpine-versions.txt", 4): (1, _APK3),
    ("alpine-versions.txt", 5): (1, _APK3),
    ("alpine-versions.txt", 15): (1, _APK3),
    ("alpine-versions.txt", 24): (1, _APK3),
    ("alpine-versions.txt", 27): (1, "apk 2 compares the raw letter byte ('A' < 'd' is false only in apk 3)"),
    ("alpine-versions.txt", 28): (1, "apk 2 compares the raw letter byte"),
    ("alpine-versions.txt", 40): (-1, _APK3),
    ("alpine-versions.txt", 47): (-1, _APK3),
    ("alpine-versions.txt", 62): (None, _NOT_A_VERSION),
    ("alpine-versions.txt", 63): (None, _NOT_A_VERSION),
    ("alpine-versions.txt", 64): (None, _NOT_A_VERSION),
    ("alpine-versions.txt", 65): (None, _NOT_A_VERSION),
    ("alpine-versions.txt", 66): (None, _NOT_A_VERSION),
    ("alpine-versions.txt", 67): (None, _NOT_A_VERSION),
}


def _result(eco: str, a: str, b: str) -> int | None:
    try:
        return compare(eco, a, b)
    except VersionError:
        return None


@pytest.mark.parametrize("stem", sorted(SCALIBR))
def test_osv_scalibr_vectors(shared_dir: Path, stem: str) -> None:
    eco = SCALIBR[stem]
    checked = 0
    wrong: list[str] = []
    for suffix in ("-versions.txt", "-versions-generated.txt"):
        path = shared_dir / "data/version-vectors/osv-scalibr" / f"{stem}{suffix}"
        if not path.exists():
            continue
        for n, a, b, want in scalibr(path):
            got = _result(eco, a, b)
            known = KNOWN.get((path.name, n))
            if known is not None:
                assert got == known[0], f"{path.name}:{n} {a} vs {b}: {got} (known: {known[1]})"
            elif got != want:
                wrong.append(f"{path.name}:{n}: {a} vs {b}: want {want}, got {got}")
            else:
                checked += 1
            if got is not None and known is None:  # antisymmetry
                assert _result(eco, b, a) == -got, f"{path.name}:{n} not antisymmetric"
    assert not wrong, "\n".join(wrong[:20])
    assert checked > 5


def test_dpkg_upstream(shared_dir: Path) -> None:
    rows = list(three_columns(shared_dir / "data/version-vectors/dpkg/Dpkg_Version.data"))
    assert len(rows) == 43
    for _, a, b, want in rows:
        assert dpkg.compare(a, b) == want, (a, b)


def test_rpmvercmp_upstream(shared_dir: Path) -> None:
    rows = list(three_columns(shared_dir / "data/version-vectors/rpm/rpmvercmp.tsv", "\t"))
    assert len(rows) == 91
    for _, a, b, want in rows:
        assert rpm.rpmvercmp(a, b) == want, (a, b)


_APK_TOOLS_KNOWN = {
    "8.2.0 < 8.2.001": "apk 3 string-sorts leading zeros; apk 2 (Alpine releases) ranks zero runs",
    "8.2.0015 < 8.2.002": "as above",
    "1.0~1234 < 1.0~2345": "~commit-hash suffixes exist only in apk-tools 3",
    "1.0~1234-r1 < 1.0~2345-r0": "as above",
    "1.0~1234-r1 > 1.0~1234-r0": "as above",
}


def test_apk_tools_upstream(shared_dir: Path) -> None:
    ops = {"<": {-1}, ">": {1}, "=": {0}, "<=": {-1, 0}, ">=": {0, 1}}
    checked = 0
    for raw in (shared_dir / "data/version-vectors/apk-tools/version.data").read_text().splitlines():
        line = raw.split("#")[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) == 1:
            v = parts[0]
            assert apk.is_valid(v.lstrip("!")) == (not v.startswith("!")), v
            continue
        a, op, b = parts
        negate = op.startswith("!")
        op = op.lstrip("!")
        if "~" in op or line in _APK_TOOLS_KNOWN:
            continue  # fuzzy (~) is a dependency operator, not an ordering
        holds = apk.compare(a, b) in ops[op]
        assert holds != negate, line
        checked += 1
    assert checked > 700


def test_pep440_packaging_order(shared_dir: Path) -> None:
    text = (shared_dir / "data/version-vectors/pep440/packaging-VERSIONS-sorted.txt").read_text()
    versions = [v.strip() for v in text.splitlines() if v.strip() and not v.startswith("#")]
    assert len(versions) == 92
    for i, a in enumerate(versions):
        for b in versions[i + 1 :]:
            assert compare("PyPI", a, b) == -1, (a, b)
            assert compare("PyPI", b, a) == 1, (a, b)


def test_pep440_invalid_are_not_pep440(shared_dir: Path) -> None:
    """packaging rejects these; we never treat them as PEP 440 (legacy order or VersionError)."""
    text = (shared_dir / "data/version-vectors/pep440/packaging-invalid-versions.txt").read_text()
    bad = [v.strip() for v in text.splitlines() if v.strip() and not v.startswith("#")]
    assert len(bad) == 20
    for v in bad:
        assert not pep440.is_pep440(v), v
        try:
            assert compare("PyPI", v, "0.0.dev0") == -1  # legacy sorts before every PEP 440 one
        except VersionError:
            assert any(c.isspace() for c in v)


def test_node_semver_fixtures(shared_dir: Path) -> None:
    base = shared_dir / "data/version-vectors/node-semver"
    for row in json_pairs(base / "comparisons.json"):
        a, b = str(row[0]), str(row[1])
        assert compare("npm", a, b) == 1, (a, b)
        assert compare("npm", b, a) == -1, (a, b)
    for row in json_pairs(base / "equality.json"):
        assert compare("npm", str(row[0]), str(row[1])) == 0, row


@pytest.mark.parametrize(
    ("eco", "bad"),
    [
        ("Debian", ""),
        ("Debian", "abc"),
        ("Debian", "1.0 beta"),
        ("npm", "not-a-version"),
        ("Go", "vX.Y"),
        ("Maven", ""),
        ("RubyGems", "1..2"),
        ("NuGet", "1.2.3.4.5"),
        ("Alpine", "r1"),
        ("Hackage", "1.a"),
        ("PyPI", ""),
    ],
)
def test_invalid_versions_raise(eco: str, bad: str) -> None:
    with pytest.raises(VersionError) as err:
        compare(eco, bad, "1.0")
    assert eco in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("eco", ["RubyGems", "npm", "Debian", "Alpine", "Maven", "PyPI"])
def test_overlong_versions_are_rejected_quickly(eco: str) -> None:
    with pytest.raises(VersionError, match="longer than"):
        compare(eco, "1" * 100_000 + "!", "1.0")


def test_unknown_ecosystem_is_an_error() -> None:
    with pytest.raises(VersionError, match="no version comparator"):
        compare("CRAN", "1.0", "1.1")


def test_go_pseudo_versions_and_prefix() -> None:
    assert compare("Go", "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-abcdefabcdef") == -1
    assert compare("Go", "v1.2.3", "1.2.3") == 0
    assert compare("Go", "v2.0.0+incompatible", "v2.0.0") == 0
    assert compare("Go", "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0") == -1


def test_release_suffix_is_ignored_for_algorithm() -> None:
    assert compare("Debian:12", "3.0.11-1~deb12u1", "3.0.11-1~deb12u2") == -1
    assert compare("Alpine:v3.20", "3.3.1-r0", "3.3.2-r0") == -1
    assert compare("AlmaLinux:9", "1:3.0.7-24.el9", "1:3.0.7-25.el9") == -1


def test_dpkg_sort_key_agrees_with_verrevcmp(shared_dir: Path) -> None:
    """The fast tuple key must order exactly like dpkg's verrevcmp on every generated version."""
    path = shared_dir / "data/version-vectors/osv-scalibr/debian-versions-generated.txt"
    for _, a, b, _want in scalibr(path):
        ea, ua, ra = dpkg.parse(a)
        eb, ub, rb = dpkg.parse(b)
        slow = (ea > eb) - (ea < eb) or dpkg.verrevcmp(ua, ub) or dpkg.verrevcmp(ra, rb)
        assert dpkg.compare(a, b) == slow, (a, b)


@pytest.mark.parametrize("eco", sorted({"Debian", "Alpine", "AlmaLinux", "PyPI", "npm", "Maven", "RubyGems", "NuGet",
                                        "Packagist", "Hackage", "Go"}))
@pytest.mark.parametrize("version", ["1\u00b2", "\u00b2", "1.0-\u00b2", "1:\u00b2", "\u0661\u0662", "1.\u0663"])
def test_unicode_digits_never_crash(eco: str, version: str) -> None:
    """'²' is str.isdigit() but int() refuses it: Maven's tokenizer crashed with ValueError
    ('internal error' while matching an SBOM). Each comparator answers or raises VersionError."""
    for other in ("1", "1.0", version):
        try:
            assert compare(eco, version, other) in (-1, 0, 1)
        except VersionError:
            pass
