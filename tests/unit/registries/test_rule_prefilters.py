"""The cheap preconditions of SW-SUP-101/102/103 skip only workloads the full check clears.

SW-SUP-103 looks at command lines only when their text (quotes and backslashes taken out,
lower-cased) can hold one of its flags; SW-SUP-101/102 return before parsing the ``registries``
section when the list they need is absent or empty. These tests pin the edge cases of both: shell
quoting that hides a flag from a plain substring search, and a ``""`` allow-list (one empty
pattern, which still reports).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seawall.engine import scan
from seawall.inventory.k8s import K8sObject, PodSpecView
from seawall.policy.config import parse_config
from seawall.rules.supply_chain.trusted_registries import _tls_off, _tokens, registry_tls_disabled

#: Command lines whose TLS flag only appears once the shell has removed quotes or escapes, or
#: is written in capitals, or is split across list items, plus ones that must stay silent.
COMMANDS: list[list[Any]] = [
    ["sh", "-c", 'kaniko --skip-t"l"s-verify --destination=r/x:1'],
    ["sh", "-c", "executor --in'secure' --destination=r/x:1"],
    ["sh", "-c", "dockerd --insecure\\-registry=10.0.0.1:5000"],
    ["sh", "-c", "skopeo copy --TLS-VERIFY=False a b"],
    ["skopeo", "copy", "--src-tls-verify", "false", "a", "b"],
    ["oras", "push", "--PLAIN-HTTP", "r/x:1"],
    ["sh", "-c", "helm push --plain\"-\"http chart.tgz oci://r"],
    ["sh", "-c", "echo 'unbalanced --insecure-registry=x"],
    ["crane", "copy", "a", "b", "--insecure"],
    ["sh", "-c", "curl --insecure https://example.com"],
    ["sh", "-c", "skopeo copy --tls-verify=true a b"],
    ["nginx", "-g", "daemon off;"],
    [12, None, True, {"a": 1}, "--skip-tls-verify"],
]


def _view(command: list[Any], image: str = "gcr.io/kaniko-project/executor:v1") -> PodSpecView:
    doc = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": image, "command": command, "args": list(command)}]},
    }
    view = K8sObject("v1", "Pod", "p", "", doc, "p.yaml", 0, 1).pod_view()
    assert view is not None
    return view


@pytest.mark.parametrize("command", COMMANDS)
def test_sup103_prefilter_keeps_every_finding_of_the_full_check(command: list[Any]) -> None:
    view = _view(command)
    c = view.containers()[0]
    # what the rule reports without its precondition: every (field, index) the tokens flag
    expected: list[tuple[str, int]] = []
    for fld, i, _tok in _tls_off(_tokens(c), c.image):
        if (fld, i) not in expected:
            expected.append((fld, i))
    got = [(v.pointer.split("/")[-2], int(v.pointer.split("/")[-1])) for v in registry_tls_disabled(view, None)]
    assert got == expected


def test_sup103_quoted_flags_are_found() -> None:
    """The hidden flags above are real findings (so the comparison above is not vacuous)."""
    hits = [cmd for cmd in COMMANDS if list(registry_tls_disabled(_view(cmd), None))]
    # the first nine flag TLS off (the unbalanced quote falls back to a plain split); of the
    # others only `--insecure` counts, since the image is kaniko's executor
    assert hits == [*COMMANDS[:10], COMMANDS[12]]


MANIFEST = """\
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
  - name: app
    image: docker.io/library/nginx:1.27
"""


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"allowed": ""}, ["SW-SUP-101"]),  # one empty pattern: nothing is allowed
        ({"allowed": []}, []),
        ({"insecure": ""}, []),
        ({"insecure": ["docker.io"]}, ["SW-SUP-102"]),
        ({"allowed": ["registry.example.com/*"]}, ["SW-SUP-101"]),
        ({}, []),
    ],
)
def test_sup101_102_precondition_matches_the_parsed_section(
    tmp_path: Path, section: dict[str, Any], expected: list[str]
) -> None:
    p = tmp_path / "pod.yaml"
    p.write_text(MANIFEST)
    cfg = {"registries": section} if section else {}
    report = scan([str(p)], parse_config(cfg, "cfg.yaml", tmp_path))
    assert not report.errors
    assert sorted({f.rule_id for f in report.findings if f.rule_id in ("SW-SUP-101", "SW-SUP-102")}) == expected
