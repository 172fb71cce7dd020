"""Secret rule metadata: at least 150 rules, all registered for ``seawall rules list`` with the
``secret`` category, NIST SP 800-190 3.1.4 / 4.1.4, unique ids and names, peer ids where known."""

from __future__ import annotations

from seawall import plugins
from seawall.model.nist800190 import COUNTERMEASURES, RISKS
from seawall.rules.registry import REGISTRY
from seawall.secrets.rules import CATALOGUE


def test_catalogue_size_and_registration() -> None:
    plugins.load()
    assert len(CATALOGUE) >= 150
    assert len({r.id for r in CATALOGUE}) == len(CATALOGUE)
    assert len({r.name for r in CATALOGUE}) == len(CATALOGUE)
    for r in CATALOGUE:
        meta = REGISTRY.get(r.id).meta
        assert meta.category == "secret" and meta.target == "secret"
        assert meta.nist_risk == ("3.1.4",) and meta.nist_countermeasure == ("4.1.4",)
        assert all(x in RISKS for x in meta.nist_risk) and all(x in COUNTERMEASURES for x in meta.nist_countermeasure)
        assert meta.remediation.strip() and meta.title == r.title


def test_peer_ids_cover_the_common_formats() -> None:
    with_gitleaks = [r for r in CATALOGUE if "gitleaks" in REGISTRY.get(r.id).meta.tool_ids()]
    with_trivy = [r for r in CATALOGUE if "trivy" in REGISTRY.get(r.id).meta.tool_ids()]
    assert len(with_gitleaks) >= 100 and len(with_trivy) >= 60
    assert REGISTRY.get("SW-SEC-001").meta.tool_ids() == {
        "gitleaks": ["aws-access-token"],
        "trivy": ["aws-access-key-id"],
    }


def test_severity_by_type() -> None:
    sev = {r.name: REGISTRY.get(r.id).meta.severity.label for r in CATALOGUE}
    assert sev["rsa-private-key"] == sev["aws-secret-access-key"] == sev["github-pat"] == "critical"
    assert sev["jwt"] == "medium" and sev["mailgun-public-key"] == "low"
