"""Freshness, trusted registries and `seawall registry scan` against real docker-registry servers.

Images are pushed by the tests (several repositories, semver tag lines, a tag moved to a rebuilt
image, a signed tag, a layer with a secret); manifests referencing them are scanned with
`seawall scan` + a freshness config, and whole registries with `seawall registry scan`
(concurrency, resume, TLS + htpasswd, bearer tokens, plain HTTP).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
import string
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from seawall.cli.main import main
from seawall.registries.scan import enumerate_repositories
from seawall.sources.image.auth import Credentials, RegistryAuth
from seawall.sources.image.reference import parse_reference
from seawall.sources.image.registry import RegistryClient
from seawall.supplychain import attach, keys
from seawall.vulndb.importer import update
from support.images import E, layer_tar, write_multiarch_layout, write_oci_layout
from support.registry import RunningRegistry

pytestmark = pytest.mark.slow

OLD = "2024-01-02T03:04:05Z"
DEBIAN_10 = b'PRETTY_NAME="Debian GNU/Linux 10 (buster)"\nID=debian\nVERSION_ID="10"\n'
DPKG_STATUS = (
    b"Package: openssl\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\n"
    b"Version: 3.0.11-1~deb12u2\nDescription: Secure Sockets Layer toolkit\n\n"
)
DEBIAN_12 = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
DEBIAN_13 = b'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_ID="13"\n'


def push(c: RegistryClient, tmp: Path, repo: str, tag: str, files: dict[str, bytes], created: str) -> str:
    """Write a real OCI image (tar layer, config, manifest) and push it; return the digest."""
    layout = tmp / f"{repo.replace('/', '_')}-{tag}-{len(list(tmp.iterdir()))}"
    write_oci_layout(layout, [layer_tar([E(k, v) for k, v in files.items()])], config_extra={"created": created})
    index = json.loads((layout / "index.json").read_text())
    raw = (layout / "blobs" / "sha256" / index["manifests"][0]["digest"][7:]).read_bytes()
    manifest = json.loads(raw)
    for d in [manifest["config"], *manifest["layers"]]:
        c.upload_blob(repo, layout / "blobs" / "sha256" / d["digest"][7:])
    return c.put_manifest(repo, tag, raw, manifest["mediaType"])


def aws_secret() -> bytes:
    rng = random.SystemRandom()
    key_id = "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))
    secret = "".join(rng.choice(string.ascii_letters + string.digits + "/+") for _ in range(40))
    return f'aws_access_key_id = {key_id}\naws_secret_access_key = "{secret}"\n'.encode()


@dataclass
class Populated:
    reg: RunningRegistry
    dir: Path
    digests: dict[str, str]  # "repo:tag" -> digest (after the move); "old" -> the moved-away digest

    def client(self) -> RegistryClient:
        auth = RegistryAuth(hosts={self.reg.host: Credentials(self.reg.username, self.reg.password)})
        return RegistryClient(self.reg.host, auth=auth, ca_file=self.reg.ca_file)


@pytest.fixture(scope="module")
def populated(registry_htpasswd: RunningRegistry, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Populated]:
    reg = registry_htpasswd
    work = tmp_path_factory.mktemp("regscan")
    blobs = work / "layouts"
    blobs.mkdir()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    p = Populated(reg, work, {})
    kp = keys.generate_key_pair(b"pw")
    (work / "cosign.pub").write_bytes(kp.public_pem)
    with p.client() as c:
        d = p.digests
        d["old"] = push(c, blobs, "fresh/app", "1.25.3", {"etc/os-release": DEBIAN_10, "app/v": b"1.25.3"}, OLD)
        for tag in ("1.25.5", "1.26.0"):
            files = {"etc/os-release": DEBIAN_13, "app/v": tag.encode()}
            d[f"fresh/app:{tag}"] = push(c, blobs, "fresh/app", tag, files, now)
        d["fresh/app:latest"] = push(
            c, blobs, "fresh/app", "latest", {"etc/os-release": DEBIAN_13, "app/v": b"1.26.0"}, now
        )
        assert d["fresh/app:latest"] == d["fresh/app:1.26.0"]
        # the publisher rebuilds 1.25.3: the tag moves, deployments pinned to the old digest are stale
        d["fresh/app:1.25.3"] = push(
            c, blobs, "fresh/app", "1.25.3", {"etc/os-release": DEBIAN_13, "app/v": b"1.25.3 rebuilt"}, now
        )
        assert d["fresh/app:1.25.3"] != d["old"]
        files = {"etc/os-release": DEBIAN_12, "var/lib/dpkg/status": DPKG_STATUS, "srv/.aws/credentials": aws_secret()}
        d["fresh/db:2.0"] = push(c, blobs, "fresh/db", "2.0", files, now)
        d["other/x:1"] = push(c, blobs, "other/x", "1", {"x": b"x"}, now)
        priv = keys.load_private_key(kp.private_pem, b"pw")
        attach.sign_classic(c, parse_reference(f"{reg.host}/fresh/app:1.25.5"), priv)
    token = base64.b64encode(f"{reg.username}:{reg.password}".encode()).decode()
    (work / "docker.json").write_text(json.dumps({"auths": {reg.host: {"auth": token}}}))
    yield p


@pytest.fixture(scope="module")
def openssl_db(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real vulnerability database: the Debian openssl advisories of ../shared/data/osv."""
    src = tmp_path_factory.mktemp("osv")
    (src / "Debian").mkdir()
    with zipfile.ZipFile(shared_dir / "data/osv/Debian/all.zip") as zin, zipfile.ZipFile(
        src / "Debian" / "all.zip", "w"
    ) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if b'"openssl"' in data:
                zout.writestr(info.filename, data)
    db = src / "vulndb.sqlite3"
    update([str(src)], db)
    return db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _config(p: Populated, extra: str = "") -> Path:
    cfg = p.dir / "seawall.yaml"
    cfg.write_text(
        f"registries:\n  ca_file: {p.reg.ca_file}\n  docker_config: docker.json\n"
        f"  allowed: ['{p.reg.host}/fresh/*']\n" + extra
    )
    return cfg


