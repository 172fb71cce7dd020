"""Secrets inside Kubernetes objects: decoded Secret data, stringData, ConfigMaps, env values,
annotations and last-applied-configuration; findings point at the key's line and carry the
object identity, replacing the plain-text finding of the same line."""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

from seawall.engine import scan
from seawall.model.finding import Finding
from seawall.secrets.rules._validators import base62_encode

BODY = "Wm2KpL9xNc4YbJ7sFd6GeAHq3ZtR8v"
GHP = "ghp_" + BODY + base62_encode(binascii.crc32(BODY.encode()))
PASSWORD = "Xk9#mP2vLq77Tz"


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def secret_findings(tmp_path: Path, text: str, name: str = "m.yaml") -> list[Finding]:
    p = tmp_path / name
    p.write_text(text)
    report = scan([str(p)])
    assert not report.errors, report.errors
    return [f for f in report.findings if f.rule_id.startswith("SW-SEC-")]


def test_secret_data_and_string_data(tmp_path: Path) -> None:
    text = f"""apiVersion: v1
kind: Secret
metadata:
  name: app
  namespace: shop
data:
  username: {b64("app")}
  db-password: {b64(PASSWORD)}
  token: {b64(GHP)}
stringData:
  api-key: "{GHP}"
  empty: ""
"""
    fs = secret_findings(tmp_path, text)
    got = sorted((f.location.line, f.rule_id, f.location.pointer) for f in fs)
    assert got == [
        (8, "SW-SEC-160", "/data/db-password"),
        (9, "SW-SEC-050", "/data/token"),
        (11, "SW-SEC-050", "/stringData/api-key"),
    ]
    assert all(f.resource.kind == "Secret" and f.resource.name == "app" for f in fs)
    assert all(GHP not in f.message and PASSWORD not in f.message and GHP not in f.evidence for f in fs)


def test_opaque_secret_value_without_a_known_format(tmp_path: Path) -> None:
    text = f"""apiVersion: v1
kind: Secret
metadata: {{name: opaque}}
data:
  session-key: {b64("q7Lm4vBn8c")}
  ca.crt: {b64("not a secret")}
stringData:
  templated: "{{{{ .Values.x }}}}"
"""
    fs = secret_findings(tmp_path, text)
    assert [(f.rule_id, f.location.line) for f in fs] == [("SW-SEC-270", 5)]


def test_secret_lines_are_judged_on_the_decoded_value(tmp_path: Path) -> None:
    text = f"""apiVersion: v1
kind: Secret
metadata: {{name: weak}}
data:
  admin-password: {b64("admin")}
"""
    fs = secret_findings(tmp_path, text)
    # the base64 text would pass for a password; the decoded "admin" is not one, but it is a
    # literal value in a Secret manifest
    assert [(f.rule_id, f.location.line, f.resource.name) for f in fs] == [("SW-SEC-270", 5, "weak")]


def test_configmap_env_and_annotations(tmp_path: Path) -> None:
    applied = json.dumps(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "old"}, "data": {"token": b64(GHP)}}
    )
    text = f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  annotations:
    ci/deploy-key: "{GHP}"
data:
  settings.ini: |
    [db]
    password = {PASSWORD}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{applied}'
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
          env:
            - name: STRIPE_KEY
              value: sk_live_Zq81LmN2bV7cX4pK9sT3rW6y
            - name: DB_PASSWORD
              valueFrom: {{secretKeyRef: {{name: db, key: password}}}}
"""
    fs = secret_findings(tmp_path, text)
    got = sorted((f.location.line, f.rule_id, f.resource.kind, f.resource.container) for f in fs)
    assert (6, "SW-SEC-050", "ConfigMap", "") in got
    assert (10, "SW-SEC-160", "ConfigMap", "") in got  # the line inside the block, not the key's
    assert (17, "SW-SEC-050", "Deployment", "") in got  # inside last-applied-configuration
    assert (26, "SW-SEC-106", "Deployment", "api") in got
    # the text scan found the ConfigMap password on line 10 and the annotation on line 6; the
    # object findings replace them (same secret), keeping the precise line
    assert len([g for g in got if g[0] in (6, 10)]) == 2
    assert all(g[2] for g in got)  # every finding carries its object


def test_helm_values_and_plain_yaml(tmp_path: Path) -> None:
    text = f"""postgresql:
  auth:
    username: app
    password: "{PASSWORD}"
    existingSecret: ""
redis:
  password: ""
"""
    fs = secret_findings(tmp_path, text, "values.yaml")
    assert [(f.location.line, f.rule_id) for f in fs] == [(4, "SW-SEC-160")]
