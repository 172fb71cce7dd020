"""Hostile manifests: nulls and wrong types anywhere must never make a hardening rule raise.

Two layers: hand-written nasty documents through the real engine (a rule that raises becomes a
scan error, which these tests forbid), and a systematic mutation of every field of realistic
objects, calling every SW-K8S check function directly.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from seawall import plugins
from seawall.engine import Inventory, RuleContext, scan
from seawall.inventory.k8s import K8sObject
from seawall.policy.config import Config
from seawall.rules.registry import REGISTRY
from seawall.rules.workload.hardening_serviceaccount import automount_violation

plugins.load()

NASTY = """\
apiVersion: v1
kind: Pod
metadata: null
spec:
  securityContext: null
  containers:
  - null
  - 7
  - "text"
  - name: null
    image: 12
    securityContext: [1, 2]
    env: {a: b}
    envFrom: [null, {secretRef: null}, {secretRef: "x"}]
    ports: "80"
    resources: [cpu]
    volumeMounts: [null, {name: null, readOnly: "yes"}]
    livenessProbe: []
  - name: b
    image: ""
    securityContext: {capabilities: {add: "SYS_ADMIN", drop: null}, runAsUser: "0", runAsGroup: true}
    env: [null, 3, {name: 5, value: null}, {name: PASSWORD, value: [1]}, {name: TOKEN, valueFrom: "x"}]
    ports: [null, {containerPort: "22"}, {containerPort: null}]
    resources: {limits: null, requests: {cpu: {}, memory: []}}
  volumes: [null, {name: a, hostPath: null}, {name: b, hostPath: {path: 5}}, {name: c, secret: {defaultMode: "0777"}},
            {name: d, projected: {sources: [null, {secret: null}, {secret: {items: [null, {mode: "x"}]}}]}}]
  hostAliases: "x"
  automountServiceAccountToken: "false"
  serviceAccountName: [default]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: [x], labels: null, annotations: "x"}
spec:
  selector: {matchLabels: null, matchExpressions: [null, {key: 1, operator: In, values: null}]}
  template: {metadata: null, spec: null}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: e}
spec: null
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec: {jobTemplate: {spec: {ttlSecondsAfterFinished: null,
                            template: {spec: {securityContext: null, containers: null}}}}}
---
apiVersion: v1
kind: Service
metadata: {name: s, annotations: null}
spec: {type: [LoadBalancer], ports: [null, {port: "x"}], externalIPs: "1.2.3.4", selector: [1]}
---
apiVersion: v1
kind: Service
metadata: {name: s2}
spec: null
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i, annotations: {nginx.ingress.kubernetes.io/server-snippet: null,
                                  nginx.ingress.kubernetes.io/auth-url: 5}}
