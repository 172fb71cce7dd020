"""Ignores (reason, expiry, resource globs), annotations, severity overrides, baselines, CEL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from seawall.engine import scan
from seawall.errors import PolicyError
from seawall.policy.apply import parse_ignore_annotation
from seawall.policy.config import Config, load_config, parse_config

VAP = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: "object.spec.replicas <= 5"
    message: "replicas must be no greater than 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: max-replicas, validationActions: [Warn]}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: prod
  annotations:
    seawall.io/ignore: "ORG-*: owned by platform team"
spec:
  replicas: 10
  template: {spec: {containers: [{name: a, image: x}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: small, namespace: prod}
spec:
  replicas: 2
  template: {spec: {containers: [{name: a, image: x}]}}
"""

RULE = {
    "id": "ORG-001",
    "title": "team label",
    "severity": "low",
    "kinds": ["Deployment"],
    "expression": "has(object.metadata.labels) && 'team' in object.metadata.labels",
    "message": "no team label",
}


def _scan(tmp_path: Path, cfg: Config) -> list[tuple[str, str, str]]:
    (tmp_path / "m.yaml").write_text(VAP)
    report = scan([str(tmp_path / "m.yaml")], cfg)
    return [
        (f.rule_id, f.resource.name, f.suppressed) for f in report.findings if f.rule_id in ("SW-POL-001", "ORG-001")
    ]


