"""SW-SUP-105: runtime/builder configuration in ConfigMaps that weakens registry TLS."""

from __future__ import annotations

from pathlib import Path

from seawall.engine import scan

CONFIGMAPS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: containerd-hosts, namespace: kube-system}
data:
  hosts.toml: |
    server = "https://registry.internal:5000"
    [host."https://registry.internal:5000"]
      capabilities = ["pull", "resolve"]
      skip_verify = true
  mirror.toml: |
    server = "http://mirror.internal"
  safe.toml: |
    server = "https://registry.example.com"
    [host."https://registry.example.com"]
      ca = "/etc/containerd/certs.d/registry.example.com/ca.crt"
      # skip_verify = true  (commented out)
---
apiVersion: v1
kind: ConfigMap
metadata: {name: docker-daemon}
data:
  daemon.json: |
    {"log-driver": "json-file", "insecure-registries": ["registry.internal:5000"]}
  daemon-ok.json: |
    {"insecure-registries": []}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: crio-registries}
data:
  registries.conf: |
    [[registry]]
    location = "registry.internal:5000"
    insecure = true
  buildkitd.toml: |
    [registry."registry.internal:5000"]
      http = true
"""


def test_runtime_configuration(tmp_path: Path) -> None:
    p = tmp_path / "cm.yaml"
    p.write_text(CONFIGMAPS)
    report = scan([str(p)])
    assert not report.errors
    found = sorted(
        (f.resource.name, f.location.pointer, f.location.line, f.message.split(":", 1)[1].split("(")[0].strip())
        for f in report.findings
        if f.rule_id == "SW-SUP-105"
    )
    assert found == [
        ("containerd-hosts", "/data/hosts.toml", 5, "TLS certificate verification is skipped"),
        ("containerd-hosts", "/data/mirror.toml", 10, "the registry endpoint is a plain-HTTP URL"),
        ("crio-registries", "/data/buildkitd.toml", 35, "the registry is reached over plain HTTP"),
        ("crio-registries", "/data/registries.conf", 31, "the registry is marked insecure"),
        ("docker-daemon", "/data/daemon.json", 22, "docker's insecure-registries is set"),
    ]
