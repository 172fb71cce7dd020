"""A secrets-only scan (``--rule 'SW-SEC-*'``) does not parse the manifests whose raw text cannot
hold a secret the object-aware path reports (``seawall.secrets.k8s.manifest_prefilter``). That is
only a shortcut if nothing changes: these tests scan the same inputs with every manifest parsed
and with the prefilter, and compare findings (rules, files, lines, messages) and warnings."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from seawall import forkscan, plugins
from seawall.engine import UNPARSED_FILTER_KEY, UNPARSED_KEY, ScanRun, merge_duplicate_secrets, scan
from seawall.model.finding import Finding
from seawall.policy.apply import apply_policy
from seawall.policy.config import Config
from seawall.secrets.handler import get_scanner
from seawall.secrets.prefilter import gate_of, manifest_prefilter, object_fragments

SECRETS_ONLY = Config(enable=("SW-SEC-*",))
PASSWORD = "Zx8mQ2rT7vLp4K"


def _run(inputs: list[str], config: Config, *, parse_all: bool) -> ScanRun:
    plugins.load(config)
    run = ScanRun(config)
    if parse_all:
        run.inventory.extra[UNPARSED_FILTER_KEY] = None  # the filter's "parse every manifest"
    run.read_inputs(inputs)
    run.run_analyzers()
    run.report.findings[:] = merge_duplicate_secrets(run.report.findings)
    apply_policy(run)
    return run


def _key(f: Finding) -> tuple[str, int, str, str]:
    return (f.location.path, f.location.line, f.rule_id, f.message)


def _compare(inputs: list[str], config: Config = SECRETS_ONLY) -> tuple[ScanRun, ScanRun]:
    full = _run(inputs, config, parse_all=True)
    lean = _run(inputs, config, parse_all=False)
    assert sorted(lean.report.findings, key=_key) == sorted(full.report.findings, key=_key)
    assert lean.report.warnings == full.report.warnings
    # unparsed manifests cannot report invalid YAML; everything else is reported as before
    assert set(map(str, lean.report.errors)) <= set(map(str, full.report.errors))
    assert lean.inventory.files == full.inventory.files
    return full, lean


@pytest.fixture(autouse=True)
def _serial(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forkscan, "MIN_FILES", 10**9)  # forkscan has its own equivalence tests


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


#: Manifests whose object-aware findings the raw text hides from a naive keyword check.
TRICKY = {
    # the keyword only appears once YAML decodes the escape: the object path reports, the text scan not
    "escaped-key.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  "\\u0070assword": "'
    + PASSWORD
    + '"\n',
    # NAME=value is built from two scalars: generic rules see the name
    "env.yaml": f"""apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  containers:
    - name: app
      image: nginx
      env:
        - name: DB_PASSWORD
          value: {PASSWORD}
""",
    # base64 in a Secret: the text never shows the decoded value
    "secret.yaml": f"""apiVersion: v1
kind: Secret
metadata: {{name: s}}
data:
  token: {b64("ghp_" + "a" * 36)}
  api: {b64("sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc")}
""",
    # the JSON copy kept by kubectl apply, with escapes
    "applied.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n"
    "    kubectl.kubernetes.io/last-applied-configuration: "
    + json.dumps('{"kind": "ConfigMap", "data": {"\\u0070assword": "' + PASSWORD + '"}}')
    + "\ndata: {}\n",
    # an ignore annotation without a reason warns, whatever rules run
    "ignored.yaml": """apiVersion: v1
kind: ConfigMap
metadata:
  name: i
  annotations: {seawall.io/ignore: SW-SEC-160}
data: {a: b}
""",
    # no Kubernetes object (no apiVersion): the plain-text finding is all there is; not parsed
    "values.yaml": f"db:\n  host: db.local\n  password: {PASSWORD}\n",
    # nothing any secret rule could see: not parsed
    "service.yaml": """apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
