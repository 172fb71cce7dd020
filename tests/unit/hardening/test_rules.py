"""Each hardening rule on a failing and a passing manifest, through the real engine, plus the
semantics that peer fixtures do not pin down (settings, redaction, effective values, severities).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from seawall.engine import Report, scan
from seawall.model.finding import Severity
from seawall.policy.config import Config
from seawall.rules.registry import REGISTRY
from seawall.rules.workload.hardening_common import has_digest, parse_image, redact
from seawall.rules.workload.hardening_env import sensitive_name

HARDENED_CONTAINER: dict[str, Any] = {
    "name": "app",
    "image": "registry.example.com/app:1.2.3@sha256:" + "a" * 64,
    "imagePullPolicy": "Always",
    "ports": [{"containerPort": 8080}],
    "securityContext": {
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    },
    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}},
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
    "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
}


def hardened() -> dict[str, Any]:
    """A Deployment that passes every SW-K8S rule (asserted below)."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "serviceAccountName": "web",
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsUser": 10001,
                        "runAsGroup": 10001,
                        "fsGroup": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [copy.deepcopy(HARDENED_CONTAINER)],
                },
            },
        },
    }


def _write(tmp_path: Path, docs: list[dict[str, Any]] | dict[str, Any], name: str = "m.yaml") -> Path:
    docs = docs if isinstance(docs, list) else [docs]
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


#: The secrets engine (SW-SEC-*) flags some of the same fields as SW-K8S-041/091, and the engine
#: keeps one finding per secret; hardening rules are tested on their own.
NO_SECRET_ENGINE = ("SW-SEC-*",)


def _scan(tmp_path: Path, docs: list[dict[str, Any]] | dict[str, Any], config: Config | None = None) -> Report:
    report = scan([str(_write(tmp_path, docs))], config or Config(disable=NO_SECRET_ENGINE))
    assert not report.errors, report.errors
    return report


def _ids(report: Report) -> set[str]:
    return {f.rule_id for f in report.findings if f.rule_id.startswith("SW-K8S-")}


def _container(d: dict[str, Any]) -> dict[str, Any]:
    c: dict[str, Any] = d["spec"]["template"]["spec"]["containers"][0]
    return c


def _pod(d: dict[str, Any]) -> dict[str, Any]:
    p: dict[str, Any] = d["spec"]["template"]["spec"]
    return p


def test_hardened_deployment_is_clean(tmp_path: Path) -> None:
    assert _ids(_scan(tmp_path, hardened())) == set()


def _mut(path: str, value: Any) -> Any:
    """A mutation of the hardened Deployment: set (or delete, value=...) a field by dotted path
    where 'c.' = first container, 'p.' = pod spec, 'o.' = object."""

    def apply(d: dict[str, Any]) -> None:
        root, _, rest = path.partition(".")
        cur: Any = {"c": _container(d), "p": _pod(d), "o": d}[root]
        keys = rest.split(".")
        for k in keys[:-1]:
            cur = cur.setdefault(k, {})
        if value is ...:
            cur.pop(keys[-1], None)
        else:
            cur[keys[-1]] = value

    return apply