def test_scan_reports_stale_workload_images_with_exact_digests(
    populated: Populated, capsys: pytest.CaptureFixture[str]
) -> None:
    p, h, d = populated, populated.reg.host, populated.digests
    cfg = _config(p, f"freshness:\n  enabled: true\n  max_age_days: 90\n  match: ['{h}/*']\n")
    manifest = p.dir / "deploy.yaml"
    manifest.write_text(
        f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  template:
    spec:
      containers:
      - name: app
        image: {h}/fresh/app:1.25.3@{d["old"]}
      - name: proxy
        image: docker.io/library/nginx:1.27
---
apiVersion: v1
kind: Pod
metadata: {{name: pinned, namespace: shop}}
spec:
  containers:
  - name: c
    image: {h}/fresh/app@{d["fresh/app:1.25.5"]}
  - name: running
    image: {h}/fresh/app:1.25.3
  - name: orphan
    image: {h}/fresh/app@{d["old"]}
status:
  containerStatuses:
  - name: running
    imageID: {h}/fresh/app@{d["old"]}
"""
    )
    code, out, err = run(capsys, "scan", str(manifest), "-c", str(cfg), "-f", "json", "--rule", "SW-FRESH-*",
                         "--rule", "SW-SUP-1*")
    assert code == 1, err
    found = [(f["rule_id"], f["resource"]["name"], f["resource"]["container"], f["location"]["line"], f)
             for f in json.loads(out)["findings"]]
    by = {(r, n, c): f for r, n, c, _, f in found}
    # the tag moved: deploy its current image, by digest
    moved = by[("SW-FRESH-001", "web", "app")]
    assert moved["location"]["line"] == 9
    assert f"image: {h}/fresh/app:1.25.3@{d['fresh/app:1.25.3']}" in moved["remediation"]
    assert d["old"] in moved["message"]
    # a Pod's running imageID counts as the deployed digest
    assert f"{h}/fresh/app:1.25.3@{d['fresh/app:1.25.3']}" in by[("SW-FRESH-001", "pinned", "running")]["remediation"]
    # newer releases of the line, each with the exact reference to deploy
    assert f"image: {h}/fresh/app:1.25.5@{d['fresh/app:1.25.5']}" in by[("SW-FRESH-002", "web", "app")]["remediation"]
    assert f"image: {h}/fresh/app:1.26.0@{d['fresh/app:1.26.0']}" in by[("SW-FRESH-003", "web", "app")]["remediation"]
    # the deployed (old) image is old and end-of-life; the running rebuilt one is not
    assert "was built" in by[("SW-FRESH-004", "web", "app")]["message"]
    assert "debian 10" in by[("SW-FRESH-005", "web", "app")]["message"].lower()
    # a digest-only reference: its tag (1.25.5) is found, the newer minor suggested, nothing else
    assert {r for r, n, c, _, _ in found if (n, c) == ("pinned", "c")} == {"SW-FRESH-003"}
    assert f"{h}/fresh/app:1.26.0@{d['fresh/app:1.26.0']}" in by[("SW-FRESH-003", "pinned", "c")]["remediation"]
    # a digest no tag points to any more (the tag moved away from it): an orphaned build
    orphan = by[("SW-FRESH-001", "pinned", "orphan")]
    assert "no tag of" in orphan["message"] and orphan["location"]["line"] == 23
    # nginx: not on the allow-list (file + line), and never looked up (freshness.match)
    allow = by[("SW-SUP-101", "web", "proxy")]
    assert allow["location"]["path"] == str(manifest) and allow["location"]["line"] == 11
    assert not [x for x in found if x[2] == "proxy" and x[0].startswith("SW-FRESH")]


def test_registry_scan_concurrency_signatures_and_resume(
    populated: Populated, capsys: pytest.CaptureFixture[str], openssl_db: Path
) -> None:
    p, h, d = populated, populated.reg.host, populated.digests
    cfg = _config(p, f"signatures:\n  policies:\n    - {{match: ['{h}/fresh/app'], keys: [cosign.pub]}}\n")
    state = p.dir / "state.jsonl"
    out_json = p.dir / "registry.json"
    argv = ["registry", "scan", f"{h}/fresh/*", "-c", str(cfg), "--concurrency", "3", "--resume", str(state),
            "--db", str(openssl_db), "--ca-file", str(p.reg.ca_file), "-f", "json", "-o", str(out_json)]
    code, _, err = run(capsys, *argv)
    assert code == 1, err  # SW-SUP-001 and secrets are high
    body = json.loads(out_json.read_text())
    detail = {(i["repository"], tuple(i["tags"])): i for i in body["summary"]["stats"]["images_detail"]}
    assert set(detail) == {
        ("fresh/app", ("1.25.3",)),
        ("fresh/app", ("1.25.5",)),
        ("fresh/app", ("1.26.0", "latest")),
        ("fresh/db", ("2.0",)),
    }  # other/x is outside the glob; the moved-away digest has no tag; the .sig tag is no image
    assert detail[("fresh/app", ("1.25.5",))]["signature"].startswith("verified: key cosign.pub")
    assert detail[("fresh/app", ("1.25.3",))]["signature"].startswith("failed: no signatures found")
    assert detail[("fresh/db", ("2.0",))]["signature"].startswith("not checked: no signatures policy")
    assert detail[("fresh/db", ("2.0",))]["packages"] == 1
    assert detail[("fresh/db", ("2.0",))]["vulnerabilities"].split()[0] not in ("0", "not")  # openssl 3.0.11 CVEs
    assert detail[("fresh/app", ("1.25.5",))]["vulnerabilities"] == "no packages found"
    assert all(not i["resumed"] and i["status"] == "ok" for i in detail.values())
    rules = [(f["rule_id"], f["resource"].get("image", "")) for f in body["findings"]]
    unsigned = {img for r, img in rules if r == "SW-SUP-001"}
    assert unsigned == {
        f"{h}/fresh/app:1.25.3@{d['fresh/app:1.25.3']}",
        f"{h}/fresh/app:1.26.0@{d['fresh/app:1.26.0']}",
    }
    assert [img for r, img in rules if r == "SW-FRESH-010"] == [f"{h}/fresh/app:1.25.3@{d['fresh/app:1.25.3']}"]
    secrets = [img for r, img in rules if r.startswith("SW-SEC")]
    assert secrets and set(secrets) == {f"{h}/fresh/db:2.0@{d['fresh/db:2.0']}"}
    vulns = {img for r, img in rules if r == "SW-VULN-001"}
    assert vulns == {f"{h}/fresh/db:2.0@{d['fresh/db:2.0']}"}
    assert "4 images" in err and "pulled" in err
    lines = state.read_text().splitlines()
    assert len(lines) == 4

    # rerun: every digest is skipped, the report is the same
    code2, _, err2 = run(capsys, *argv)
    body2 = json.loads(out_json.read_text())
    assert code2 == code and "4 from the resume file" in err2
    assert len(state.read_text().splitlines()) == 4
    assert sorted(f["fingerprint"] for f in body2["findings"]) == sorted(f["fingerprint"] for f in body["findings"])
    assert all(i["resumed"] for i in body2["summary"]["stats"]["images_detail"])

    # a new release: only its digest is scanned, and db:2.0 becomes stale (today's tag list)
    with p.client() as c:
        new = push(c, p.dir / "layouts", "fresh/db", "2.1", {"etc/os-release": DEBIAN_13}, "2026-01-01T00:00:00Z")
    run(capsys, *argv)
    body3 = json.loads(out_json.read_text())
    assert body3["summary"]["stats"]["resumed"] == 4 and body3["summary"]["stats"]["images"] == 5
    assert len(state.read_text().splitlines()) == 5 and new in state.read_text().splitlines()[-1]
    stale = [f["resource"]["image"] for f in body3["findings"] if f["rule_id"] == "SW-FRESH-010"]
    assert f"{h}/fresh/db:2.0@{d['fresh/db:2.0']}" in stale
    # a different policy: stored results no longer apply, every digest is scanned again
    run(capsys, *argv, "--skip-rule", "SW-IMG-007")
    body4 = json.loads(out_json.read_text())
    assert body4["summary"]["stats"]["resumed"] == 0 and len(state.read_text().splitlines()) == 10
    assert not [f for f in body4["findings"] if f["rule_id"] == "SW-IMG-007"]
    with p.client() as c:  # clean up for the other tests in this module
        c.request("DELETE", f"/v2/fresh/db/manifests/{new}", scope="repository:fresh/db:delete", ok=(202,)).read_all(
            1024
        )


def push_index(c: RegistryClient, layout: Path, repo: str, tag: str) -> tuple[str, list[str]]:
    """Push a multi-platform layout (index.json = the index); return (index digest, child digests)."""
    index_raw = (layout / "index.json").read_bytes()
    children = []
    for desc in json.loads(index_raw)["manifests"]:
        raw = (layout / "blobs" / "sha256" / desc["digest"][7:]).read_bytes()
        manifest = json.loads(raw)
        for d in [manifest["config"], *manifest["layers"]]:
            c.upload_blob(repo, layout / "blobs" / "sha256" / d["digest"][7:])
        children.append(c.put_manifest(repo, desc["digest"], raw, manifest["mediaType"]))
    return c.put_manifest(repo, tag, index_raw, "application/vnd.oci.image.index.v1+json"), children


def test_platform_manifest_of_the_current_index_is_not_stale(
    populated: Populated, capsys: pytest.CaptureFixture[str]
) -> None:
    p, h = populated, populated.reg.host
    plats = {("linux", "amd64", ""): [layer_tar([E("etc/os-release", DEBIAN_13)])],
             ("linux", "arm64", "v8"): [layer_tar([E("etc/os-release", DEBIAN_13), E("arm", b"1")])]}
    write_multiarch_layout(p.dir / "multi1", plats, nested=False)
    with p.client() as c:
        _, children = push_index(c, p.dir / "multi1", "multi/app", "1.0")
    cfg = _config(p, f"freshness:\n  enabled: true\n  eol: false\n  max_age_days: 100000\n  match: ['{h}/multi/*']\n")
    manifest = p.dir / "multi.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: m}\nspec:\n  containers:\n"
        f"  - name: c\n    image: {h}/multi/app:1.0@{children[0]}\n"
    )
    argv = ["scan", str(manifest), "-c", str(cfg), "-f", "json", "--rule", "SW-FRESH-*"]
    code, out, err = run(capsys, *argv)
    assert code == 0 and json.loads(out)["findings"] == [], err  # the child of the tag's index is current
    # the publisher pushes a new index under the tag: the deployed platform image is now stale
    plats[("linux", "amd64", "")] = [layer_tar([E("etc/os-release", DEBIAN_13), E("fix", b"2")])]
    write_multiarch_layout(p.dir / "multi2", plats, nested=False)
    with p.client() as c:
        new_index, _ = push_index(c, p.dir / "multi2", "multi/app", "1.0")
    code, out, _ = run(capsys, *argv)
    [f] = json.loads(out)["findings"]
    assert f["rule_id"] == "SW-FRESH-001" and f"{h}/multi/app:1.0@{new_index}" in f["remediation"]


def test_catalog_pagination(populated: Populated) -> None:
    with populated.client() as c:
        small = enumerate_repositories(c, "*", page_size=1)
        assert small == enumerate_repositories(c, "*") and {"fresh/app", "fresh/db", "other/x"} <= set(small)
        assert len(small) == len(set(small))
        assert enumerate_repositories(c, "fresh/*", page_size=2) == ["fresh/app", "fresh/db"]
        assert enumerate_repositories(c, "fresh/app") == ["fresh/app"]  # no wildcard: no catalog needed


def test_plain_http_registry_is_flagged(
    registry_plain: RunningRegistry,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    h = registry_plain.host
    with RegistryClient(h, insecure=True) as c:
        push(c, tmp_path, "plain/app", "1.0", {"etc/os-release": DEBIAN_12, "var/lib/dpkg/status": DPKG_STATUS}, OLD)
    code, _, err = run(capsys, "registry", "scan", h, "-q", "-f", "json")
    assert code == 3 and "TLS" in err  # without --insecure-registry nothing is fetched over HTTP
    out = tmp_path / "plain.json"
    state = tmp_path / "plain.jsonl"
    # only this test's repositories: the session registry also holds other tests' images
    argv = ["registry", "scan", f"{h}/plain/*", "--insecure-registry", h, "-f", "json", "-o", str(out),
            "--db", str(tmp_path / "none.db"), "--resume", str(state)]
    code, _, err = run(capsys, *argv)
    body = json.loads(out.read_text())
    plain = [f for f in body["findings"] if f["rule_id"] == "SW-SUP-104"]
    assert len(plain) == 1 and plain[0]["resource"]["name"] == h
    [image] = body["summary"]["stats"]["images_detail"]
    assert image["repository"] == "plain/app" and image["status"] == "incomplete"
    # no vulnerability database: "not checked" (SW-VULN-002) and an incomplete scan, never clean
    assert image["vulnerabilities"].startswith("not checked: ") and "no vulnerability database" in err
    assert code == 3 and any(f["rule_id"] == "SW-VULN-002" for f in body["findings"])
    # the image is not final: a resumed run scans it again (e.g. once the database exists)
    run(capsys, *argv)
    assert [json.loads(x)["status"] for x in state.read_text().splitlines()] == ["partial", "partial"]


def test_bearer_token_registry(
    registry_token: RunningRegistry,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reg = registry_token
    auth = RegistryAuth(hosts={reg.host: Credentials(reg.username, reg.password)})
    with RegistryClient(reg.host, auth=auth, ca_file=reg.ca_file) as c:
        digest = push(c, tmp_path, "tok/app", "3.1.4", {"etc/os-release": DEBIAN_13}, OLD)
        # a Helm chart shares the registry: an OCI artifact, skipped (not an error)
        cfg_blob, chart = b"{}", b"not really a chart"
        c.upload_blob("tok/chart", cfg_blob)
        c.upload_blob("tok/chart", chart)
        helm = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json",
                       "digest": "sha256:" + hashlib.sha256(cfg_blob).hexdigest(), "size": len(cfg_blob)},
            "layers": [{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
                        "digest": "sha256:" + hashlib.sha256(chart).hexdigest(), "size": len(chart)}],
        }
        c.put_manifest("tok/chart", "0.1.0", json.dumps(helm).encode(), helm["mediaType"])
    for var in ("SEAWALL_REGISTRY_USERNAME", "SEAWALL_REGISTRY_PASSWORD", "SEAWALL_REGISTRY_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "nodocker"))
    monkeypatch.setenv("SEAWALL_REGISTRY_PASSWORD", reg.password)
    out = tmp_path / "tok.json"
    code, _, err = run(capsys, "registry", "scan", reg.host, "--ca-file", str(reg.ca_file), "--username",
                       reg.username, "-f", "json", "-o", str(out), "--db", str(tmp_path / "none.db"))
    assert code in (0, 1), err
    body: dict[str, Any] = json.loads(out.read_text())
    detail = body["summary"]["stats"]["images_detail"]
    assert [(i["repository"], i["digest"], i["status"]) for i in detail if i["repository"] == "tok/app"] == [
        ("tok/app", digest, "ok")
    ]
    assert [i["status"] for i in detail if i["repository"] == "tok/chart"] == ["skipped"]
    assert "not a container image (config media type application/vnd.cncf.helm.config.v1+json)" in err
    assert any(f["rule_id"] == "SW-IMG-013" for f in body["findings"])  # old `created`: stale in the registry
    # the other report formats
    sarif = tmp_path / "tok.sarif"
    junit = tmp_path / "tok.xml"
    base = ["registry", "scan", reg.host, "--ca-file", str(reg.ca_file), "--username", reg.username, "-q",
            "--db", str(tmp_path / "none.db")]
    assert run(capsys, *base, "-f", "sarif", "-o", str(sarif))[0] in (0, 1)
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert any(r["ruleId"] == "SW-IMG-013" for r in results)
    assert run(capsys, *base, "-f", "junit", "-o", str(junit))[0] in (0, 1)
    assert ET.parse(junit).getroot().tag in ("testsuites", "testsuite") and "SW-IMG-013" in junit.read_text()
    assert reg.token_server is not None and any(
        "registry:catalog:*" in r["scopes"] for r in reg.token_server.requests
    )
