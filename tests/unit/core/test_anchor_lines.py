"""record_anchors walks an object's values and YAML nodes together; every line it records must be
what a pointer lookup (LineIndex.line) gives for the same field, on real manifests and on the
awkward cases: keys with '/', '~' or nothing in them, duplicate keys, merge keys and aliases,
values of the wrong type, long lists, objects inside a List."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.sources.manifests import ParsedFile, parse_manifest_text
from seawall.sources.yamldoc import LineIndex

AWKWARD = """\
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    annotations:
      a/b: "1"
      c~d: "2"
      "": empty key
      "~1": tilde-one
    labels: &labels
      app: web
    labels2: *labels
  spec:
    selector: {matchLabels: {app: web}}
    template:
      metadata: {labels: {app: web}}
      spec:
        base: &base {hostNetwork: true}
        extra:
          <<: *base
          dnsPolicy: None
        containers:
        - name: app
          image: nginx
        - not-a-map
        volumes: null
        dup: 1
        dup: 2
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: cm}
  ports: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
      28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54,
      55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67]
  data:
    "": ""
    x/: y
"""


def _check(pf: ParsedFile) -> int:
    """Record anchors for every object (with its pod spec, as the scan does) and compare each one
    with a pointer lookup on a fresh index of the same document."""
    checked = 0
    for obj in pf.objects:
        view = obj.pod_view()
        pf.record_anchors(obj, (view.spec_pointer,) if view is not None else ())
        doc = pf.documents[obj.doc_index]
        assert doc.node is not None
        fresh = LineIndex(doc.node)
        for ptr, line in obj.anchors.items():
            assert line == fresh.line(ptr), (obj.path, obj.ref(), ptr)
            checked += 1
    return checked


def test_awkward_document() -> None:
    pf = parse_manifest_text(AWKWARD, "awkward.yaml")
    assert [o.kind for o in pf.objects] == ["Deployment", "ConfigMap"]
    assert _check(pf) >= 90
    cm = pf.objects[1]
    assert "/items/1/ports/63" in cm.anchors and "/items/1/ports/64" not in cm.anchors
    assert "/items/1/data/" in cm.anchors  # the empty key
    assert cm.anchors["/items/1/data/x~1"] == AWKWARD.splitlines().index("    x/: y") + 1


@pytest.mark.parametrize("sub", ["kubernetes-examples", "checkov", "kubesec"])
def test_corpus_manifests(shared_dir: Path, sub: str) -> None:
    root = shared_dir / "corpus" / "k8s" / sub
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))[:300]
    assert files
    checked = 0
    for p in files:
        checked += _check(parse_manifest_text(p.read_text(encoding="utf-8", errors="replace"), str(p)))
    assert checked > 1000
