"""Registry-scan pieces that need no server: targets, artifact tags, superseded digests."""

from __future__ import annotations

import pytest

from seawall.errors import InputError
from seawall.registries.scan import ImageJob, is_artifact_tag, parse_target, superseded

HEX = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("text", "host", "glob"),
    [
        ("registry.example.com", "registry.example.com", "*"),
        ("127.0.0.1:5000/team/*", "127.0.0.1:5000", "team/*"),
        ("https://Reg.Example.com/app/", "reg.example.com", "app"),
        ("localhost/a/b", "localhost", "a/b"),
    ],
)
def test_parse_target(text: str, host: str, glob: str) -> None:
    assert parse_target(text) == (host, glob)


@pytest.mark.parametrize("text", ["", "nginx", "reg.io/UPPER", "reg.io/a b", "reg.io/a;rm"])
def test_bad_targets(text: str) -> None:
    with pytest.raises(InputError):
        parse_target(text)


def test_artifact_tags() -> None:
    assert is_artifact_tag(f"sha256-{HEX}.sig")
    assert is_artifact_tag(f"sha256-{HEX}.att")
    assert is_artifact_tag(f"sha256-{HEX}")
    assert not is_artifact_tag("sha256-abc.sig") and not is_artifact_tag("1.0")


def test_superseded_only_when_every_tag_is() -> None:
    tags = ["1.25.3", "1.25.5", "1.26.0", "1.25", "1.26", "latest", "1.26.0-alpine"]
    assert superseded(ImageJob("a", "d", ("1.25.3",)), tags) == [("1.25.3", "1.25.5")]
    assert superseded(ImageJob("a", "d", ("1.25.5",)), tags) == []  # newest patch (1.26.0 is another minor)
    assert superseded(ImageJob("a", "d", ("1.25.3", "latest")), tags) == []
    assert superseded(ImageJob("a", "d", ("1.25",)), tags) == [("1.25", "1.26")]
    assert superseded(ImageJob("a", "d", ("1.25.3", "1.25")), tags) == [("1.25.3", "1.25.5"), ("1.25", "1.26")]
    assert superseded(ImageJob("a", "d", ("1.26.0-alpine",)), tags) == []
