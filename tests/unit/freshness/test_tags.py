"""Version lines of image tags: variants, precision and pre-releases never mix."""

from __future__ import annotations

import pytest

from seawall.freshness.tags import Upgrade, newest_in_line, parse_tag, upgrades

TAGS = [
    "1.25.3", "1.25.5", "1.25.4", "1.26.0", "1.27.1", "2.0.0", "2.1.0-rc1", "latest", "1.25", "1.27",
    "v1.25.9", "1.25.6-rc.1", "1.25.3-alpine", "1.25.10-alpine", "1.25.4-alpine3.19", "1.25.6-beta",
    "sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.sig", "main", "1",
]


@pytest.mark.parametrize(
    ("tag", "numbers", "variant", "pre"),
    [
        ("1.25.3", (1, 25, 3), "", False),
        ("v2.0", (2, 0), "", False),
        ("1.25.3-alpine", (1, 25, 3), "-alpine", False),
        ("3.12.1-slim-bookworm", (3, 12, 1), "-slim-bookworm", False),
        ("2.1.0-rc1", (2, 1, 0), "", True),
        ("1.25.6-rc.1", (1, 25, 6), "", True),
        ("1.0.0-beta", (1, 0, 0), "", True),
        ("20240102", (20240102,), "", False),
    ],
)
def test_parse_tag(tag: str, numbers: tuple[int, ...], variant: str, pre: bool) -> None:
    t = parse_tag(tag)
    assert t is not None
    assert (t.numbers, t.variant, t.prerelease) == (numbers, variant, pre)


@pytest.mark.parametrize("tag", ["latest", "main", "stable-slim", "", "sha256-ab.sig", "1.2.3.4.5", "1..2"])
def test_non_version_tags(tag: str) -> None:
    assert parse_tag(tag) is None


def test_upgrades_by_level() -> None:
    assert upgrades("1.25.3", TAGS) == [
        Upgrade("patch", "1.25.5"),
        Upgrade("minor", "1.27.1"),
        Upgrade("major", "2.0.0"),
    ]


def test_variant_line_is_kept() -> None:
    # alpine images are only compared with alpine images (never alpine3.19 or the debian variant)
    assert upgrades("1.25.3-alpine", TAGS) == [Upgrade("patch", "1.25.10-alpine")]
    assert newest_in_line("1.25.3-alpine", TAGS) == "1.25.10-alpine"


def test_floating_tags_compare_with_their_precision() -> None:
    assert upgrades("1.25", TAGS) == [Upgrade("minor", "1.27")]
    assert upgrades("1", TAGS) == []  # "2.0.0" is another precision


def test_prereleases_are_never_suggested_and_v_prefix_is_its_own_line() -> None:
    ups = upgrades("2.0.0", TAGS)
    assert ups == []  # 2.1.0-rc1 is a pre-release
    assert upgrades("v1.25.3", TAGS) == [Upgrade("patch", "v1.25.9")]


def test_newest_and_non_versions() -> None:
    assert newest_in_line("1.25.3", TAGS) == "2.0.0"
    assert newest_in_line("2.0.0", TAGS) == ""
    assert upgrades("latest", TAGS) == []
