"""Findings point at the line of the offending field (or of the container/object when the field
is absent). Expected lines are found by searching the fixture text, independently of the engine.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from seawall.engine import Report, scan
from seawall.policy.config import Config

ScanPath = Callable[[Path], Report]


def _lines(path: Path, pattern: str) -> set[int]:
    rx = re.compile(pattern)
    return {i for i, line in enumerate(path.read_text().splitlines(), 1) if rx.search(line)}


#: (fixture relative to corpus, rule, regex of every offending line)
CASES: list[tuple[str, str, str]] = [
    ("checkov/tests/kubernetes/checks/example_ReadOnlyFilesystem/pod-readonly-false-FAILED.yaml", "SW-K8S-001",
     r"readOnlyRootFilesystem: false"),
    ("polaris/test/checks/dangerousCapabilities/failure.yaml", "SW-K8S-006", r"^\s*- NET_ADMIN"),
    ("kube-linter/tests/checks/docker-sock.yml", "SW-K8S-050", r"path: /var/run/docker\.sock"),
    ("kube-linter/tests/checks/ssh-port.yml", "SW-K8S-063", r"containerPort: 22$"),
    ("kube-linter/tests/checks/duplicate-env-var.yaml", "SW-K8S-042", r"name: PORT$"),
    ("checkov/tests/kubernetes/checks/example_NginxIngressCVE202125742/annotation1-FAILED.yaml", "SW-K8S-086",
     r"server-snippet"),
    ("checkov/tests/kubernetes/checks/example_ImageTagFixed/storm-zookeeper-FAILED.json", "SW-K8S-020",
     r'"image"'),
    ("checkov/tests/kubernetes/checks/example_TillerService/tiller-services.yaml", "SW-K8S-085",
     r"^    labels:$|^    selector:$"),
    # absent fields: the container (its first line) ...
    ("polaris/test/checks/livenessProbeMissing/failure.yaml", "SW-K8S-016", r"^\s*- name: liveness$"),
    # ... or the object's metadata when the namespace is missing
    ("checkov/tests/kubernetes/checks/example_DefaultNamespace/nginx-statefulset-FAILED.yaml", "SW-K8S-080",
     r"^metadata:"),
]


@pytest.mark.parametrize(("rel", "rid", "pattern"), CASES, ids=lambda v: str(v))
def test_finding_line_is_the_offending_field(rel: str, rid: str, pattern: str, corpus: Path,
                                             scan_path: ScanPath) -> None:
    path = corpus / rel
    report = scan_path(path)
    got = {f.location.line for f in report.findings if f.rule_id == rid}
    expected = _lines(path, pattern)
    if rid == "SW-K8S-042":
        # duplicate-env-var: the *second* PORT of each container is the offending entry
        expected = {ln for ln in expected if ln - 2 in expected}
    if rid == "SW-K8S-085":
        # per Service item, the first labels/selector block that says app: helm is reported
        text = path.read_text().splitlines()
        starts = [*sorted(_lines(path, r"^- apiVersion")), len(text) + 1]
        expected = set()
        for lo, hi in itertools.pairwise(starts):
            helm = [ln for ln in range(lo, hi) if ln in _lines(path, pattern) and "app: helm" in text[ln]]
            expected |= set(helm[:1])
    assert got and got == expected, (got, expected)
    assert all(f.location.path == str(path) for f in report.findings if f.rule_id == rid)


def test_exact_lines_in_a_handwritten_manifest(tmp_path: Path) -> None:
    text = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      automountServiceAccountToken: true
      containers:
      - name: app
        image: nginx:latest
        env:
        - name: API_KEY
          value: abcdefghijklmnop
        securityContext:
          readOnlyRootFilesystem: false
      - name: sidecar
        image: busybox:1.36
      volumes:
      - name: sock
        hostPath:
          path: /var/run/docker.sock
"""
    path = tmp_path / "d.yaml"
    path.write_text(text)
    report = scan([str(path)], Config())
    by_rule: dict[str, set[tuple[int, str]]] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule_id, set()).add((f.location.line, f.resource.container))
    assert by_rule["SW-K8S-030"] == {(13, "")}
    assert by_rule["SW-K8S-020"] == {(16, "app")}
    assert by_rule["SW-K8S-041"] == {(19, "app")}
    # present field -> its line; absent field -> the deepest existing parent (container line)
    assert by_rule["SW-K8S-001"] == {(21, "app"), (22, "sidecar")}
    assert by_rule["SW-K8S-050"] == {(27, "")}
    assert by_rule["SW-K8S-016"] == {(15, "app"), (22, "sidecar")}


def test_lines_inside_a_list_object(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: a, namespace: shop}
  spec:
    type: ClusterIP
- apiVersion: v1
  kind: Service
  metadata: {name: b, namespace: shop}
  spec:
    type: NodePort
"""
    path = tmp_path / "l.yaml"
    path.write_text(text)
    report = scan([str(path)], Config())
    found = [
        (f.resource.name, f.location.line, f.location.pointer) for f in report.findings if f.rule_id == "SW-K8S-082"
    ]
    assert found == [("b", 13, "/items/1/spec/type")]
