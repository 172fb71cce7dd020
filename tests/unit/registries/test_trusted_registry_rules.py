"""SW-SUP-101..103 on manifests: allow-list, plain-HTTP registries, TLS verification disabled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seawall.engine import scan
from seawall.policy.config import parse_config

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      initContainers:
      - name: fetch
        image: docker.io/library/busybox:1.36
        command: ["sh", "-c", "skopeo copy --src-tls-verify=false docker://a/b dir:/x"]
      containers:
      - name: app
        image: registry.example.com/shop/web:1.4.2
      - name: sidecar
        image: localhost:5000/tools/proxy:2
      - name: build
        image: gcr.io/kaniko-project/executor:v1.23.0
        args: ["--destination=registry.example.com/x:1", "--skip-tls-verify", "--insecure"]
      - name: mirror
        image: registry.example.com/tools/crane:1
        command: ["crane", "copy", "a", "b", "--insecure"]
      - name: safe
        image: registry.example.com/tools/skopeo:1
        args: ["--tls-verify=true", "--insecure-registry=false"]
      - name: curl
        image: registry.example.com/tools/curl:1
        command: ["curl", "--insecure", "https://example.com"]
"""


def _scan(tmp_path: Path, config: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    p = tmp_path / "deploy.yaml"
    p.write_text(MANIFEST)
    report = scan([str(p)], parse_config(config, "cfg.yaml", tmp_path))
    assert not report.errors
    return sorted(
        (f.rule_id, f.location.line, f.location.pointer, f.resource.container)
        for f in report.findings
        if f.rule_id.startswith("SW-SUP-1")
    )


def test_allow_list_and_insecure_hosts(tmp_path: Path) -> None:
    cfg = {"registries": {"allowed": ["registry.example.com/*", "localhost:5000"], "insecure": ["localhost:5000"]}}
    found = _scan(tmp_path, cfg)
    assert [x for x in found if x[0] == "SW-SUP-101"] == [
        ("SW-SUP-101", 9, "/spec/template/spec/initContainers/0/image", "fetch"),
        ("SW-SUP-101", 17, "/spec/template/spec/containers/2/image", "build"),
    ]
    assert [x for x in found if x[0] == "SW-SUP-102"] == [
        ("SW-SUP-102", 15, "/spec/template/spec/containers/1/image", "sidecar")
    ]


def test_tls_verification_disabled_in_commands(tmp_path: Path) -> None:
    found = [x for x in _scan(tmp_path, {}) if x[0] == "SW-SUP-103"]
    assert found == [
        ("SW-SUP-103", 10, "/spec/template/spec/initContainers/0/command/2", "fetch"),
        ("SW-SUP-103", 18, "/spec/template/spec/containers/2/args/1", "build"),
        ("SW-SUP-103", 18, "/spec/template/spec/containers/2/args/2", "build"),
        ("SW-SUP-103", 21, "/spec/template/spec/containers/3/command/4", "mirror"),
    ]  # "safe" re-enables verification; curl --insecure is not a registry client


def test_no_allow_list_no_findings_and_no_duplicate_of_sw_k8s_023(tmp_path: Path) -> None:
    assert not [x for x in _scan(tmp_path, {"registries": {"insecure": []}}) if x[0] in ("SW-SUP-101", "SW-SUP-102")]
    cfg = {
        "registries": {"allowed": ["registry.example.com/*"]},
        "rules": {"settings": {"SW-K8S-023": {"allowed_registries": ["registry.example.com/*", "gcr.io/*"]}}},
    }
    p = tmp_path / "deploy.yaml"
    p.write_text(MANIFEST)
    report = scan([str(p)], parse_config(cfg, "cfg.yaml", tmp_path))
    by_rule: dict[str, set[str]] = {}
    for f in report.findings:
        if f.rule_id in ("SW-K8S-023", "SW-SUP-101"):
            by_rule.setdefault(f.rule_id, set()).add(f.resource.container)
    # busybox is reported once (by SW-K8S-023); kaniko is allowed by SW-K8S-023 but not by registries.allowed
    assert by_rule == {"SW-K8S-023": {"fetch", "sidecar"}, "SW-SUP-101": {"build"}}


def test_invalid_section_is_reported_once(tmp_path: Path) -> None:
    p = tmp_path / "deploy.yaml"
    p.write_text(MANIFEST)
    report = scan([str(p)], parse_config({"registries": {"allowed": "x", "bogus": 1}}, "cfg.yaml", tmp_path))
    assert [str(e) for e in report.errors] == [
        "registries: cfg.yaml: registries: unknown key(s) bogus (allowed: allowed, ca_file, docker_config, insecure)"
    ]
    assert not [f for f in report.findings if f.rule_id in ("SW-SUP-101", "SW-SUP-102")]


def test_no_false_positives_on_real_manifests(shared_dir: Path) -> None:
    """Real manifests with other programs' `--insecure` flags (cockroachdb, kube-apiserver) and
    the whole public corpus: no container there disables registry TLS."""
    corpus = shared_dir / "corpus" / "k8s"
    cockroach = corpus / "kubernetes-examples/_archived/cockroachdb/cockroachdb-statefulset.yaml"
    assert "--insecure" in cockroach.read_text()
    report = scan([str(corpus)], parse_config({"rules": {"enable": ["SW-SUP-10*"]}}, "cfg", shared_dir))
    assert report.stats["workloads"] > 1000
    assert [f for f in report.findings if f.rule_id in ("SW-SUP-103", "SW-SUP-105")] == []
