"""The ``freshness:`` section: validated, disabled unless asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.engine import scan
from seawall.errors import PolicyError
from seawall.freshness.check import DEFAULT_MAX_AGE_DAYS, parse_freshness_section
from seawall.policy.config import parse_config
from seawall.sources.image.reference import parse_reference


def test_defaults_and_values() -> None:
    s = parse_freshness_section({"enabled": True})
    assert (s.enabled, s.max_age_days, s.eol, s.match) == (True, DEFAULT_MAX_AGE_DAYS, True, ("*",))
    s = parse_freshness_section(
        {"enabled": True, "max_age_days": 30, "eol": False, "match": "reg.example.com/*", "platform": "linux/arm64"}
    )
    assert (s.max_age_days, s.eol, s.match, str(s.platform)) == (30, False, ("reg.example.com/*",), "linux/arm64")
    assert s.applies(parse_reference("reg.example.com/a/b:1"))
    assert not s.applies(parse_reference("nginx:1"))
    assert not parse_freshness_section({}).enabled
    assert not parse_freshness_section({"enabled": False, "max_age_days": 5}).enabled
    assert not parse_freshness_section({"max_age_days": 5}).enabled  # lookups need enabled: true


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"enabled": True, "max_days": 3}, "unknown key(s) max_days"),
        ({"enabled": "yes"}, "must be true or false"),
        ({"enabled": True, "max_age_days": -1}, "max_age_days must be a non-negative"),
        ({"enabled": True, "max_age_days": True}, "max_age_days must be a non-negative"),
        ({"enabled": True, "match": [1]}, "freshness.match"),
        ({"enabled": True, "platform": "amd64"}, "freshness.platform"),
    ],
)
def test_invalid_sections(section: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError) as exc:
        parse_freshness_section(section, "cfg.yaml")
    assert message in str(exc.value) and "cfg.yaml" in str(exc.value)


def test_disabled_freshness_never_contacts_a_registry(tmp_path: Path) -> None:
    # 127.0.0.1:9 (discard) is never listening: a lookup would be SW-FRESH-006, not silence
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - {name: c, image: '127.0.0.1:9/app:1.0'}\n"
        "  - {name: d, image: '127.0.0.1:9/other:2.0'}\n"
    )
    off = parse_config({"freshness": {"enabled": False}}, "cfg", tmp_path)
    report = scan([str(tmp_path / "pod.yaml")], off)
    assert not [f for f in report.findings if f.rule_id.startswith("SW-FRESH")]
    on = parse_config({"freshness": {"enabled": True}, "registries": {"insecure": ["127.0.0.1:9"]}}, "cfg", tmp_path)
    report = scan([str(tmp_path / "pod.yaml")], on)
    found = [f for f in report.findings if f.rule_id.startswith("SW-FRESH")]
    assert [(f.rule_id, f.location.line) for f in found] == [("SW-FRESH-006", 6), ("SW-FRESH-006", 7)]
    assert all("could not be checked" in f.message and "cannot reach the registry" in f.message for f in found)
    assert any(n.get("analyzer") == "freshness" for n in report.not_checked)


def test_invalid_section_is_one_scan_error(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: 'a.io/app:1'}\n"
    )
    cfg = parse_config({"freshness": {"enabled": True, "bogus": 1}}, "cfg.yaml", tmp_path)
    report = scan([str(tmp_path / "pod.yaml")], cfg)
    errs = [str(e) for e in report.errors]
    assert len(errs) == 1 and "freshness" in errs[0] and "bogus" in errs[0]