#: rule -> a mutation of the hardened Deployment that must make exactly this rule fire (among
#: others possibly) — the "failing fixture" every rule needs.
FAILING: dict[str, Any] = {
    "SW-K8S-001": _mut("c.securityContext.readOnlyRootFilesystem", False),
    "SW-K8S-002": _mut("c.securityContext", ...),
    "SW-K8S-003": _mut("p.securityContext", ...),
    "SW-K8S-004": _mut("c.securityContext.capabilities.drop", ["NET_RAW"]),
    "SW-K8S-005": _mut("c.securityContext.capabilities", {"drop": ["ALL"], "add": ["NET_RAW"]}),
    "SW-K8S-006": _mut("c.securityContext.capabilities", {"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
    "SW-K8S-007": _mut("p.securityContext.seccompProfile", {"type": "Unconfined"}),
    "SW-K8S-008": _mut("p.securityContext.runAsUser", 1000),
    "SW-K8S-009": _mut("p.securityContext.runAsGroup", 1000),
    "SW-K8S-010": _mut("p.securityContext.fsGroup", 0),
    "SW-K8S-011": _mut("c.ports", [{"containerPort": 80}]),
    "SW-K8S-012": _mut("c.resources.requests.cpu", ...),
    "SW-K8S-013": _mut("c.resources.limits.cpu", ...),
    "SW-K8S-014": _mut("c.resources.requests.memory", ...),
    "SW-K8S-015": _mut("c.resources.limits.memory", ...),
    "SW-K8S-016": _mut("c.livenessProbe", ...),
    "SW-K8S-017": _mut("c.readinessProbe", ...),
    "SW-K8S-020": _mut("c.image", "nginx:latest"),
    "SW-K8S-021": _mut("c.image", "registry.example.com/app:1.2.3"),
    "SW-K8S-022": (
        lambda d: (_mut("c.image", "registry.example.com/app:1.2.3")(d), _mut("c.imagePullPolicy", "IfNotPresent")(d))
    ),
    "SW-K8S-024": _mut("c.image", "k8s.gcr.io/pause:3.2@sha256:" + "b" * 64),
    "SW-K8S-030": _mut("p.automountServiceAccountToken", ...),
    "SW-K8S-031": _mut("p.serviceAccountName", "default"),
    "SW-K8S-032": _mut("p.serviceAccount", "other"),
    "SW-K8S-040": _mut("c.env", [{"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}]),
    "SW-K8S-041": _mut("c.env", [{"name": "DB_PASSWORD", "value": "hunter2hunter2"}]),
    "SW-K8S-042": _mut("c.env", [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]),
    "SW-K8S-050": _mut("p.volumes", [{"name": "s", "hostPath": {"path": "/run/containerd/containerd.sock"}}]),
    "SW-K8S-051": _mut("p.volumes", [{"name": "s", "hostPath": {"path": "/var/lib/kubelet/pods"}}]),
    "SW-K8S-053": _mut("p.volumes", [{"name": "s", "secret": {"secretName": "x", "defaultMode": 0o777}}]),
    "SW-K8S-060": _mut("p.hostAliases", [{"ip": "10.0.0.1", "hostnames": ["api.example.com"]}]),
    "SW-K8S-062": _mut("o.metadata.namespace", "kube-system"),
    "SW-K8S-063": _mut("c.ports", [{"containerPort": 22}]),
    "SW-K8S-064": _mut("o.spec.selector.matchLabels", {"app": "other"}),
    "SW-K8S-066": _mut("c.image", "gcr.io/kubernetes-helm/tiller:v2.16.9@sha256:" + "c" * 64),
    "SW-K8S-068": _mut("c.image", "kubernetesui/dashboard:v2.7.0@sha256:" + "d" * 64),
    "SW-K8S-069": (
        lambda d: (_mut("c.image", "registry.k8s.io/git-sync/git-sync:v4.2.1@sha256:" + "e" * 64)(d),
                   _mut("c.env", [{"name": "GITSYNC_GIT", "value": "/tmp/x"}])(d))
    ),
    "SW-K8S-054": (
        lambda d: (_mut("p.volumes", [{"name": "t", "emptyDir": {}}])(d),
                   _mut("c.volumeMounts", [{"name": "t", "mountPath": "/tmp"}])(d))
    ),
    "SW-K8S-070": _mut("c.command", ["sh", "-c", "sudo /app/start"]),
    "SW-K8S-071": _mut("p.shareProcessNamespace", True),
    "SW-K8S-018": _mut("c.livenessProbe", {"httpGet": {"path": "/", "port": "metrics"}}),
    "SW-K8S-019": _mut("c.livenessProbe", {"httpGet": {"path": "/ready", "port": 8080}}),
    "SW-K8S-072": (
        lambda d: (_mut("p.securityContext.seccompProfile", {"type": "Unconfined"})(d),
                   _mut("c.securityContext.capabilities", ...)(d))
    ),
    "SW-K8S-080": _mut("o.metadata.namespace", "default"),
    "SW-K8S-092": _mut("o.apiVersion", "extensions/v1beta1"),
}


@pytest.mark.parametrize("rid", sorted(FAILING))
def test_rule_fires_on_its_failing_mutation(rid: str, tmp_path: Path) -> None:
    doc = hardened()
    FAILING[rid](doc)
    ids = _ids(_scan(tmp_path, doc))
    assert rid in ids, ids


def test_writable_hostpath_and_readonly_mount(tmp_path: Path) -> None:
    doc = hardened()
    _pod(doc)["volumes"] = [{"name": "logs", "hostPath": {"path": "/srv/logs"}}]
    _container(doc)["volumeMounts"] = [{"name": "logs", "mountPath": "/logs"}]
    assert "SW-K8S-052" in _ids(_scan(tmp_path, doc))
    _container(doc)["volumeMounts"][0]["readOnly"] = True
    assert "SW-K8S-052" not in _ids(_scan(tmp_path, doc))


def test_naked_pod_and_owned_pod(tmp_path: Path) -> None:
    pod: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"},
           "spec": {"containers": [{"name": "a", "image": "busybox:1.36"}]}}
    assert "SW-K8S-061" in _ids(_scan(tmp_path, pod))
    pod["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": "x", "apiVersion": "apps/v1", "uid": "1"}]
    assert "SW-K8S-061" not in _ids(_scan(tmp_path, pod))


def test_tiller_listener(tmp_path: Path) -> None:
    doc = hardened()
    _container(doc)["image"] = "gcr.io/kubernetes-helm/tiller:v2.16.9"
    assert "SW-K8S-067" in _ids(_scan(tmp_path, doc))
    _container(doc)["args"] = ["--listen=localhost:44134"]
    assert "SW-K8S-067" not in _ids(_scan(tmp_path, doc))


def test_allowed_registries_setting(tmp_path: Path) -> None:
    doc = hardened()
    assert "SW-K8S-023" not in _ids(_scan(tmp_path, doc)), "no allow-list: nothing to enforce"
    cfg = Config(settings={"SW-K8S-023": {"allowed_registries": ["registry.example.com/*"]}})
    assert "SW-K8S-023" not in _ids(_scan(tmp_path, doc, cfg))
    _container(doc)["image"] = "docker.io/library/nginx:1.25"
    assert "SW-K8S-023" in _ids(_scan(tmp_path, doc, cfg))
    _container(doc)["image"] = "nginx:1.25"  # implicit Docker Hub
    assert "SW-K8S-023" in _ids(_scan(tmp_path, doc, cfg))


def test_uid_threshold_setting(tmp_path: Path) -> None:
    doc = hardened()
    _pod(doc)["securityContext"]["runAsUser"] = 2000
    assert "SW-K8S-008" in _ids(_scan(tmp_path, doc))
    cfg = Config(settings={"SW-K8S-008": {"min": 1000}})
    assert "SW-K8S-008" not in _ids(_scan(tmp_path, doc, cfg))


def test_dangerous_caps_setting_and_container_overrides_pod(tmp_path: Path) -> None:
    doc = hardened()
    _container(doc)["securityContext"]["capabilities"]["add"] = ["NET_ADMIN"]
    assert "SW-K8S-006" in _ids(_scan(tmp_path, doc))
    cfg = Config(settings={"SW-K8S-006": {"capabilities": ["SYS_ADMIN"]}})
    assert "SW-K8S-006" not in _ids(_scan(tmp_path, doc, cfg))
    # a container-level runAsUser overrides a low pod-level one
    doc = hardened()
    _pod(doc)["securityContext"]["runAsUser"] = 0
    _container(doc)["securityContext"]["runAsUser"] = 20000
    assert "SW-K8S-008" not in _ids(_scan(tmp_path, doc))


def test_probe_rules_skip_jobs(tmp_path: Path) -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "shop"},
           "spec": {"ttlSecondsAfterFinished": 60,
                    "template": {"spec": {"containers": [{"name": "a", "image": "busybox:1.36"}]}}}}
    ids = _ids(_scan(tmp_path, job))
    assert not ids & {"SW-K8S-016", "SW-K8S-017", "SW-K8S-065"}
    cfg = Config(settings={"SW-K8S-016": {"skip_kinds": []}})
    assert "SW-K8S-016" in _ids(_scan(tmp_path, job, cfg))


def test_automount_follows_service_account_in_scan(tmp_path: Path) -> None:
    doc = hardened()
    del _pod(doc)["automountServiceAccountToken"]
    sa: dict[str, Any] = {"apiVersion": "v1", "kind": "ServiceAccount",
                          "metadata": {"name": "web", "namespace": "shop"}, "automountServiceAccountToken": False}
    assert "SW-K8S-030" in _ids(_scan(tmp_path, doc))
    assert "SW-K8S-030" not in _ids(_scan(tmp_path, [doc, sa]))
    # a ServiceAccount of the same name in another namespace does not count
    sa["metadata"]["namespace"] = "other"
    assert "SW-K8S-030" in _ids(_scan(tmp_path, [doc, sa]))
    # the pod-level field wins
    _pod(doc)["automountServiceAccountToken"] = True
    sa["metadata"]["namespace"] = "shop"
    assert "SW-K8S-030" in _ids(_scan(tmp_path, [doc, sa]))


def test_default_service_account_object(tmp_path: Path) -> None:
    sa: dict[str, Any] = {"apiVersion": "v1", "kind": "ServiceAccount",
                          "metadata": {"name": "default", "namespace": "shop"}}
    assert "SW-K8S-033" in _ids(_scan(tmp_path, sa))
    sa["automountServiceAccountToken"] = False
    assert "SW-K8S-033" not in _ids(_scan(tmp_path, sa))


@pytest.mark.parametrize(
    ("labels", "fires"),
    [
        (None, True),
        ({"team": "a"}, True),
        ({"pod-security.kubernetes.io/enforce": "privileged"}, True),
        ({"pod-security.kubernetes.io/enforce": "bogus"}, True),
        ({"pod-security.kubernetes.io/warn": "restricted"}, True),
        ({"pod-security.kubernetes.io/enforce": "baseline"}, False),
        ({"pod-security.kubernetes.io/enforce": "restricted"}, False),
    ],
)
def test_namespace_psa_labels(labels: dict[str, str] | None, fires: bool, tmp_path: Path) -> None:
    ns: dict[str, Any] = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    if labels is not None:
        ns["metadata"]["labels"] = labels
    assert ("SW-K8S-081" in _ids(_scan(tmp_path, ns))) is fires


def test_namespace_psa_exempt_system(tmp_path: Path) -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}}
    assert "SW-K8S-081" not in _ids(_scan(tmp_path, ns))


