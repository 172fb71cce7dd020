"""Secrets in Kubernetes objects: Secret ``data`` (base64-decoded) and ``stringData``,
ConfigMap ``data``, plain ``env`` values of every container, annotations, and the copy of the
whole object that ``kubectl apply`` keeps in ``kubectl.kubernetes.io/last-applied-configuration``
(a Secret deleted from ``data`` may still sit there).

A value is scanned as the line ``key: value`` so that the key name gives generic rules their
context. Findings point at the line of the key (``/data/password``), and replace the plain-text
findings the file scan made on the same line (same secret, now with its object identity).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from seawall.engine import ScanRun
from seawall.inventory.k8s import K8sObject, PodSpecView, as_dict, as_list, as_str
from seawall.model.finding import Finding
from seawall.rules.registry import declare
from seawall.secrets.engine import PLACEHOLDER, SecretHit, SecretScanner
from seawall.secrets.handler import FILE_HITS_KEY, get_scanner, hit_finding
from seawall.secrets.rules._spec import COUNTERMEASURE, RISK
from seawall.sources.pointer import join_pointer

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
SECRET_DATA_RULE = "SW-SEC-270"
declare(
    id=SECRET_DATA_RULE,
    title="Kubernetes Secret manifest carries credential data",
    severity="medium",
    category="secret",
    description=(
        "A Secret manifest with literal data/stringData values: base64 is an encoding, not "
        "encryption, so anyone who can read the manifest (repository, CI logs, Helm release) "
        "reads the credential."
    ),
    remediation=(
        "Keep Secret values out of manifests: create them out of band (kubectl create secret ... "
        "--from-file), or commit only encrypted forms (SealedSecret, SOPS) or an ExternalSecret "
        "that references a vault:\n"
        "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nspec:\n  data:\n"
        "    - secretKey: password\n      remoteRef: {key: prod/db, property: password}"
    ),
    risk=RISK,
    countermeasure=COUNTERMEASURE,
    target="secret",
    tools={"gitleaks": "kubernetes-secret-yaml"},
    cwe=("CWE-312",),
    tags=("secret", "kubernetes-secret"),
)
#: Secret keys whose values are identifiers, not credentials.
NON_SECRET_KEYS = frozenset(
    [
        "username",
        "user",
        "login",
        "email",
        "host",
        "hostname",
        "port",
        "url",
        "endpoint",
        "server",
        "database",
        "db",
        "dbname",
        "name",
        "namespace",
        "region",
        "ca.crt",
        "tls.crt",
        "ca-cert",
        "cert",
        "certificate",
        "client.crt",
        "service-ca.crt",
        "config.yaml",
        "type",
        "scheme",
        "protocol",
        "path",
        "bucket",
        "account",
        "account-id",
        "project",
        "project-id",
        "cluster",
        "realm",
        "domain",
    ]
)


#: ... and key endings that name an identifier (``db-username``, ``apiAddress``, ``accountname``).
NON_SECRET_SUFFIXES = (
    ".crt",
    ".pem.pub",
    ".pub",
    "-cert",
    "_cert",
    "username",
    "user",
    "user_in",
    "username_in",
    "name",
    "login",
    "email",
    "address",
    "host",
    "hostname",
    "url",
    "uri",
    "endpoint",
    "port",
    "region",
    "namespace",
    "server",
    "database",
    "dbname",
    "bucket",
    "project",
    "realm",
    "domain",
    "scheme",
    "protocol",
)


@dataclass(frozen=True, slots=True)
class ObjectHit:
    hit: SecretHit | None  # None: the generic "Secret carries data" finding
    pointer: str  # relative to the object
    container: str = ""
    where: str = ""
    span: int = 1  # lines the raw value covers in the file (0: decoded, the file never shows it)


def _decode_b64(value: str) -> str | None:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    if b"\x00" in raw[:4096]:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _ptr(base: str, *parts: str) -> str:
    return join_pointer(*([base] if base else []), *parts)


def _as_line(key: str, value: str) -> str:
    return value if "\n" in value.strip() else f"{key}: {value}"


def _scan_value(sc: SecretScanner, path: str, key: str, value: str) -> list[SecretHit]:
    return sc.scan_text(_as_line(key, value), f"{path}/{key}", code=False)


def scan_object(
    sc: SecretScanner,
    obj: K8sObject,
    data: dict[str, Any] | None = None,
    base: str = "",
    depth: int = 0,
    view: PodSpecView | None = None,
) -> Iterator[ObjectHit]:
    """Every secret in one object (``data`` overrides ``obj.data`` for last-applied copies;
    ``view`` is ``obj.pod_view()`` when the caller already has it)."""
    doc = obj.data if data is None else data
    kind = as_str(doc.get("kind"))
    path = obj.path
    if kind == "Secret":
        for field in ("data", "stringData"):
            for key, raw in as_dict(doc.get(field)).items():
                value = as_str(raw)
                if not value:
                    continue
                text = _decode_b64(value) if field == "data" else value
                if text is None:
                    continue
                ptr = _ptr(base, field, str(key))
                hits = _scan_value(sc, path, str(key), text)
                span = 0 if field == "data" else value.count("\n") + 1
                for h in hits:
                    yield ObjectHit(h, ptr, where=f"{field}.{key}", span=span)
                if not hits and _credential_like(str(key), text):
                    yield ObjectHit(None, ptr, where=f"{field}.{key}")
    elif kind == "ConfigMap":
        for key, raw in as_dict(doc.get("data")).items():
            value = as_str(raw)
            if value:
                for h in _scan_value(sc, path, str(key), value):
                    yield ObjectHit(h, _ptr(base, "data", str(key)), where=f"data.{key}", span=value.count("\n") + 1)
    if data is None:
        if view is None:
            view = obj.pod_view()
        if view is not None:
            for c in view.containers():
                for i, env in enumerate(as_list(c.data.get("env"))):
                    e = as_dict(env)
                    name, value = as_str(e.get("name")), as_str(e.get("value"))
                    if not name or not value:
                        continue
                    ptr = c.ptr("env", i, "value")
                    rel = ptr[len(obj.pointer) :] if obj.pointer and ptr.startswith(obj.pointer) else ptr
                    for h in sc.scan_text(f"{name}={value}", f"{path}/env/{name}", code=False):
                        yield ObjectHit(h, rel, c.name, where=f"env {name}")
    annotations = as_dict(as_dict(doc.get("metadata")).get("annotations"))
    for key, raw in annotations.items():
        value = as_str(raw)
        if not value:
            continue
        ptr = _ptr(base, "metadata", "annotations", str(key))
        if key == LAST_APPLIED and depth == 0:
            try:
                inner = json.loads(value)
            except ValueError:
                inner = None
            if isinstance(inner, dict):
                for oh in scan_object(sc, obj, inner, ptr, depth + 1):
                    yield ObjectHit(oh.hit, ptr, oh.container, where=f"last-applied-configuration {oh.where}", span=0)
                continue
        for h in _scan_value(sc, path, str(key), value):
            yield ObjectHit(h, ptr, where=f"annotation {key}", span=value.count("\n") + 1)


def _credential_like(key: str, value: str) -> bool:
    k = key.lower()
    if k in NON_SECRET_KEYS or k.endswith(NON_SECRET_SUFFIXES):
        return False
    v = value.strip()
    if len(v) < 4 or PLACEHOLDER.search(v) or v.startswith(("{{", "${", "$(")):
        return False
    return "BEGIN CERTIFICATE" not in v


def _text_key(f: Finding) -> tuple[Any, ...]:
    """What tells one plain-text secret finding from another (rule, file, line, column, secret)."""
    column = next((v for k, v in f.extra if k == "column"), None)
    return (f.rule_id, f.location.path, f.location.line, f.resource, f.evidence, column)


def findings_for_objects(run: ScanRun) -> list[Finding]:
    """The object-level findings. They supersede the plain-text findings of the same secret: a
    text finding with the same rule and secret digest lends its (more precise) line, e.g. inside
    a multi-line ConfigMap value, and is dropped; text findings on the lines of Secret
    ``data``/``stringData`` keys are dropped too (the decoded value was judged instead)."""
    sc = get_scanner(run)
    store = run.inventory.extra.get(FILE_HITS_KEY)
    texts: dict[str, list[Finding]] = store if isinstance(store, dict) else {}
    by_digest: dict[tuple[str, str, str], list[Finding]] = {}
    for path, fs in texts.items():
        for t in fs:
            by_digest.setdefault((path, t.rule_id, str(dict(t.extra).get("secret_sha256", ""))), []).append(t)
    out: list[Finding] = []
    drop: set[int] = set()
    owned_lines: set[tuple[str, int]] = set()
    # the engine built each workload's pod view while reading (pod_view() is pure): reuse them
    views = {id(v.owner): v for v in run.inventory.workloads}
    for obj in run.inventory.objects:
        if obj.kind == "Secret" and obj.path in texts:
            for field in ("data", "stringData"):
                for key in as_dict(obj.data.get(field)):
                    owned_lines.add((obj.path, run.line_for(obj, obj.pointer + _ptr("", field, str(key)))))
        for oh in scan_object(sc, obj, view=views.get(id(obj))):
            if oh.hit is not None:
                f = run.object_finding(oh.hit.rule.id, obj, "", oh.pointer, container=oh.container)
                if f is None:
                    continue
                # the key's line now (the run would fill it in later): twins are matched against it
                key_line = run.line_for(obj, obj.pointer + oh.pointer)
                f = hit_finding(oh.hit, f.resource, dataclasses.replace(f.location, line=key_line), oh.where)
                twins = by_digest.get((obj.path, oh.hit.rule.id, oh.hit.redacted.digest), [])
                # the same secret, as the file scan saw it, at or just below the key's line
                near = [t for t in twins if id(t) not in drop and 0 <= t.location.line - f.location.line <= oh.span]
                twin = min(near, key=lambda t: t.location.line) if near else None
                if twin is not None:
                    drop.add(id(twin))
                    f = dataclasses.replace(f, location=dataclasses.replace(f.location, line=twin.location.line))
            else:
                f = run.object_finding(
                    SECRET_DATA_RULE, obj, f"Secret {obj.ref()} carries a literal value in {oh.where}", oh.pointer
                )
                if f is None:
                    continue
                f = dataclasses.replace(
                    f, location=dataclasses.replace(f.location, line=run.line_for(obj, obj.pointer + oh.pointer))
                )
            owned_lines.add((f.location.path, f.location.line))
            out.append(f)
    for fs in texts.values():
        for t in fs:
            if (t.location.path, t.location.line) in owned_lines:
                drop.add(id(t))
    if drop:
        # by value, not identity: a forked scan (seawall.forkscan) sends the store and the report's
        # findings back as separate copies
        keys = {_text_key(t) for fs in texts.values() for t in fs if id(t) in drop}
        paths = {k[1] for k in keys}  # a cheap test first: most findings are in other files
        run.report.findings[:] = [
            f for f in run.report.findings if f.location.path not in paths or _text_key(f) not in keys
        ]
    return out
