"""Container-runtime and builder configuration that weakens registry TLS (``SW-SUP-105``).

Why: registry trust is configured on the nodes and in build daemons, and clusters often ship that
configuration themselves — a ConfigMap mounted by a DaemonSet that writes containerd's
``hosts.toml``, docker's ``daemon.json``, CRI-O/podman ``registries.conf`` or ``buildkitd.toml``.
One ``skip_verify = true`` there makes every node accept a forged certificate for that registry
(NIST SP 800-190 3.2.1 / 4.2.1), whatever the workloads reference.

Recognised, in ConfigMap ``data`` values (each value read line by line, bounded):

* containerd ``hosts.toml``: ``skip_verify = true``; ``server``/``host`` URLs with ``http://``;
  CRI plugin ``insecure_skip_verify = true``; mirror ``endpoint = ["http://..."]``;
* docker ``daemon.json``: a non-empty ``"insecure-registries"`` list;
* ``registries.conf`` (CRI-O, podman, buildah): ``insecure = true``;
* ``buildkitd.toml``: ``http = true`` or ``insecure = true`` under ``[registry."..."]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from seawall.inventory.k8s import K8sObject, as_dict, as_str
from seawall.rules.registry import Violation, rule

_MAX_VALUE = 1024 * 1024
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*(?:insecure_)?skip_verify\s*=\s*true\b", re.I), "TLS certificate verification is skipped"),
    (re.compile(r"^\s*insecure\s*=\s*true\b", re.I), "the registry is marked insecure (HTTP or unverified TLS)"),
    (re.compile(r"^\s*http\s*=\s*true\b", re.I), "the registry is reached over plain HTTP"),
    (re.compile(r"""^\s*(?:server|host|endpoint)\s*=\s*\[?\s*["']http://""", re.I),
     "the registry endpoint is a plain-HTTP URL"),
    (re.compile(r"""^\s*\[\s*host\s*\.\s*["']http://""", re.I), "the registry endpoint is a plain-HTTP URL"),
    (re.compile(r""""insecure-registries"\s*:\s*\[\s*"[^"\s]""", re.I), "docker's insecure-registries is set"),
)


def _esc(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _hits(value: str) -> Iterator[tuple[int, str, str]]:
    """(line number in the value, why, the line) for each weakening setting."""
    if len(value) > _MAX_VALUE:
        return
    for n, line in enumerate(value.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        for pat, why in _PATTERNS:
            if pat.search(line):
                yield n, why, line.strip()[:200]
                break


@rule(
    id="SW-SUP-105",
    title="Runtime or builder configuration disables registry TLS",
    severity="high",
    category="supply-chain",
    description="""A ConfigMap carries container-runtime or image-builder configuration (containerd
    `hosts.toml`, docker `daemon.json`, `registries.conf`, `buildkitd.toml`) that skips TLS
    certificate verification for a registry, marks it insecure, or points at a plain-HTTP
    endpoint. Nodes or builders using it accept images and credentials over unprotected
    connections.""",
    remediation="""
# containerd /etc/containerd/certs.d/<registry>/hosts.toml: trust the registry's CA instead
server = "https://registry.example.com"
[host."https://registry.example.com"]
  ca = "/etc/containerd/certs.d/registry.example.com/ca.crt"
  # removed: skip_verify = true
""",
    risk=["3.2.1"],
    countermeasure=["4.2.1"],
    target="object",
    kinds=("ConfigMap",),
    tags=["registry", "tls", "node"],
)
def runtime_tls_disabled(obj: K8sObject, ctx: Any) -> Iterable[Violation]:
    for key, raw in as_dict(obj.data.get("data")).items():
        k = str(key)
        for n, why, line in _hits(as_str(raw)):
            yield Violation(
                f"ConfigMap key {k!r} line {n}: {why} ({line!r})",
                f"{obj.pointer}/data/{_esc(k)}",
                evidence=line,
            )