""",
}


def test_tricky_manifests_are_parsed_and_report_the_same(tmp_path: Path) -> None:
    for name, text in TRICKY.items():
        (tmp_path / name).write_text(text)
    _full, lean = _compare([str(tmp_path)])
    assert sorted(Path(p).name for p in lean.inventory.extra[UNPARSED_KEY]) == ["service.yaml", "values.yaml"]
    found = {(Path(f.location.path).name, f.resource.kind) for f in lean.report.findings}
    for name, kind in [("escaped-key.yaml", "ConfigMap"), ("env.yaml", "Pod"), ("secret.yaml", "Secret")]:
        assert (name, kind) in found, name
    assert ("applied.yaml", "ConfigMap") in found
    assert ("values.yaml", "") in found
    assert any("has no reason" in w for w in lean.report.warnings)


def test_the_report_says_what_was_not_parsed(tmp_path: Path) -> None:
    for name, text in TRICKY.items():
        (tmp_path / name).write_text(text)
    narrow = scan([str(tmp_path)], SECRETS_ONLY)
    assert narrow.stats["manifests_not_parsed"] == 2
    assert narrow.posture == {"computed": False, "reason": "no workload (pod) rule selected"}
    everything = scan([str(tmp_path)], Config())
    assert "manifests_not_parsed" not in everything.stats
    assert everything.posture["overall"]["workloads"] == 1  # the Pod


def test_rules_that_read_objects_turn_the_shortcut_off(tmp_path: Path) -> None:
    (tmp_path / "service.yaml").write_text(TRICKY["service.yaml"])
    for config in (Config(), Config(enable=("SW-SEC-*", "SW-K8S-*")), Config(enable=("SW-RBAC-*",))):
        run = _run([str(tmp_path)], config, parse_all=False)
        assert UNPARSED_KEY not in run.inventory.extra
        assert run.inventory.documents == 1


def test_k8s_corpus_reports_the_same(shared_dir: Path) -> None:
    full, lean = _compare([str(shared_dir / "corpus" / "k8s")])
    unparsed = lean.inventory.extra[UNPARSED_KEY]
    assert len(unparsed) > 1000  # most of the corpus is left unparsed ...
    assert full.report.findings  # ... and its secrets are still found, on the same lines
    assert any(f.resource.kind == "Secret" for f in lean.report.findings)


def test_secrets_corpus_reports_the_same(shared_dir: Path) -> None:
    full, _ = _compare([str(shared_dir / "corpus" / "secrets")])
    assert full.report.findings


def test_object_fragments_cover_keywords_across_joins() -> None:
    frags = object_fragments(["password=", "-----begin rsa private key", "env ", "jdbc:", "x-api-key"])
    assert "password" in frags  # DB_PASSWORD + "=" + value
    assert "-----begin" in frags
    assert {"env ", "env\n", "env\t"} <= set(frags) and "env" not in frags  # "env:" is no match
    assert "jdbc" in frags  # a key ending in "jdbc" + ": "
    assert "x-api-key" in frags


def test_prefilter_decisions() -> None:
    plugins.load(SECRETS_ONLY)
    run = ScanRun(SECRETS_ONLY)
    wants = manifest_prefilter(run)
    assert not wants(TRICKY["service.yaml"])
    assert wants("kind: Secret\n")
    assert wants("data:\n  Dockerfile: FROM x\n    ENV\n    A=b\n")  # folds to "ENV A=b"
    assert not wants("spec:\n  env:\n  - name: A\n    value: b\n")
    # a keyword of a rule without a gate wakes the filter by itself
    for r in get_scanner(run).rules:
        if gate_of(r) is None:
            for kw in r.keywords:
                assert wants(f"data:\n  k: {kw}\n"), (r.name, kw)
    # a token format's keyword alone does not: "pat" (Airtable) is in every "path:"
    assert not wants("spec:\n  path: /var/lib/data\n")
    assert wants("data:\n  k: pat" + "Ab3" * 4 + "Xy." + "0a" * 32 + "\n")
    # nor a provider keyword outside the provider's key names
    assert not wants("spec:\n  storageClassName: fast\n")
    assert wants("data:\n  AccountKey: x\n")


def test_escapes_are_decoded_before_the_prefilters_look() -> None:
    plugins.load(SECRETS_ONLY)
    wanted = plugins.manifest_filter(ScanRun(SECRETS_ONLY))
    assert wanted is not None
    head = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n"
    assert wanted(head + f'  "\\u0070assword": "{PASSWORD}"\n')  # "password", once decoded
    assert wanted(head + f'  "pa\\\n    ssword": "{PASSWORD}"\n')  # an escaped line break
    # JSON inside a double-quoted YAML scalar: two levels
    assert wanted(head + '  app.json: "{\\"\\\\u0070assword\\": \\"' + PASSWORD + '\\"}"\n')
    # escapes that decode to nothing of interest, or no Kubernetes object at all
    assert not wanted(head + '  pattern: "^[a-z]+\\\\.example\\\\.com$"\n')
    assert not wanted('swagger: "2.0"\ndefinitions: {Token: {pattern: "\\\\d+"}}\n')
    assert plugins.escape_forms("no escapes") == ["no escapes"]


def test_gates_are_the_join_free_head_of_each_rule() -> None:
    from seawall.secrets.rules import CATALOGUE

    by_name = {r.name: r for r in CATALOGUE}

    def gate(name: str) -> re.Pattern[str]:
        g = gate_of(by_name[name])
        assert g is not None, name
        return g

    assert gate("airtable-pat").search("pat" + "Ab3" * 4 + "Xy." + "0a" * 32)
    assert not gate("airtable-pat").search("path: /data")
    assert gate("azure-storage-account-key").search("AccountKey")
    assert not gate("azure-storage-account-key").search("storageClassName")
    assert gate("generic-password").search("DB_PASSWORD")
    # a colon inside the token (a key and its value could form one): no join-free head
    assert gate_of(by_name["telegram-bot-token"]) is None
    # no gate matches the empty string (it would let everything through anyway)
    assert all(g.fullmatch("") is None for r in CATALOGUE if (g := gate_of(r)) is not None)


def _samples() -> dict[str, str]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("rule_samples", Path(__file__).with_name("test_rule_samples.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    samples: dict[str, str] = module.SAMPLES
    return samples


def _block(text: str, indent: int) -> str:
    pad = " " * indent
    return "|-\n" + "\n".join(pad + line for line in text.splitlines())


def test_every_rule_sample_in_every_object_field_reports_the_same(tmp_path: Path) -> None:
    """Each rule's positive sample as a ConfigMap value, an env value, an annotation and a
    Secret's base64 data: the prefilter must let through whatever the object path reports."""
    for i, (name, sample) in enumerate(sorted(_samples().items())):
        (tmp_path / f"{i:03d}-{name}.yaml").write_text(
            f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: c{i}
  annotations:
    example.com/note: {_block(sample, 6)}
data:
  settings: {_block(sample, 4)}
---
apiVersion: v1
kind: Pod
metadata: {{name: p{i}}}
spec:
  containers:
    - name: app
      image: nginx
      env:
        - name: APP_SETTING
          value: {_block(sample, 12)}
"""
        )
        (tmp_path / f"{i:03d}-{name}-secret.yaml").write_text(
            f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s{i}}}\ndata:\n  value: {b64(sample)}\n"
        )
    full, _ = _compare([str(tmp_path)])
    assert sum(1 for f in full.report.findings if f.resource.kind) > 200  # the object path reported


def test_json_report_of_a_narrow_scan(tmp_path: Path) -> None:
    from seawall.reporters import json_report

    for name, text in TRICKY.items():
        (tmp_path / name).write_text(text)
    report = scan([str(tmp_path)], SECRETS_ONLY)
    body = json.loads(json_report.render(report, report.findings))
    assert body["summary"]["stats"]["manifests_not_parsed"] == 2
    assert body["summary"]["posture"]["computed"] is False


def test_twins_are_dropped_when_findings_were_copied(tmp_path: Path) -> None:
    """A forked scan (seawall.forkscan) sends the report's findings and the secret handler's store
    of them back as separate copies: the object finding must still replace its plain-text twin."""
    import dataclasses

    from seawall.secrets.handler import FILE_HITS_KEY

    (tmp_path / "s.yaml").write_text(
        f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\nstringData:\n  password: {PASSWORD}\n"
    )
    plugins.load(SECRETS_ONLY)
    results = []
    for copy in (False, True):
        run = ScanRun(SECRETS_ONLY)
        run.read_inputs([str(tmp_path)])
        if copy:
            store = run.inventory.extra[FILE_HITS_KEY]
            for path, fs in store.items():
                store[path] = [dataclasses.replace(f) for f in fs]
            run.report.findings[:] = [dataclasses.replace(f) for f in run.report.findings]
        run.run_analyzers()
        results.append(sorted(run.report.findings, key=_key))
    assert results[0] == results[1]
    assert [(f.resource.kind, f.location.line) for f in results[1]] == [("Secret", 5)]


_FORK_VS_SERIAL = r"""
import json, sys
from seawall import forkscan
from seawall.engine import scan
from seawall.policy.config import Config

def view(report):
    stats = {k: v for k, v in report.stats.items() if k != "duration_seconds"}
    return [repr(report.findings), [str(e) for e in report.errors], report.warnings, stats]

cfg = Config(enable=("SW-SEC-*",))
forkscan.MIN_FILES = 10**9
serial = view(scan([sys.argv[1]], cfg))
forkscan.MIN_FILES, forkscan.BATCH = 10, 7
calls = []
real = forkscan.read_split
forkscan.read_split = lambda run, items: (calls.append(len(items)), real(run, items))
parallel = view(scan([sys.argv[1]], cfg))
print(json.dumps({"forked": bool(calls), "same": parallel == serial, "stats": serial[3]}))
"""


def test_forked_narrow_scan_equals_serial(shared_dir: Path) -> None:
    """In a fresh interpreter (forkscan refuses to fork while the session's threads run)."""
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-c", _FORK_VS_SERIAL, str(shared_dir / "corpus" / "k8s")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["forked"] and out["same"], out
    assert out["stats"]["manifests_not_parsed"] > 1000