def test_namespace_quotas_across_files(tmp_path: Path) -> None:
    ns: dict[str, Any] = {"apiVersion": "v1", "kind": "Namespace",
                          "metadata": {"name": "shop", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}
    r = _scan(tmp_path, ns)
    found = {(f.rule_id, f.location.line) for f in r.findings if f.rule_id in ("SW-K8S-093", "SW-K8S-094")}
    assert found == {("SW-K8S-093", 1), ("SW-K8S-094", 1)}
    quotas: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "l", "namespace": "shop"},
         "spec": {"limits": [{"type": "Container", "default": {"cpu": "1"}}]}},
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q", "namespace": "shop"},
         "spec": {"hard": {"pods": "10"}}},
    ]
    _write(tmp_path, ns, "ns.yaml")
    _write(tmp_path, quotas, "quotas.yaml")
    report = scan([str(tmp_path / "ns.yaml"), str(tmp_path / "quotas.yaml")], Config())
    assert not {f.rule_id for f in report.findings} & {"SW-K8S-093", "SW-K8S-094"}
    # a quota in another namespace does not count; kube-system is exempt
    quotas[1]["metadata"]["namespace"] = "other"
    ks = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}}
    report = scan([str(_write(tmp_path, [ns, ks, *quotas], "all.yaml"))], Config())
    assert {(f.rule_id, f.resource.name) for f in report.findings if f.rule_id in ("SW-K8S-093", "SW-K8S-094")} == {
        ("SW-K8S-094", "shop")
    }


