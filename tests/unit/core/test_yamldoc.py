"""YAML loading: line lookup, Helm sources, hostile documents."""

from __future__ import annotations

from seawall.sources.pointer import join_pointer, split_pointer
from seawall.sources.yamldoc import iter_documents, line_of


def test_lines_follow_pointer_and_fall_back_to_ancestor() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: x\n"
    (doc,) = list(iter_documents(text))
    assert line_of(doc.node, "/spec/containers/0/image", 0) == 8
    assert line_of(doc.node, "/spec/containers/0", 0) == 7
    # absent field: deepest existing ancestor (the container)
    assert line_of(doc.node, "/spec/containers/0/securityContext/privileged", 0) == 7
    assert line_of(doc.node, "/metadata/name", 0) == 4


def test_helm_source_comments_name_each_document() -> None:
    text = (
        "---\n# Source: app/templates/a.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n"
        "---\n# Source: app/templates/b.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n"
    )
    docs = list(iter_documents(text))
    assert [d.source for d in docs] == ["app/templates/a.yaml", "app/templates/b.yaml"]
    assert [d.line for d in docs] == [3, 8]


def test_alias_bomb_is_refused_without_expanding() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    prev = "a"
    for name in "bcdefghij":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
        prev = name
    (doc,) = list(iter_documents("\n".join(lines)))
    assert "alias" in doc.error and doc.value is None


def test_recursive_alias_is_refused() -> None:
    (doc,) = list(iter_documents("a: &a [*a]\n"))
    assert doc.error


def test_syntax_error_is_one_line_with_line_number_and_earlier_docs_survive() -> None:
    docs = list(iter_documents("a: 1\n---\nb: [1, 2\n"))
    assert docs[0].value == {"a": 1}
    assert docs[1].error.startswith("invalid YAML: line ")
    assert "\n" not in docs[1].error


import pytest  # noqa: E402


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("1" * 5000, "integer of 5000 digits is too long"),
        ("2021-13-45", "invalid timestamp '2021-13-45': month must be in 1..12"),
        ("2021-02-30T10:00:00Z", "invalid timestamp '2021-02-30T10:00:00Z': day is out of range for month"),
    ],
)
@pytest.mark.parametrize("with_alias", [False, True])
def test_plain_scalars_python_cannot_represent_are_a_document_error(value: str, why: str, with_alias: bool) -> None:
    """A valid YAML scalar whose value Python refuses (an int over its 4,300-digit conversion limit,
    a timestamp that is no date) makes that document an error naming its line; it used to abort
    the whole run ("internal error: ValueError"). Both construction paths (the fast one, and
    PyYAML's for a document with aliases) behave the same, and the next document still loads."""
    head = "x: &x 1\ny: *x\n" if with_alias else ""
    text = f"{head}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  stamp: {value}\n---\nok: 1\n"
    docs = list(iter_documents(text))
    line = 7 if with_alias else 5
    assert docs[0].value is None and docs[0].error == f"invalid YAML: line {line}: {why}"
    assert docs[1].value == {"ok": 1} and not docs[1].error


def test_deep_nesting_does_not_crash() -> None:
    docs = list(iter_documents("[" * 20000 + "]" * 20000))
    assert docs and docs[0].error


def test_pointer_escaping_roundtrip() -> None:
    p = join_pointer("/metadata", "annotations", "a/b~c")
    assert p == "/metadata/annotations/a~1b~0c"
    assert split_pointer(p) == ["metadata", "annotations", "a/b~c"]


def test_line_index_agrees_with_plain_walk() -> None:
    from seawall.sources.yamldoc import LineIndex

    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n    a/b: x\nspec:\n  containers:\n"
        "  - name: c\n    image: x\n    securityContext: {privileged: true}\n  - name: d\n"
    )
    (doc,) = list(iter_documents(text))
    idx = LineIndex(doc.node)
    for ptr in ["", "/spec", "/spec/containers/0/securityContext/privileged", "/spec/containers/1/image",
                "/spec/containers/7", "/metadata/annotations/a~1b", "/nope/deeper", "/spec/containers/x"]:
        assert idx.line(ptr) == line_of(doc.node, ptr, 1), ptr


def test_recorded_anchor_lines_equal_fresh_lookups(tmp_path: object) -> None:
    from seawall.sources.manifests import parse_manifest_text

    text = (
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a}\n"
        "  spec:\n    template:\n      spec:\n        serviceAccountName: x\n        containers:\n"
        "        - name: c\n          image: i\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
        "metadata:\n  name: b\nsubjects:\n- kind: User\n  name: u\nroleRef: {kind: Role, name: r}\n"
    )
    pf = parse_manifest_text(text, "x.yaml")
    for obj in pf.objects:
        view = obj.pod_view()
        pf.record_anchors(obj, (view.spec_pointer,) if view else ())
        assert obj.anchors
        fresh = parse_manifest_text(text, "x.yaml")
        for ptr, line in obj.anchors.items():
            assert fresh.line(obj, ptr) == line, ptr
    deployment = pf.objects[0]
    assert deployment.anchors["/items/0/spec/template/spec/serviceAccountName"] == 10
    assert pf.objects[1].anchors["/subjects/0"] == 20