spec: {tls: [null, {hosts: null}, {hosts: [null, 5]}], rules: [null, {host: 7}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: n, labels: {pod-security.kubernetes.io/enforce: null}}
---
apiVersion: v1
kind: Namespace
metadata: null
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {password: null, key: [1], 5: x, other: {a: b}}
binaryData: null
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default}
automountServiceAccountToken: "no"
"""


def test_nasty_documents_do_not_break_rules(tmp_path: Path) -> None:
    path = tmp_path / "nasty.yaml"
    path.write_text(NASTY)
    report = scan([str(path)], Config())
    rule_errors = [e for e in report.errors if "SW-K8S" in str(e) or "hardening" in str(e)]
    assert rule_errors == []


# -- systematic mutation ------------------------------------------------------------------------

BASE_OBJECTS: list[dict[str, Any]] = [
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "app", "operator": "In",
                                                                              "values": ["web"]}]},
            "template": {
                "metadata": {"labels": {"app": "web"}, "annotations": {"a": "b"}},
                "spec": {
                    "serviceAccountName": "web",
                    "hostAliases": [{"ip": "1.2.3.4", "hostnames": ["x"]}],
                    "securityContext": {"runAsUser": 1, "runAsGroup": 0, "fsGroup": 0, "supplementalGroups": [0],
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "app",
                        "image": "tiller:1",
                        "args": ["--listen=0.0.0.0:1", "--git=/x"],
                        "env": [{"name": "PASSWORD", "value": "abcdefgh"},
                                {"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                        "envFrom": [{"secretRef": {"name": "s"}}],
                        "ports": [{"containerPort": 22, "protocol": "TCP"}],
                        "securityContext": {"capabilities": {"add": ["SYS_ADMIN"], "drop": ["NET_RAW"]},
                                            "readOnlyRootFilesystem": False, "runAsGroup": 0},
                        "resources": {"limits": {"cpu": "1"}, "requests": {"memory": "1Mi"}},
                        "volumeMounts": [{"name": "h", "mountPath": "/h"}],
                        "livenessProbe": {"exec": {"command": ["true"]}},
                    }],
                    "volumes": [{"name": "h", "hostPath": {"path": "/etc"}},
                                {"name": "s", "secret": {"defaultMode": 511, "items": [{"mode": 511}]}},
                                {"name": "p", "projected": {"defaultMode": 511,
                                                            "sources": [{"secret": {"items": [{"mode": 511}]}}]}}],
                },
            },
        },
    },
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "labels": {"app": "helm", "name": "tiller"},
                                                         "annotations": {"cloud.google.com/load-balancer-type": "x"}},
     "spec": {"type": "LoadBalancer", "externalIPs": ["1.2.3.4"], "loadBalancerSourceRanges": ["0.0.0.0/0"],
              "ports": [{"port": 44134, "nodePort": 30000}], "selector": {"app": "helm"}}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
     "metadata": {"name": "i", "annotations": {"nginx.ingress.kubernetes.io/server-snippet": "alias /x;",
                                                "nginx.ingress.kubernetes.io/auth-url": "http://a;b"}},
     "spec": {"tls": [{"hosts": ["*.a.com"]}], "rules": [{"host": "b.c.com"}]}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "labels": {"x": "y"}}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
     "data": {"password": "abcdefgh", "cfg": "TOKEN=abcdefgh\n-----BEGIN PRIVATE KEY-----"}},
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}},
    {"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {"name": "old"}},
]

GARBAGE: list[Any] = [None, "x", "", 0, -1, 1.5, True, [], {}, [None], [1, "a"], {"k": None}, {"k": [None]}]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def _replace(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    cur: Any = out
    for seg in path[:-1]:
        cur = cur[seg]
    cur[path[-1]] = copy.deepcopy(value)
    return out


def _mutants() -> Iterator[dict[str, Any]]:
    for base in BASE_OBJECTS:
        yield base
        for path in _paths(base):
            if path[0] in ("apiVersion", "kind"):
                continue  # the source layer only yields objects with string apiVersion/kind
            for g in GARBAGE:
                yield _replace(base, path, g)


def _obj(data: dict[str, Any]) -> K8sObject:
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    assert isinstance(meta, dict)
    name = meta.get("name") if isinstance(meta.get("name"), str) else "<unnamed>"
    ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) else ""
    return K8sObject(data["apiVersion"], data["kind"], str(name), str(ns), data, "mem.yaml", 0, 1)


def test_every_mutation_of_every_field_is_survived() -> None:
    rules = [r for r in REGISTRY if r.meta.id.startswith("SW-K8S-") and r.meta.target in ("pod", "object")]
    ctx = RuleContext(Config(), Inventory())
    n = 0
    for data in _mutants():
        obj = _obj(data)
        view = obj.pod_view()
        for r in rules:
            if r.meta.target == "pod":
                if view is not None:
                    list(r.check(view, ctx))
            elif not r.meta.kinds or obj.kind in r.meta.kinds:
                list(r.check(obj, ctx))
        if view is not None:
            automount_violation(view, {("shop", "web"): data.get("automountServiceAccountToken")})
        n += 1
    assert n > 1000  # the mutation set really is large


@pytest.mark.parametrize("garbage", ["securityContext: null", "containers: null", "spec: null", "metadata: 5"])
def test_engine_survives_each_null_alone(garbage: str, tmp_path: Path) -> None:
    key, _, value = garbage.partition(": ")
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                           "spec": {"securityContext": {}, "containers": [{"name": "a", "image": "b"}]}}
    if key in doc:
        doc[key] = yaml.safe_load(value)
    else:
        doc["spec"][key] = yaml.safe_load(value)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(doc))
    report = scan([str(path)], Config())
    assert [e for e in report.errors if "SW-K8S" in str(e) or "hardening" in str(e)] == []


@pytest.mark.slow
def test_whole_corpus_scans_without_rule_errors(corpus: Path) -> None:
    """Every one of the corpus' documents (real fixtures, including the deliberately malformed
    ones) goes through every hardening rule without an exception."""
    report = scan([str(corpus)], Config(enable=("SW-K8S-*",)))
    assert report.stats["workloads"] > 5000
    assert [str(e) for e in report.errors if "SW-K8S" in str(e) or "hardening" in str(e)] == []
    assert {f.rule_id for f in report.findings} >= {"SW-K8S-001", "SW-K8S-041", "SW-K8S-050", "SW-K8S-086"}