def test_vap_in_input_is_evaluated_with_binding_severity(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(VAP)
    report = scan([str(tmp_path / "m.yaml")], Config())
    vap = [f for f in report.findings if f.rule_id == "SW-POL-001"]
    assert [(f.resource.name, f.severity.label) for f in vap] == [("api", "medium")]
    assert "replicas must be no greater than 5" in vap[0].message
    assert vap[0].location.line == 17  # the Deployment's first line


def test_custom_cel_rule_and_annotation_ignore(tmp_path: Path) -> None:
    cfg = parse_config({"custom_rules": [RULE]}, "cfg", tmp_path)
    got = _scan(tmp_path, cfg)
    assert ("ORG-001", "small", "") in got
    assert ("ORG-001", "api", "annotation: owned by platform team") in got


def test_invalid_cel_is_policy_error(tmp_path: Path) -> None:
    bad = dict(RULE, expression="object.metadata.(")
    cfg = parse_config({"custom_rules": [bad]}, "cfg", tmp_path)
    (tmp_path / "m.yaml").write_text(VAP)
    report = scan([str(tmp_path / "m.yaml")], cfg)
    assert any("invalid CEL" in str(e) for e in report.errors)


def test_rules_dir(tmp_path: Path) -> None:
    d = tmp_path / "rules"
    d.mkdir()
    import yaml

    (d / "org.yaml").write_text(yaml.safe_dump({"rules": [RULE]}))
    cfg = parse_config({"rules_dirs": ["rules"]}, "cfg", tmp_path)
    assert ("ORG-001", "small", "") in _scan(tmp_path, cfg)


def test_config_ignores_need_reason_and_expire(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="reason"):
        parse_config({"ignore": [{"rule": "SW-POL-001"}]}, "cfg", tmp_path)
    cfg = parse_config(
        {
            "ignore": [
                {"rule": "SW-POL-*", "resource": "Deployment/prod/*", "reason": "accepted", "expires": "2020-01-01"}
            ]
        },
        "cfg",
        tmp_path,
    )
    cfg.today = dt.date(2026, 1, 1)
    assert ("SW-POL-001", "api", "") in _scan(tmp_path, cfg)  # expired: reported again
    cfg.today = dt.date(2019, 1, 1)
    assert ("SW-POL-001", "api", "ignored: accepted") in _scan(tmp_path, cfg)


def test_severity_override_and_rule_selection(tmp_path: Path) -> None:
    cfg = parse_config({"severity": {"SW-POL-001": "critical"}, "rules": {"enable": ["SW-POL-*"]}}, "cfg", tmp_path)
    (tmp_path / "m.yaml").write_text(VAP)
    report = scan([str(tmp_path / "m.yaml")], cfg)
    assert {f.rule_id for f in report.findings} == {"SW-POL-001"}
    assert all(f.severity.label == "critical" for f in report.findings)


def test_baseline_hides_known_findings(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(VAP)
    first = scan([str(tmp_path / "m.yaml")], Config())
    cfg = Config(baseline=frozenset(f.fingerprint for f in first.findings))
    second = scan([str(tmp_path / "m.yaml")], cfg)
    assert second.findings and not second.active()


def test_annotation_without_reason_is_not_honoured() -> None:
    assert parse_ignore_annotation("SW-K8S-001") == (set(), "")
    assert parse_ignore_annotation("A,B: why")[0] == {"A", "B"}


def test_unknown_config_key_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="unknown top-level"):
        parse_config({"rulez": 1}, "cfg", tmp_path)
    p = tmp_path / ".seawall.yaml"
    p.write_text("a: [1\n")
    with pytest.raises(PolicyError, match="invalid YAML: line"):
        load_config(None, tmp_path)


def test_one_secret_one_finding(tmp_path: Path) -> None:
    """SW-K8S-041 (credential-named env value) and the secrets engine flag the same field: one
    finding remains, naming the other rule."""
    (tmp_path / "d.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  containers:\n  - name: c\n"
        "    image: x\n    env:\n    - name: DATABASE_PASSWORD\n      value: Sup3rS3cretPassw0rd!\n"
    )
    report = scan([str(tmp_path / "d.yaml")], Config())
    at_value = [f for f in report.findings if f.location.pointer.endswith("/env/0/value")]
    assert len(at_value) == 1
    others = dict(at_value[0].extra).get("also_matched", [])
    assert at_value[0].rule_id in ("SW-K8S-041", "SW-SEC-160") and others


# -- hostile configs, rules files, expressions and baselines -------------------------------------

_POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec: {containers: [{name: c, image: x}]}\n"


def _alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "secrets:\n  junk:\n" + "".join(f"    {line}\n" for line in lines)


def test_config_alias_bomb_is_refused(tmp_path: Path) -> None:
    """A 1 KB config whose severity expands to a billion nodes took 4 GB and never ended."""
    p = tmp_path / "c.yaml"
    p.write_text(_alias_bomb() + "severity:\n  SW-K8S-001: *a9\n")
    with pytest.raises(PolicyError, match="alias"):
        load_config(p)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("ignore: [{rule: X, reason: y, expires: 2027-02-30}]", "invalid timestamp"),  # was ValueError
        ("{1: 2}", "unknown top-level key"),  # was TypeError joining the key names
        ("max_file_size: 99999999999999999999999", "over 1 TiB"),  # was OverflowError reading
        ("analyzers: 5", "'analyzers' must be a mapping"),  # was silently ignored
        ("secrets: 5", "'secrets' must be a mapping"),  # was silently ignored
        ("network: [1]", "'network' must be a mapping"),
        ("a: 1\n---\nb: 2\n", "one YAML document"),
    ],
)
def test_config_wrong_types_are_policy_errors(tmp_path: Path, text: str, match: str) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(text + "\n")
    with pytest.raises(PolicyError, match=match):
        load_config(p)


def test_config_glob_length_is_bounded(tmp_path: Path) -> None:
    """fnmatch translates '[a-[a-...' in quadratic time: a 600 KB glob took minutes."""
    with pytest.raises(PolicyError, match="glob of"):
        parse_config({"ignore": [{"rule": "[a-" * 200_000, "reason": "x"}]}, "cfg", tmp_path)
    with pytest.raises(PolicyError, match="glob of"):
        parse_config({"rules": {"enable": ["*?" * 100_000]}}, "cfg", tmp_path)


def test_many_ignores_match_like_fnmatch(tmp_path: Path) -> None:
    """Compiled-once globs (thousands of ignores were minutes) keep fnmatch's semantics."""
    ignores = [{"rule": f"SW-NOPE-{i}*", "resource": f"*{i}*", "reason": "x"} for i in range(3000)]
    ignores.append({"rule": "SW-POL-00[1]", "resource": "Deployment/prod/a?i", "reason": "accepted"})
    cfg = parse_config({"ignore": ignores}, "cfg", tmp_path)
    assert ("SW-POL-001", "api", "ignored: accepted") in _scan(tmp_path, cfg)
    literal = parse_config({"ignore": [{"rule": "SW-POL-001", "resource": "Deployment/prod/api", "reason": "r"}]},
                           "cfg", tmp_path)
    assert ("SW-POL-001", "api", "ignored: r") in _scan(tmp_path, literal)


