"""Ingress: ingress-nginx snippet and annotation injection, and TLS.

Why: ingress-nginx renders some annotations verbatim into the controller's nginx.conf. A
`*-snippet` annotation is arbitrary nginx configuration, run by a controller whose service
account can read every Secret in the cluster (CVE-2021-25742); `alias`/Lua in a snippet reads
files or runs code in the controller. Other annotations that should be URLs or CNs were
injectable with `#`, `;` or newlines (CVE-2025-1097/1098, "IngressNightmare"). An Ingress with
no TLS serves its hosts in clear text.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Any

from seawall.inventory.k8s import K8sObject, as_dict, as_list, as_str
from seawall.rules.k8s.common import esc
from seawall.rules.registry import Violation, rule

_NGINX = "nginx.ingress.kubernetes.io/"
_SNIPPET_RE = re.compile(r"snippet", re.IGNORECASE)
_CODE_RE = re.compile(r"\blua_|_lua\b|_lua_|\bkubernetes\.io\b|(^|[\s;{])alias\s", re.MULTILINE)
_INJECTABLE = ("auth-url", "auth-tls-match-cn", "mirror-target", "mirror-host", "auth-signin",
               "permanent-redirect", "temporal-redirect")
_BAD_CHARS_RE = re.compile(r"[\n\r;#{}|'\"`\\]")


def _snippets(obj: K8sObject) -> Iterable[tuple[str, str]]:
    for key, value in obj.annotations.items():
        k = str(key)
        if _SNIPPET_RE.search(k) and ("nginx" in k or "ingress" in k):
            yield k, as_str(value)


@rule(
    id="SW-K8S-086",
    title="Ingress uses an ingress-nginx snippet annotation",
    severity="high",
    category="network",
    description="""The Ingress carries a `*-snippet` annotation (configuration-snippet,
    server-snippet, auth-snippet, stream-snippet...). It is copied verbatim into the nginx
    configuration of a controller that can read every Secret (CVE-2021-25742); controllers
    since v1.9 reject snippets unless allow-snippet-annotations is enabled.""",
    remediation="""
metadata:
  annotations: {}    # remove nginx.ingress.kubernetes.io/*-snippet; use dedicated annotations
# controller ConfigMap: allow-snippet-annotations: "false", annotations-risk-level: High
""",
    risk=["3.3.1", "3.4.3"],
    countermeasure=["4.3.1", "4.4.3"],
    target="object",
    kinds=("Ingress",),
    tools={"checkov": "CKV_K8S_153", "kubescape": "C-0059"},
)
def snippet_annotation(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    for key, _value in _snippets(obj):
        yield Violation(f"Ingress sets snippet annotation {key}", f"{obj.pointer}/metadata/annotations/{esc(key)}",
                        evidence=key)


@rule(
    id="SW-K8S-087",
    title="ingress-nginx snippet runs Lua or reads files",
    severity="critical",
    category="network",
    description="""A snippet annotation contains Lua directives or an `alias` (or refers to
    kubernetes.io service-account paths): it executes code or serves files from inside the
    ingress controller, e.g. its service-account token (CVE-2021-25742).""",
    remediation="""
metadata:
  annotations: {}    # delete the snippet; never allow Lua/alias in user-supplied snippets
""",
    risk=["3.3.1", "3.1.4"],
    countermeasure=["4.3.1", "4.1.4"],
    target="object",
    kinds=("Ingress",),
    tools={"checkov": ["CKV_K8S_152", "CKV_K8S_154"]},
)
def snippet_code(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    for key, value in _snippets(obj):
        m = _CODE_RE.search(value)
        if m:
            yield Violation(
                f"snippet annotation {key} contains {m.group(0).strip(' ;{')!r}",
                f"{obj.pointer}/metadata/annotations/{esc(key)}",
                evidence=m.group(0).strip(),
            )


@rule(
    id="SW-K8S-088",
    title="ingress-nginx annotation value can inject configuration",
    severity="critical",
    category="network",
    description="""An ingress-nginx annotation that should hold a URL or certificate CN
    (auth-url, auth-tls-match-cn, mirror-target, mirror-host, ...) contains characters that
    end an nginx directive (`;`, `#`, newline, braces, quotes, `|`): configuration injection
    into the controller (CVE-2025-1097, CVE-2025-1098).""",
    remediation="""
