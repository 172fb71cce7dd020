"""OpenVEX: documents validated like the published schema; suppression with justification."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from seawall.analyzers.vulnerabilities import match_finding
from seawall.errors import PolicyError
from seawall.vulndb.match import Matcher, SimplePackage
from seawall.vulndb.store import Store
from seawall.vulndb.vex import apply_vex, load_vex, parse_vex

PYYAML_PURL = "pkg:pypi/pyyaml@5.3"

DOC: dict[str, Any] = {
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://example.com/vex/2024-001",
    "author": "Example Security <security@example.com>",
    "timestamp": "2024-05-01T10:00:00Z",
    "version": 1,
    "statements": [
        {
            "vulnerability": {"name": "CVE-2020-14343"},
            "products": [{"@id": "pkg:oci/app@sha256:abc", "subcomponents": [{"@id": "pkg:pypi/pyyaml"}]}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
            "impact_statement": "the app only calls yaml.safe_load",
        },
        {
            "vulnerability": {"name": "CVE-2019-11324"},
            "products": [{"@id": "pkg:pypi/urllib3@1.24.1"}],
            "status": "affected",
            "action_statement": "upgrade scheduled",
        },
    ],
}


@pytest.fixture(scope="module")
def schema(shared_dir: Path) -> dict[str, Any]:
    return json.loads((shared_dir / "schemas/openvex/openvex_json_schema.json").read_text())


def _findings(store: Store) -> list[Any]:
    pkgs = [SimplePackage("PyYAML", "5.3", "PyPI", purl=PYYAML_PURL),
            SimplePackage("urllib3", "1.24.1", "PyPI", purl="pkg:pypi/urllib3@1.24.1")]
    return [match_finding(m, "app:1.0") for m in Matcher(store).match(pkgs).matches]


def test_example_document_is_valid_openvex(schema: dict[str, Any]) -> None:
    jsonschema.validate(DOC, schema)
    assert len(parse_vex(DOC, "doc.json")) == 2


def test_suppresses_not_affected_with_justification(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "app.vex.json"
    path.write_text(json.dumps(DOC))
    findings = apply_vex(_findings(store), [load_vex(path)])
    by_id = {f.extras()["vulnerability"]: f for f in findings}
    yaml_f = by_id["CVE-2020-14343"]
    assert yaml_f.suppressed.startswith("VEX not_affected")
    assert "vulnerable_code_not_in_execute_path" in yaml_f.suppressed and "safe_load" in yaml_f.suppressed
    assert not by_id["CVE-2019-11324"].suppressed  # "affected" keeps the finding
    # other PyYAML advisories are not covered by the statement
    assert not by_id["CVE-2020-1747"].suppressed


def test_statement_matches_by_alias_and_versioned_purl(store: Store) -> None:
    doc = copy.deepcopy(DOC)
    doc["statements"] = [{
        "vulnerability": {"name": "PYSEC-2021-142"},
        "products": [{"@id": "pkg:pypi/PyYAML@5.3?foo=bar"}],
        "status": "fixed",
    }]
    findings = apply_vex(_findings(store), [parse_vex(doc, "d")])
    assert {f.extras()["vulnerability"] for f in findings if f.suppressed} == {"CVE-2020-14343"}
    doc["statements"][0]["products"] = [{"@id": "pkg:pypi/pyyaml@6.0"}]  # another version: no effect
    assert not any(f.suppressed for f in apply_vex(_findings(store), [parse_vex(doc, "d")]))


def test_latest_statement_wins(store: Store) -> None:
    doc = copy.deepcopy(DOC)
    later = {"vulnerability": {"name": "CVE-2020-14343"}, "products": [{"@id": "pkg:pypi/pyyaml"}],
             "status": "under_investigation", "timestamp": "2024-06-01T00:00:00Z"}
    doc["statements"].append(later)
    findings = apply_vex(_findings(store), [parse_vex(doc, "d")])
    assert not any(f.suppressed for f in findings if f.extras()["vulnerability"] == "CVE-2020-14343")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("@context"),
        lambda d: d.update(version=0),
        lambda d: d["statements"][0].update(status="maybe"),
        lambda d: d["statements"][0].update(justification="trust_me"),
        lambda d: (d["statements"][0].pop("justification"), d["statements"][0].pop("impact_statement")),
        lambda d: d["statements"][0].update(products="pkg:pypi/pyyaml"),
        lambda d: d["statements"][1].pop("action_statement"),
        lambda d: d["statements"][0]["vulnerability"].pop("name"),
    ],
)
def test_invalid_documents_are_policy_errors(mutate: Any, schema: dict[str, Any]) -> None:
    doc = copy.deepcopy(DOC)
    mutate(doc)
    # our checks reject what the published schema rejects (the spec's conditional rules, too)
    schema_ok = jsonschema.Draft202012Validator(schema).is_valid(doc)
    with pytest.raises(PolicyError) as err:
        parse_vex(doc, "bad.vex.json")
    assert "bad.vex.json" in str(err.value) and "\n" not in str(err.value)
    if schema_ok:  # only the spec's prose rules (not expressible in the schema) differ
        assert "needs" in str(err.value)


def test_unreadable_vex_file(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text("{not json")
    with pytest.raises(PolicyError, match="not JSON"):
        load_vex(p)
    with pytest.raises(PolicyError):
        load_vex(tmp_path / "missing.json")


def test_vex_nested_too_deep_or_endless(tmp_path: Path) -> None:
    """A 100k-deep array escaped as RecursionError; /dev/zero was read without bound."""
    deep = tmp_path / "deep.json"
    deep.write_text('{"statements": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(PolicyError, match="nested too deeply"):
        load_vex(deep)
    with pytest.raises(PolicyError, match="too large"):
        load_vex(Path("/dev/zero"))


def test_many_statements_for_many_findings(store: Store) -> None:
    """Every finding was checked against every statement (100k statements x the findings of a
    large image); statements are indexed by vulnerability name, with 'latest wins' kept."""
    doc = copy.deepcopy(DOC)
    noise = [{"vulnerability": {"name": f"CVE-1999-{i}"}, "products": [{"@id": f"pkg:pypi/p{j}"} for j in range(5)],
              "status": "fixed"} for i in range(30_000)]
    later = {"vulnerability": {"name": "X", "aliases": ["CVE-2020-14343"]}, "products": [{"@id": "pkg:pypi/pyyaml"}],
             "status": "fixed", "timestamp": "2024-06-01T00:00:00Z"}
    doc["statements"] = noise + doc["statements"] + [later]
    statements = parse_vex(doc, "d")
    findings = apply_vex(_findings(store) * 100, [statements])
    by_id = {f.extras()["vulnerability"]: f for f in findings}
    assert by_id["CVE-2020-14343"].suppressed.startswith("VEX fixed")  # the later statement won
    assert not by_id["CVE-2019-11324"].suppressed


def test_vex_with_a_byte_order_mark(tmp_path: Path) -> None:
    """A VEX file saved with a UTF-8 BOM (Windows editors) was 'not JSON: Unexpected UTF-8 BOM'."""
    path = tmp_path / "bom.vex.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(DOC).encode())
    assert len(load_vex(path)) == 2