@pytest.mark.parametrize("risk", [5, "3.4.5", None])
def test_custom_rule_risk_shapes(tmp_path: Path, risk: object) -> None:
    """risk: 5 was 'analyzer failed: TypeError'; a single string was split into characters."""
    from seawall.policy.cel import parse_custom_rule

    raw = dict(RULE, risk=risk)
    if risk == 5:
        with pytest.raises(PolicyError, match="'risk' must be"):
            parse_custom_rule(raw, "cfg")
    else:
        assert parse_custom_rule(raw, "cfg").risk == ("3.4.5",)


def _custom(tmp_path: Path, expression: str) -> list[str]:
    (tmp_path / "p.yaml").write_text(_POD)
    cfg = parse_config({"custom_rules": [dict(RULE, kinds=[], expression=expression)]}, "cfg", tmp_path)
    report = scan([str(tmp_path / "p.yaml")], cfg)
    return [str(e) for e in report.errors] + [f.message for f in report.findings if f.rule_id == "ORG-001"]


def test_cel_nested_macros_stop_at_the_step_budget(tmp_path: Path) -> None:
    ten = "[1,2,3,4,5,6,7,8,9,10]"
    expr = f"{ten}.map(a, {ten}.map(b, {ten}.map(c, {ten}.map(d, {ten}.map(e, {ten}.map(f, a+b+c+d+e+f)))))).size() > 0"
    got = _custom(tmp_path, expr)  # 10**6 evaluations: ran past a minute
    assert any("custom rule not evaluated: evaluation over" in g and "steps" in g for g in got), got


def test_cel_string_growth_is_bounded(tmp_path: Path) -> None:
    expr = "'a'" + ".replace('a', 'aaaaaaaaaa')" * 9 + ".size() > 0"  # built a 1 GB string
    got = _custom(tmp_path, expr)
    assert any("over the 4,194,304 limit" in g for g in got), got
    sep = "'y'" + ".replace('y', 'yyyyyyyyyy')" * 6  # 10**6 characters: allowed
    got = _custom(tmp_path, "['a','a','a','a','a','a','a','a','a','a'].join(" + sep + ") != ''")  # 9 MB: refused
    assert any("custom rule not evaluated" in g for g in got), got


def test_cel_over_long_expression_and_bad_substring(tmp_path: Path) -> None:
    got = _custom(tmp_path, " && ".join(["true"] * 5000))
    assert any("expression of 39,996 characters" in g for g in got), got
    got = _custom(tmp_path, "'abc'.substring(-5, 2) == 'ab'")  # Python's slice clamped: no error
    assert got and all("could not be evaluated" in g for g in got), got
    assert _custom(tmp_path, "'abcd'.substring(1, 3) == 'bc' && 'a.b'.replace('.', '-') == 'a-b'") == []


def test_rules_dir_hostile_files(tmp_path: Path) -> None:
    import os

    d = tmp_path / "rules"
    d.mkdir()
    os.mkfifo(d / "pipe.yaml")  # was read forever
    (d / "loop").symlink_to(d)
    (d / "ok.yaml").write_text("- id: ORG-009\n  expression: 'false'\n")
    cfg = parse_config({"rules_dirs": ["rules"]}, "cfg", tmp_path)
    (tmp_path / "p.yaml").write_text(_POD)
    report = scan([str(tmp_path / "p.yaml")], cfg)
    assert not report.errors and any(f.rule_id == "ORG-009" for f in report.findings)
    (d / "bomb.yaml").write_text(_alias_bomb().replace("secrets:\n  junk:\n", "x:\n  y:\n"))  # was 4 GB
    report = scan([str(tmp_path / "p.yaml")], cfg)
    assert any("alias" in str(e) for e in report.errors)
    (d / "bomb.yaml").write_bytes(b"- id: ORG-010\n  expression: 'true'\n  title: '" + b"x" * (6 << 20) + b"'\n")
    report = scan([str(tmp_path / "p.yaml")], cfg)
    assert any("larger than 5 MiB" in str(e) for e in report.errors)