metadata:
  annotations:
    nginx.ingress.kubernetes.io/auth-url: "https://auth.example.com/verify"   # a plain URL
# and upgrade ingress-nginx to v1.11.5 / v1.12.1 or later
""",
    risk=["3.3.1", "3.4.1"],
    countermeasure=["4.3.1", "4.4.1"],
    target="object",
    kinds=("Ingress",),
    tools={"trivy": "KCV-0093"},
)
def annotation_injection(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    for name in _INJECTABLE:
        key = _NGINX + name
        if key not in obj.annotations:
            continue
        value = as_str(obj.annotations.get(key))
        m = _BAD_CHARS_RE.search(value)
        if m:
            yield Violation(
                f"annotation {key} contains {m.group(0)!r}",
                f"{obj.pointer}/metadata/annotations/{esc(key)}",
                evidence=repr(m.group(0)),
            )


def _covered(host: str, tls_hosts: list[str]) -> bool:
    return any(host == h or (h.startswith("*.") and fnmatch.fnmatchcase(host, h) and host.count(".") == h.count("."))
               for h in tls_hosts)


@rule(
    id="SW-K8S-089",
    title="Ingress without TLS",
    severity="medium",
    category="network",
    description="""The Ingress has no `spec.tls`, or serves hosts that no TLS entry covers, so
    traffic (credentials, session cookies) crosses the network in clear text.""",
    remediation="""
spec:
  tls:
  - hosts: [app.example.com]
    secretName: app-example-com-tls    # e.g. issued by cert-manager
""",
    risk=["3.3.3"],
    countermeasure=["4.3.3"],
    target="object",
    kinds=("Ingress",),
    tools={"kubescape": "C-0263", "polaris": "tlsSettingsMissing"},
)
def ingress_tls(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    spec = obj.spec
    tls = [as_dict(t) for t in as_list(spec.get("tls"))]
    if not tls:
        ptr = f"{obj.pointer}/spec" if isinstance(obj.data.get("spec"), dict) else obj.pointer
        yield Violation("Ingress has no TLS configuration", ptr)
        return
    tls_hosts = [as_str(h).lower() for t in tls for h in as_list(t.get("hosts")) if as_str(h)]
    if not tls_hosts:
        return  # a TLS entry without hosts applies the (default) certificate to every host
    for i, r in enumerate(as_list(spec.get("rules"))):
        host = as_str(as_dict(r).get("host")).lower()
        if host and not _covered(host, tls_hosts):
            yield Violation(f"Ingress host {host!r} is not covered by spec.tls", f"{obj.pointer}/spec/rules/{i}/host",
                            evidence=host)


@rule(
    id="SW-K8S-090",
    title="Ingress rule without a host or with a wildcard host",
    severity="low",
    category="network",
    description="""An Ingress rule has no host (it answers for every hostname that reaches the
    controller) or a wildcard host (`*.example.com`). Either can capture traffic meant for other
    applications behind the same controller and widens what is exposed.""",
    remediation="""
spec:
  rules:
  - host: app.example.com      # an explicit hostname per rule
""",
    risk=["3.3.3", "3.4.2"],
    countermeasure=["4.3.3"],
    target="object",
    kinds=("Ingress",),
)
def ingress_host(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    for i, r in enumerate(as_list(obj.spec.get("rules"))):
        if not isinstance(r, dict):
            continue
        host = as_str(r.get("host"))
        if not host:
            yield Violation(f"Ingress rule {i} has no host (matches every hostname)", f"{obj.pointer}/spec/rules/{i}")
        elif "*" in host:
            yield Violation(f"Ingress rule {i} uses wildcard host {host!r}", f"{obj.pointer}/spec/rules/{i}/host",
                            evidence=host)
