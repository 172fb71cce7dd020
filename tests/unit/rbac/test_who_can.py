"""``seawall rbac who-can`` / ``can``: exact JSON shape, scope semantics, subject parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seawall.cli.main import main
from seawall.errors import InputError
from seawall.rbac.matcher import Identity
from seawall.rbac.who_can import parse_resource, parse_subject

RB = "rbac.authorization.k8s.io"
DOCS = f"""apiVersion: {RB}/v1
kind: ClusterRole
metadata: {{name: exec}}
rules:
- {{apiGroups: [''], resources: [pods/exec], verbs: [create]}}
- {{apiGroups: [''], resources: [nodes], verbs: [get]}}
---
apiVersion: {RB}/v1
kind: RoleBinding
metadata: {{name: devs-exec, namespace: dev}}
roleRef: {{kind: ClusterRole, name: exec, apiGroup: {RB}}}
subjects:
- {{kind: Group, name: devs, apiGroup: {RB}}}
- {{kind: ServiceAccount, name: ci}}
---
apiVersion: {RB}/v1
kind: ClusterRoleBinding
metadata: {{name: ops-exec}}
roleRef: {{kind: ClusterRole, name: exec, apiGroup: {RB}}}
subjects: [{{kind: User, name: alice, apiGroup: {RB}}}]
---
apiVersion: {RB}/v1
kind: Role
metadata: {{name: reader, namespace: prod}}
rules: [{{apiGroups: [apps], resources: [deployments], verbs: [get], resourceNames: [web]}}]
---
apiVersion: {RB}/v1
kind: RoleBinding
metadata: {{name: read-web, namespace: prod}}
roleRef: {{kind: Role, name: reader, apiGroup: {RB}}}
subjects: [{{kind: User, name: bob, apiGroup: {RB}}}]
"""


@pytest.fixture()
def manifests(tmp_path: Path) -> Path:
    (tmp_path / "rbac.yaml").write_text(DOCS, encoding="utf-8")
    return tmp_path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_who_can_json_is_exactly_subjects(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = run_json(capsys, "rbac", "who-can", "create", "pods/exec", str(manifests))
    assert body == {
        "subjects": [
            {"kind": "Group", "name": "devs", "namespace": ""},
            {"kind": "ServiceAccount", "name": "ci", "namespace": "dev"},
            {"kind": "User", "name": "alice", "namespace": ""},
        ]
    }


def test_who_can_namespace_filter(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = run_json(capsys, "rbac", "who-can", "create", "pods/exec", "-n", "prod", str(manifests))
    assert body == {"subjects": [{"kind": "User", "name": "alice", "namespace": ""}]}


def test_who_can_cluster_scoped_ignores_rolebindings(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = run_json(capsys, "rbac", "who-can", "get", "nodes", "-n", "dev", str(manifests))
    assert body == {"subjects": [{"kind": "User", "name": "alice", "namespace": ""}]}


def test_who_can_subresource_and_group(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(capsys, "rbac", "who-can", "create", "pods", str(manifests)) == {"subjects": []}
    assert run_json(capsys, "rbac", "who-can", "get", "deployments", str(manifests)) == {"subjects": []}
    # resourceNames: only the named object, and only with --api-group apps (or deployments.apps)
    named = run_json(capsys, "rbac", "who-can", "get", "deployments.apps", "--name", "web", str(manifests))
    assert named == {"subjects": [{"kind": "User", "name": "bob", "namespace": ""}]}
    grp = run_json(capsys, "rbac", "who-can", "get", "deployments", "--api-group", "apps", "--name", "web",
                   str(manifests))
    assert grp == named
    assert run_json(capsys, "rbac", "who-can", "list", "deployments.apps", str(manifests)) == {"subjects": []}


def test_who_can_table(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rbac", "who-can", "create", "pods/exec", str(manifests)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["KIND", "NAMESPACE", "NAME", "GRANTED", "BY"]
    assert "RoleBinding dev/devs-exec -> ClusterRole exec" in out


def test_can_lists_per_namespace(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = run_json(capsys, "rbac", "can", "sa:dev:ci", str(manifests))
    assert isinstance(body, dict)
    assert body["cluster"] == []
    assert [r["resources"] for r in body["namespaces"]["dev"]] == [["pods/exec"], ["nodes"]]
    alice = run_json(capsys, "rbac", "can", "user:alice", str(manifests))
    assert isinstance(alice, dict) and len(alice["cluster"]) == 2 and alice["namespaces"] == {}
    assert alice["escalation_path"] is None  # exec rights in pods of an input with no pods
    assert body["escalation_path"] is None
    assert main(["rbac", "can", "user:alice", str(manifests)]) == 0
    assert "Cluster-wide" in capsys.readouterr().out


def test_missing_path_and_bad_subject_are_usage_errors(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rbac", "who-can", "get", "pods", str(manifests / "nope")]) == 2
    assert main(["rbac", "can", "alice", str(manifests)]) == 2
    assert "subject must be" in capsys.readouterr().err


def test_unparsable_file_makes_the_answer_incomplete(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (manifests / "broken.yaml").write_text("a: [unclosed\n", encoding="utf-8")
    assert main(["rbac", "who-can", "create", "pods/exec", str(manifests), "--format", "json"]) == 3
    captured = capsys.readouterr()
    assert json.loads(captured.out)["subjects"]
    assert "broken.yaml" in captured.err


@pytest.mark.parametrize(
    "text,ident",
    [
        ("user:alice", Identity.for_user("alice")),
        ("group:devs", Identity.group("devs")),
        ("sa:prod:api", Identity.service_account("prod", "api")),
        ("sa:prod/api", Identity.service_account("prod", "api")),
        ("system:serviceaccount:prod:api", Identity.service_account("prod", "api")),
    ],
)
def test_parse_subject(text: str, ident: Identity) -> None:
    assert parse_subject(text) == ident


@pytest.mark.parametrize("text", ["alice", "sa:prod", "user:", "system:serviceaccount:prod", "sa::x"])
def test_parse_subject_rejects(text: str) -> None:
    with pytest.raises(InputError):
        parse_subject(text)


def test_parse_resource() -> None:
    assert parse_resource("pods", None) == ("pods", "", "")
    assert parse_resource("pods/exec", None) == ("pods", "exec", "")
    assert parse_resource("deployments.apps/scale", None) == ("deployments", "scale", "apps")
    assert parse_resource("deployments", "apps") == ("deployments", "", "apps")


def test_who_can_non_resource_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.yaml").write_text(f"""apiVersion: {RB}/v1
kind: ClusterRole
metadata: {{name: metrics}}
rules: [{{nonResourceURLs: ["/metrics*"], verbs: [get]}}]
---
apiVersion: {RB}/v1
kind: ClusterRoleBinding
metadata: {{name: prom}}
roleRef: {{kind: ClusterRole, name: metrics, apiGroup: {RB}}}
subjects: [{{kind: ServiceAccount, name: prometheus, namespace: monitoring}}]
""", encoding="utf-8")
    body = run_json(capsys, "rbac", "who-can", "get", "/metrics/cadvisor", str(tmp_path))
    assert body == {"subjects": [{"kind": "ServiceAccount", "name": "prometheus", "namespace": "monitoring"}]}
    assert run_json(capsys, "rbac", "who-can", "get", "/healthz", str(tmp_path)) == {"subjects": []}
    # the API server's built-in cluster-admin is known even when the input does not define it
    (tmp_path / "admin.yaml").write_text(f"""apiVersion: {RB}/v1
kind: ClusterRoleBinding
metadata: {{name: root}}
roleRef: {{kind: ClusterRole, name: cluster-admin, apiGroup: {RB}}}
subjects: [{{kind: Group, name: ops}}]
""", encoding="utf-8")
    body = run_json(capsys, "rbac", "who-can", "get", "/healthz", str(tmp_path))
    assert body == {"subjects": [{"kind": "Group", "name": "ops", "namespace": ""}]}
    ops = run_json(capsys, "rbac", "can", "group:ops", str(tmp_path))
    assert isinstance(ops, dict) and ops["escalation_path"] == ["group:ops", "* on * cluster-wide", "cluster-admin"]
    assert main(["rbac", "can", "group:ops", str(tmp_path)]) == 0
    assert "Can become cluster-admin: group:ops -> * on * cluster-wide -> cluster-admin" in capsys.readouterr().out
