"""The signatures analyzer in `seawall scan`: workloads whose images violate the policy."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from seawall.engine import scan
from seawall.policy.config import load_config
from seawall.sources.image.auth import Credentials, RegistryAuth
from seawall.sources.image.reference import parse_reference
from seawall.sources.image.registry import RegistryClient
from seawall.supplychain import attach, intoto, keys
from support.images import E, layer_tar, write_oci_layout
from support.registry import RunningRegistry

pytestmark = pytest.mark.slow

OURS = ("SW-SUP-001", "SW-SUP-002", "SW-SUP-003")
BUILDER = "https://github.com/org/builder/.github/workflows/build.yml@refs/heads/main"


def _push(c: RegistryClient, tmp: Path, name: str, repo: str, tag: str) -> str:
    layout = tmp / name
    write_oci_layout(layout, [layer_tar([E("app/id", name.encode())])])
    index = json.loads((layout / "index.json").read_text())
    raw = (layout / "blobs" / "sha256" / index["manifests"][0]["digest"][7:]).read_bytes()
    manifest = json.loads(raw)
    for d in [manifest["config"], *manifest["layers"]]:
        c.upload_blob(repo, layout / "blobs" / "sha256" / d["digest"][7:])
    return c.put_manifest(repo, tag, raw, manifest["mediaType"])


def test_scan_reports_unsigned_and_unproven_workload_images(
    registry_htpasswd: RunningRegistry,
    tmp_path: Path,
) -> None:
    reg = registry_htpasswd
    kp = keys.generate_key_pair(b"pw")
    priv = keys.load_private_key(kp.private_pem, b"pw")
    (tmp_path / "cosign.pub").write_bytes(kp.public_pem)
    auth = RegistryAuth(hosts={reg.host: Credentials(reg.username, reg.password)})
    with RegistryClient(reg.host, auth=auth, ca_file=reg.ca_file) as c:
        _push(c, tmp_path, "signed", "scan/signed", "1")
        attach.sign_classic(c, parse_reference(f"{reg.host}/scan/signed:1"), priv)
        unsigned = _push(c, tmp_path, "unsigned", "scan/unsigned", "1")
        _push(c, tmp_path, "prov", "trusted/app", "1")
        attach.sign_classic(c, parse_reference(f"{reg.host}/trusted/app:1"), priv)
        attach.attest_classic(
            c,
            parse_reference(f"{reg.host}/trusted/app:1"),
            priv,
            intoto.SLSA_V02,
            {
                "builder": {"id": "https://evil.example/builder"},
                "materials": [{"uri": "git+https://github.com/org/app"}],
            },
        )
    docker_cfg = tmp_path / "docker.json"
    token = base64.b64encode(f"{reg.username}:{reg.password}".encode()).decode()
    docker_cfg.write_text(json.dumps({"auths": {reg.host: {"auth": token}}}))
    (tmp_path / ".seawall.yaml").write_text(
        f"""
registries:
  ca_file: {reg.ca_file}
  docker_config: docker.json
signatures:
  policies:
    - match: ["{reg.host}/trusted/*"]
      keys: [cosign.pub]
      provenance:
        builder_id: ["https://github.com/org/builder/*"]
    - match: ["{reg.host}/scan/*"]
      keys: [cosign.pub]
"""
    )
    manifests = tmp_path / "deploy.yaml"
    manifests.write_text(
        f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: signed
          image: {reg.host}/scan/signed:1
        - name: unsigned
          image: {reg.host}/scan/unsigned:1
        - name: elsewhere
          image: 127.0.0.1:9/not/named:1
      initContainers:
        - name: prov
          image: {reg.host}/trusted/app:1
"""
    )
    cfg = load_config(tmp_path / ".seawall.yaml")
    report = scan([str(manifests)], cfg)
    sup = sorted((f for f in report.findings if f.rule_id in OURS), key=lambda f: f.location.line)
    assert [(f.rule_id, f.resource.container, f.location.line) for f in sup] == [
        ("SW-SUP-001", "unsigned", 13),
        ("SW-SUP-002", "prov", 18),
    ], [f.message for f in sup]
    assert f"no signatures found for {unsigned[:19]}…" in sup[0].message
    assert "provenance builder 'https://evil.example/builder' is not an allowed builder" in sup[1].message
    assert sup[0].location.pointer == "/spec/template/spec/containers/1/image"
    assert sup[0].category == "supply-chain" and sup[0].references.nist_risk == ("3.1.5", "3.2.3")
    assert not report.errors  # the image no policy names was never contacted (127.0.0.1:9 is closed)


def test_unreachable_registry_is_not_checked_finding(tmp_path: Path) -> None:
    kp = keys.generate_key_pair(b"pw")
    (tmp_path / "k.pub").write_bytes(kp.public_pem)
    (tmp_path / ".seawall.yaml").write_text(
        "registries: {insecure: ['127.0.0.1:9']}\n"
        "signatures:\n  policies:\n    - {match: ['127.0.0.1:9/*'], keys: [k.pub]}\n"
    )
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  containers:\n  - {name: c, image: '127.0.0.1:9/a/b:1'}\n"
    )
    report = scan([str(tmp_path / "pod.yaml")], load_config(tmp_path / ".seawall.yaml"))
    sup = [f for f in report.findings if f.rule_id in OURS]
    assert [f.rule_id for f in sup] == ["SW-SUP-003"]
    assert "could not be checked: cannot check signatures:" in sup[0].message
    assert "connection refused" in sup[0].message


def test_no_section_no_work_and_bad_section_is_a_scan_error(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  containers:\n  - {name: c, image: '127.0.0.1:9/a/b:1'}\n"
    )
    report = scan([str(tmp_path / "pod.yaml")], load_config(None, search_from=tmp_path))
    assert not [f for f in report.findings if f.rule_id in OURS]
    (tmp_path / ".seawall.yaml").write_text("signatures:\n  policies:\n    - {match: ['*'], keys: [missing.pub]}\n")
    report = scan([str(tmp_path / "pod.yaml")], load_config(tmp_path / ".seawall.yaml"))
    assert any("cannot read key missing.pub" in str(e) for e in report.errors)