def _svc(spec: dict[str, Any], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "s", "namespace": "shop"}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta,
            "spec": {"ports": [{"port": 80}], "selector": {"app": "web"}, **spec}}


def test_services(tmp_path: Path) -> None:
    assert _ids(_scan(tmp_path, _svc({}))) == set()
    assert "SW-K8S-082" in _ids(_scan(tmp_path, _svc({"type": "NodePort"})))
    r = _scan(tmp_path, _svc({"type": "LoadBalancer"}))
    assert [f.severity for f in r.findings if f.rule_id == "SW-K8S-083"] == [Severity.MEDIUM]
    r = _scan(tmp_path, _svc({"type": "LoadBalancer"},
                             {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}))
    assert [f.severity for f in r.findings if f.rule_id == "SW-K8S-083"] == [Severity.LOW]
    r = _scan(tmp_path, _svc({"type": "LoadBalancer", "loadBalancerSourceRanges": ["10.0.0.0/8"]}))
    assert [f.severity for f in r.findings if f.rule_id == "SW-K8S-083"] == [Severity.LOW]
    assert "SW-K8S-084" in _ids(_scan(tmp_path, _svc({"externalIPs": ["1.2.3.4"]})))
    assert "SW-K8S-085" in _ids(_scan(tmp_path, _svc({"ports": [{"port": 44134}]})))


