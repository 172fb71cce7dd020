"""Every hardening rule's metadata: id scheme, category, NIST ids, remediation, peer ids, tags."""

from __future__ import annotations

import re

import pytest

from seawall import plugins
from seawall.model.finding import CATEGORIES
from seawall.model.nist800190 import COUNTERMEASURES, RISKS
from seawall.rules.registry import REGISTRY, TOOLS, RuleMeta

plugins.load()

HARDENING: list[RuleMeta] = [m for m in REGISTRY.metas() if m.id.startswith("SW-K8S-")]


def test_at_least_45_rules() -> None:
    assert len(HARDENING) >= 45, len(HARDENING)


@pytest.mark.parametrize("meta", HARDENING, ids=lambda m: m.id)
def test_rule_metadata_is_complete(meta: RuleMeta) -> None:
    assert re.fullmatch(r"SW-K8S-\d{3}", meta.id)
    assert meta.title and meta.description and len(meta.description) > 40
    assert meta.category in CATEGORIES
    assert meta.remediation.strip(), "remediation must be the concrete change"
    assert meta.nist_risk and all(r in RISKS for r in meta.nist_risk), meta.nist_risk
    assert meta.nist_countermeasure and all(c in COUNTERMEASURES for c in meta.nist_countermeasure)
    for tool, ids in meta.tools:
        assert tool in TOOLS and ids and all(ids), (tool, ids)
    assert not meta.pss, "PSS checks belong to SW-PSS-*"
    assert meta.target in ("pod", "object", "analyzer")


def test_remediation_is_yaml_or_commands() -> None:
    """Remediations are YAML snippets (or commented commands): they must not be prose only."""
    for m in HARDENING:
        lines = [ln for ln in m.remediation.splitlines() if ln.strip()]
        assert any(":" in ln or ln.lstrip().startswith("#") for ln in lines), m.id


def test_posture_tags() -> None:
    tagged = {m.id: set(m.tags) for m in HARDENING if m.tags}
    assert tagged == {
        "SW-K8S-001": {"posture:rootfs"},
        "SW-K8S-013": {"posture:limits"},
        "SW-K8S-015": {"posture:limits"},
    }
    assert "readOnlyRootFilesystem: true" in REGISTRY.get("SW-K8S-001").meta.remediation
    assert "CPU limit" in REGISTRY.get("SW-K8S-013").meta.title
    assert "memory limit" in REGISTRY.get("SW-K8S-015").meta.title


@pytest.mark.parametrize(
    ("category", "ids"),
    [
        ("immutability", ["SW-K8S-001", "SW-K8S-020", "SW-K8S-021"]),
        ("secret", ["SW-K8S-040", "SW-K8S-041", "SW-K8S-053", "SW-K8S-091"]),
        ("network", ["SW-K8S-082", "SW-K8S-083", "SW-K8S-084", "SW-K8S-085", "SW-K8S-086", "SW-K8S-087",
                     "SW-K8S-088", "SW-K8S-089", "SW-K8S-090"]),
        ("supply-chain", ["SW-K8S-022", "SW-K8S-023", "SW-K8S-024"]),
        ("access", ["SW-K8S-030", "SW-K8S-031", "SW-K8S-032", "SW-K8S-033"]),
    ],
)
def test_categories(category: str, ids: list[str]) -> None:
    for rid in ids:
        assert REGISTRY.get(rid).meta.category == category, rid


def test_object_rules_declare_kinds_where_specific() -> None:
    kinds = {m.id: m.kinds for m in HARDENING if m.target == "object"}
    assert kinds["SW-K8S-081"] == ("Namespace",)
    assert set(kinds["SW-K8S-082"]) == {"Service"}
    assert set(kinds["SW-K8S-089"]) == {"Ingress"}
    # default-namespace and removed-apiVersion apply to every kind
    assert kinds["SW-K8S-080"] == () and kinds["SW-K8S-092"] == ()


def test_every_hardening_module_is_registered() -> None:
    from pathlib import Path

    import seawall

    pkg = Path(seawall.__file__).parent
    modules = {f"seawall.rules.workload.{p.stem}" for p in (pkg / "rules" / "workload").glob("hardening_*.py")}
    modules |= {f"seawall.rules.k8s.{p.stem}" for p in (pkg / "rules" / "k8s").glob("*.py")}
    helpers = {"seawall.rules.workload.hardening_common", "seawall.rules.k8s.__init__", "seawall.rules.k8s.common"}
    assert modules - helpers <= set(plugins._MODULES)
