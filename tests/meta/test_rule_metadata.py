"""Every registered rule is complete: valid NIST SP 800-190 ids (risk AND countermeasure),
a category from DESIGN.md, a remediation, a description, and well-formed peer-tool ids."""

from __future__ import annotations

import re

import pytest

from seawall import plugins
from seawall.model.finding import CATEGORIES
from seawall.model.nist800190 import is_valid_countermeasure, is_valid_risk
from seawall.rules.registry import REGISTRY, TOOLS, RuleMeta

plugins.load()
METAS = REGISTRY.metas()
PSS_IDS = {
    "hostNamespaces",
    "privileged",
    "capabilities_baseline",
    "hostPathVolumes",
    "hostPorts",
    "appArmorProfile",
    "seLinuxOptions",
    "procMount",
    "seccompProfile_baseline",
    "sysctls",
    "windowsHostProcess",
    "hostProbesAndHostLifecycle",
    "allowPrivilegeEscalation",
    "capabilities_restricted",
    "runAsNonRoot",
    "runAsUser",
    "seccompProfile_restricted",
    "restrictedVolumes",
    "procMount_restricted",
}


def test_registry_is_not_empty() -> None:
    assert len(METAS) >= 60


@pytest.mark.parametrize("meta", METAS, ids=[m.id for m in METAS])
def test_rule_metadata_is_complete(meta: RuleMeta) -> None:
    assert re.fullmatch(r"SW-[A-Z0-9]+-\d{3}", meta.id), meta.id
    assert meta.category in CATEGORIES
    assert meta.title and meta.description and meta.remediation.strip()
    assert meta.nist_risk and meta.nist_countermeasure
    assert all(is_valid_risk(r) for r in meta.nist_risk), meta.nist_risk
    assert all(is_valid_countermeasure(c) for c in meta.nist_countermeasure), meta.nist_countermeasure
    for tool, ids in meta.tools:
        assert tool in TOOLS and ids and all(isinstance(i, str) and i.strip() for i in ids)
    if meta.pss:
        assert meta.pss in PSS_IDS and meta.pss_level in ("baseline", "restricted")


def test_every_pss_check_has_a_rule() -> None:
    assert {m.pss for m in METAS if m.pss} == PSS_IDS


def test_titles_are_unique() -> None:
    titles = [m.title for m in METAS]
    dupes = {t for t in titles if titles.count(t) > 1}
    assert not dupes