def _ing(annotations: dict[str, str], spec: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "i", "namespace": "shop", "annotations": annotations},
            "spec": spec if spec is not None else {"tls": [{"hosts": ["a.example.com"], "secretName": "t"}],
                                                   "rules": [{"host": "a.example.com"}]}}


def test_ingress(tmp_path: Path) -> None:
    assert _ids(_scan(tmp_path, _ing({}))) == set()
    ids = _ids(_scan(tmp_path, _ing({"nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers 'X: y';"})))
    assert "SW-K8S-086" in ids and "SW-K8S-087" not in ids
    ids = _ids(_scan(tmp_path, _ing({"nginx.ingress.kubernetes.io/auth-snippet": "access_by_lua_block { }"})))
    assert {"SW-K8S-086", "SW-K8S-087"} <= ids
    ids = _ids(_scan(tmp_path, _ing({"nginx.ingress.kubernetes.io/auth-url": "https://a/#;\ninjection"})))
    assert "SW-K8S-088" in ids
    assert "SW-K8S-089" in _ids(_scan(tmp_path, _ing({}, {"rules": [{"host": "a.example.com"}]})))
    uncovered = {"tls": [{"hosts": ["a.example.com"]}], "rules": [{"host": "b.example.com"}]}
    assert "SW-K8S-089" in _ids(_scan(tmp_path, _ing({}, uncovered)))
    wildcard = {"tls": [{"hosts": ["*.example.com"]}], "rules": [{"host": "b.example.com"}]}
    assert "SW-K8S-089" not in _ids(_scan(tmp_path, _ing({}, wildcard)))