def test_hostile_baselines(tmp_path: Path) -> None:
    from seawall.cli.scan import load_baseline, write_baseline

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)  # was 'internal error: RecursionError'
    with pytest.raises(PolicyError, match="nested too deeply"):
        load_baseline(deep)
    with pytest.raises(PolicyError, match="larger than 64 MiB"):
        load_baseline(Path("/dev/zero"))
    trunc = tmp_path / "t.json"
    trunc.write_text('{"fingerprints": ["a",')
    with pytest.raises(PolicyError, match="invalid JSON"):
        load_baseline(trunc)
    from seawall.engine import Report
    from seawall.errors import InputError

    with pytest.raises(InputError, match="cannot write the baseline"):  # was 'internal error: IsADirectoryError'
        write_baseline(tmp_path, Report())


def test_cel_matches_bad_regex_is_quiet_and_linear(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A bad pattern made RE2 print 'E0000 ... re2.cc] Error parsing' on stderr; matches() stays
    RE2 (linear: '^(a+)+$' over a long name)."""
    got = _custom(tmp_path, "object.metadata.name.matches('((((((')")
    assert any("invalid regular expression" in g for g in got), got
    assert "re2.cc" not in capfd.readouterr().err
    assert _custom(tmp_path, "!('" + "a" * 10_000 + "b'.matches('^(a+)+$')) && 'ab'.matches('^a')") == []


def test_config_from_an_endless_file() -> None:
    with pytest.raises(PolicyError, match="larger than 5 MiB"):
        load_config(Path("/dev/zero"))


def test_message_expression_length_is_bounded(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(_POD)
    big = "'x'" + ".replace('x', 'xxxxxxxxxx')" * 6  # a million characters per object
    cfg = parse_config({"custom_rules": [dict(RULE, kinds=[], expression="false", messageExpression=big)]},
                       "cfg", tmp_path)
    (f,) = [f for f in scan([str(tmp_path / "p.yaml")], cfg).findings if f.rule_id == "ORG-001"]
    assert len(f.message) == 5000 and f.message.endswith("…")


def test_vap_variables_doubling_is_bounded(tmp_path: Path) -> None:
    """Each VAP variable may double the previous list: 40 of them asked for 2**43 elements."""
    variables = "".join(
        f"  - name: v{i}\n    expression: \"variables.v{i - 1} + variables.v{i - 1}\"\n" for i in range(1, 40)
    )
    (tmp_path / "m.yaml").write_text(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: bomb}\n"
        "spec:\n  matchConstraints:\n    resourceRules:\n"
        '    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}\n'
        "  variables:\n  - name: v0\n    expression: \"['x','x','x','x','x','x','x','x']\"\n" + variables
        + "  validations:\n  - expression: \"size(variables.v39) > 0\"\n---\n" + _POD
    )
    report = scan([str(tmp_path / "m.yaml")], Config())
    assert any("ValidatingAdmissionPolicy bomb not evaluated: result of" in str(e) for e in report.errors)


def test_many_rule_globs_select_like_fnmatch(tmp_path: Path) -> None:
    """50,000 rules.disable globs were each tried for every rule (past two minutes); the bucketed
    matcher selects exactly what fnmatch does."""
    noise = [f"SW-NOPE-{i}*" for i in range(50_000)]
    cfg = parse_config({"rules": {"disable": [*noise, "SW-POL-00?"], "enable": ["SW-POL-*", "ORG-[0-9]*"]},
                        "custom_rules": [RULE]}, "cfg", tmp_path)
    got = {r for r, _name, _s in _scan(tmp_path, cfg)}
    assert got == {"ORG-001"}
    cfg = parse_config({"rules": {"enable": ["category:policy"]}, "custom_rules": [RULE]}, "cfg", tmp_path)
    assert {r for r, _name, _s in _scan(tmp_path, cfg)} == {"SW-POL-001", "ORG-001"}