def test_configmap_credentials_redacted(tmp_path: Path) -> None:
    secret_value = "Sup3rS3cretValue!"
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "shop"},
          "data": {"app.properties": f"db.user=app\ndb.password={secret_value}\n", "greeting": "hello",
                   "token_ttl": "3600", "api_key_file": "/run/secrets/key"}}
    r = _scan(tmp_path, cm)
    found = [f for f in r.findings if f.rule_id == "SW-K8S-091"]
    assert len(found) == 1 and found[0].location.pointer == "/data/app.properties"
    assert secret_value not in found[0].evidence and secret_value not in found[0].message


def test_env_credentials_redacted_and_references_ignored(tmp_path: Path) -> None:
    secret_value = "ghp_" + "A1b2C3d4" * 5
    doc = hardened()
    _container(doc)["env"] = [
        {"name": "GITHUB_TOKEN", "value": secret_value},
        {"name": "DB_PASSWORD", "value": "$(FROM_ELSEWHERE)"},
        {"name": "PASSWORD_FILE", "value": "/run/secrets/pw"},
        {"name": "TOKEN_TTL", "value": "3600"},
        {"name": "PWD", "value": "/app"},
        {"name": "DATABASE_URL", "value": "postgres://app:pa55word@db:5432/app"},
    ]
    r = _scan(tmp_path, doc)
    found = {f.location.pointer.rsplit("/", 2)[-2]: f for f in r.findings if f.rule_id == "SW-K8S-041"}
    assert set(found) == {"0", "5"}
    for f in found.values():
        assert secret_value not in f.evidence and "pa55word" not in f.evidence
        assert secret_value not in f.message


def test_redact_never_shows_more_than_four_chars() -> None:
    for value in ["", "a", "abcdef", "hunter2hunter2", "x" * 200]:
        shown = redact(value).split("****")[0]
        assert len(shown) <= 4 and value.startswith(shown)
        if len(value) > 4:
            assert value not in redact(value)
    assert redact("hunter2hunter2") != redact("hunter2hunter3")


@pytest.mark.parametrize(
    ("name", "sensitive"),
    [("DB_PASSWORD", True), ("password", True), ("apiKey", True), ("AWS_SECRET_ACCESS_KEY", True),
     ("AZURE_BATCH_KEY", True), ("OCI_CLI_KEY_CONTENT", True), ("GITHUB_TOKEN", True), ("DB_PASS", True),
     ("PASSWORD_FILE", False), ("TOKEN_TTL", False), ("SECRET_NAME", False), ("PWD", True), ("PORT", False),
     ("AWS_ACCESS_KEY_ID", False), ("BLAH", False), ("", False)],
)
def test_sensitive_names(name: str, sensitive: bool) -> None:
    assert sensitive_name(name) is sensitive


@pytest.mark.parametrize(
    ("ref", "registry", "repo", "tag", "pinned"),
    [
        ("nginx", "", "nginx", "", False),
        ("nginx:1.25", "", "nginx", "1.25", False),
        ("localhost:5000/app", "localhost:5000", "app", "", False),
        ("registry.example.com:443/team/app:v1@sha256:" + "0" * 64, "registry.example.com:443", "team/app", "v1", True),
        ("app@sha256:123456", "", "app", "", False),
        ("LOCALHOST/app:1", "", "LOCALHOST/app", "1", False),
    ],
)
def test_parse_image(ref: str, registry: str, repo: str, tag: str, pinned: bool) -> None:
    img = parse_image(ref)
    assert (img.registry, img.repository, img.tag, has_digest(img)) == (registry, repo, tag, pinned)


def test_empty_dir_bounds(tmp_path: Path) -> None:
    doc = hardened()
    _pod(doc)["volumes"] = [{"name": "t", "emptyDir": {"sizeLimit": "1Gi"}},
                            {"name": "m", "emptyDir": {"medium": "Memory"}}]
    _container(doc)["volumeMounts"] = [{"name": "t", "mountPath": "/tmp"}, {"name": "m", "mountPath": "/shm"}]
    # sized disk emptyDir passes; memory emptyDir is bounded by the container's memory limit
    assert "SW-K8S-054" not in _ids(_scan(tmp_path, doc))
    del _container(doc)["resources"]["limits"]["memory"]
    r = _scan(tmp_path, doc)
    assert [f.location.pointer for f in r.findings if f.rule_id == "SW-K8S-054"] == [
        "/spec/template/spec/volumes/1/emptyDir"
    ]


def test_sudo_is_a_word_not_a_substring(tmp_path: Path) -> None:
    doc = hardened()
    _container(doc)["args"] = ["--pseudo-terminal", "/usr/bin/sudoku"]
    assert "SW-K8S-070" not in _ids(_scan(tmp_path, doc))
    _container(doc)["args"] = ["/usr/bin/sudo -u app run"]
    assert "SW-K8S-070" in _ids(_scan(tmp_path, doc))


def test_pull_policy_defaults(tmp_path: Path) -> None:
    doc = hardened()
    del _container(doc)["imagePullPolicy"]
    assert "SW-K8S-022" not in _ids(_scan(tmp_path, doc)), "digest-pinned: pull policy irrelevant"
    _container(doc)["image"] = "registry.example.com/app:1.2.3"
    assert "SW-K8S-022" in _ids(_scan(tmp_path, doc)), "tagged: defaults to IfNotPresent"
    _container(doc)["image"] = "registry.example.com/app:latest"
    assert "SW-K8S-022" not in _ids(_scan(tmp_path, doc)), ":latest defaults to Always"


def test_windows_pod_skips_linux_only_rules(tmp_path: Path) -> None:
    doc = hardened()
    _pod(doc)["os"] = {"name": "windows"}
    _pod(doc)["securityContext"] = {"windowsOptions": {"runAsUserName": "ContainerUser"}}
    _container(doc)["securityContext"] = {"runAsNonRoot": True}
    ids = _ids(_scan(tmp_path, doc))
    assert not ids & {"SW-K8S-001", "SW-K8S-004", "SW-K8S-005", "SW-K8S-007", "SW-K8S-008", "SW-K8S-009"}


def test_default_namespace_objects(tmp_path: Path) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}}
    labels = {"pod-security.kubernetes.io/enforce": "baseline"}
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "labels": labels}}
    builtin = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default"},
               "spec": {"ports": [{"port": 443}]}}
    r = _scan(tmp_path, [cm, ns, builtin])
    assert {(f.resource.kind, f.resource.name) for f in r.findings if f.rule_id == "SW-K8S-080"} == {("ConfigMap", "c")}


def test_disabled_rule_reports_nothing(tmp_path: Path) -> None:
    doc = hardened()
    del _pod(doc)["automountServiceAccountToken"]
    _container(doc)["securityContext"]["readOnlyRootFilesystem"] = False
    cfg = Config(disable=("SW-K8S-030", "SW-K8S-001"))
    assert not _ids(_scan(tmp_path, doc, cfg)) & {"SW-K8S-030", "SW-K8S-001"}


def test_every_rule_has_a_failing_case_somewhere() -> None:
    """Rules not mutated above are exercised by dedicated tests or peer fixtures."""
    covered = set(FAILING) | {
        "SW-K8S-023", "SW-K8S-033", "SW-K8S-052", "SW-K8S-061", "SW-K8S-065", "SW-K8S-067", "SW-K8S-081",
        "SW-K8S-082", "SW-K8S-083", "SW-K8S-084", "SW-K8S-085", "SW-K8S-086", "SW-K8S-087", "SW-K8S-088",
        "SW-K8S-089", "SW-K8S-090", "SW-K8S-091", "SW-K8S-093", "SW-K8S-094",
    }
    all_ids = {m.id for m in REGISTRY.metas() if m.id.startswith("SW-K8S-")}
    assert all_ids <= covered, all_ids - covered
