"""``seawall image`` and ``seawall sbom`` end to end, as a user runs them: real archives and OCI
layouts (synthetic ones for speed; the real Debian minbase and pip/npm images as slow tests)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.images import E, layer_tar, write_docker_archive, write_oci_layout


def seawall(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seawall", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


def _validators(shared: Path) -> tuple[Any, Any]:
    from jsonschema import Draft7Validator, FormatChecker
    from referencing import Registry, Resource

    d = shared / "schemas"
    cdx = [
        json.loads((d / "cyclonedx-1.6" / n).read_text())
        for n in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json")
    ]
    reg: Any = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in cdx])
    return (
        Draft7Validator(cdx[0], registry=reg, format_checker=FormatChecker()),
        Draft7Validator(json.loads((d / "spdx-2.3-schema.json").read_text()), format_checker=FormatChecker()),
    )


STATUS = (
    "Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2\nArchitecture: amd64\nSource: openssh\n"
)


def _app_layers() -> list[bytes]:
    base = [
        E("etc", type="dir"),
        E("etc/os-release", b'ID=debian\nVERSION_ID="12"\n'),
        E("var", type="dir"),
        E("var/lib", type="dir"),
        E("var/lib/dpkg", type="dir"),
        E("var/lib/dpkg/status", STATUS.encode()),
    ]
    app = [
        E("app", type="dir"),
        E("app/node_modules", type="dir"),
        E("app/node_modules/left-pad", type="dir"),
        E("app/node_modules/left-pad/package.json", b'{"name":"left-pad","version":"1.3.0","license":"WTFPL"}'),
    ]
    return [layer_tar(base), layer_tar(app)]


def test_image_command_json(tmp_path: Path, subset_db: Path) -> None:
    archive = tmp_path / "app.tar"
    write_docker_archive(
        archive,
        _app_layers(),
        repo_tags=["example.test/app:latest"],
        config_extra={"config": {"ExposedPorts": {"22/tcp": {}}}},
    )
    res = seawall("image", str(archive), "-f", "json", "--db", str(subset_db))
    assert res.returncode == 1, res.stderr  # high findings (sshd, port 22) fail at the default --fail-on high
    doc = json.loads(res.stdout)
    rules = {f["rule_id"] for f in doc["findings"]}
    assert {"SW-IMG-001", "SW-IMG-006", "SW-IMG-007", "SW-IMG-010", "SW-IMG-011"} <= rules
    sshd = next(f for f in doc["findings"] if f["rule_id"] == "SW-IMG-010")
    assert sshd["resource"]["image"] == "example.test/app:latest"
    assert sshd["location"]["path"] == "var/lib/dpkg/status" and sshd["resource"]["layer"].startswith("sha256:")
    assert seawall("image", str(archive), "--skip-rule", "SW-IMG-01*", "-q", "--db", str(subset_db)).returncode == 0


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx"])
def test_sbom_command_oci_layout(tmp_path: Path, shared_dir: Path, fmt: str) -> None:
    layout = tmp_path / "oci"
    write_oci_layout(layout, _app_layers(), ref_name="1.0")
    out = tmp_path / "sbom.json"
    res = seawall("sbom", f"oci:{layout}:1.0", "--format", fmt, "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "2 packages" in res.stderr
    doc = json.loads(out.read_text())
    cdx_v, spdx_v = _validators(shared_dir)
    assert [e.message for e in (cdx_v if fmt == "cyclonedx" else spdx_v).iter_errors(doc)] == []
    text = out.read_text()
    assert "pkg:deb/debian/openssh-server@1:9.2p1-2?arch=amd64&distro=debian-12" in text.replace("%3A", ":")
    assert "pkg:npm/left-pad@1.3.0" in text


def test_errors_are_one_line(tmp_path: Path) -> None:
    res = seawall("sbom", str(tmp_path / "missing.tar"))
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1 and "missing.tar" in res.stderr
    bad = tmp_path / "evil.tar"
    write_docker_archive(bad, [layer_tar([E("../../etc/passwd", b"x")])])
    res = seawall("image", str(bad))
    assert res.returncode == 3 and "Traceback" not in res.stderr
    assert "escapes" in res.stderr and len(res.stderr.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("mmdebstrap") is None or shutil.which("skopeo") is None, reason="needs Debian tools")
def test_sbom_of_real_debian_image(tmp_path: Path, shared_dir: Path) -> None:
    from support.images import debian_images

    imgs = debian_images()
    oracle = sorted(
        subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package} ${Version}\n", f"--admindir={imgs['rootfs']}/var/lib/dpkg"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    )
    cdx_v, spdx_v = _validators(shared_dir)
    for ref, fmt in ((str(imgs["docker"]), "cyclonedx"), (f"oci:{imgs['oci']}:bookworm", "spdx")):
        out = tmp_path / f"{fmt}.json"
        res = seawall("sbom", ref, "-f", fmt, "-o", str(out))
        assert res.returncode == 0, res.stderr
        doc = json.loads(out.read_text())
        validator = cdx_v if fmt == "cyclonedx" else spdx_v
        assert [e.message for e in validator.iter_errors(doc)] == []
        if fmt == "cyclonedx":
            debs = [c for c in doc["components"] if c.get("purl", "").startswith("pkg:deb/")]
            names = sorted(f"{c['name']} {c['version']}" for c in debs)
        else:
            debs = [p for p in doc["packages"] if "dpkg package" in p.get("sourceInfo", "")]
            names = sorted(f"{p['name']} {p['versionInfo']}" for p in debs)
        assert names == oracle


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("umoci") is None or shutil.which("npm") is None, reason="needs umoci and npm")
def test_sbom_of_python_npm_image(tmp_path: Path) -> None:
    from support.images import debian_images, python_npm_image

    built = python_npm_image(debian_images()["oci"], tmp_path / "app-oci")
    listed = json.loads(
        subprocess.run(
            [sys.executable, "-m", "pip", "list", "--format", "json", "--path", str(built["site"])],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    out = tmp_path / "bom.json"
    res = seawall("sbom", f"oci:{built['oci']}:app", "-o", str(out))
    assert res.returncode == 0, res.stderr
    comps = json.loads(out.read_text())["components"]
    pypi = sorted((c["name"], c["version"]) for c in comps if c.get("purl", "").startswith("pkg:pypi/"))
    assert pypi == sorted((d["name"], d["version"]) for d in listed)
    assert ("lodash", "4.17.15") in {(c["name"], c["version"]) for c in comps}


def test_scan_picks_up_image_archives(tmp_path: Path, subset_db: Path) -> None:
    """``seawall scan DIR`` analyses image archives found in DIR (via the image file handler)."""
    write_docker_archive(tmp_path / "app.tar", _app_layers(), repo_tags=["example.test/app:2.0"])
    res = seawall("scan", str(tmp_path), "-f", "json", "--db", str(subset_db))
    assert res.returncode in (0, 1), res.stderr
    findings = json.loads(res.stdout)["findings"]
    sshd = [f for f in findings if f["rule_id"] == "SW-IMG-010"]
    assert len(sshd) == 1 and sshd[0]["resource"]["image"] == "example.test/app:2.0"


@pytest.fixture
def plain_registry(tmp_path: Path) -> Any:
    """Debian's docker-registry on 127.0.0.1 (a free port, plain HTTP), stopped after the test."""
    import socket
    import time
    import urllib.request

    exe = shutil.which("docker-registry")
    if exe is None:
        pytest.skip("needs Debian's docker-registry (installed by .ci/run)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = tmp_path / "registry.yml"
    cfg.write_text(
        f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    proc = subprocess.Popen([exe, "serve", str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.skipif(shutil.which("skopeo") is None, reason="needs skopeo")
def test_image_from_registry(tmp_path: Path, plain_registry: str, subset_db: Path) -> None:
    layout = tmp_path / "oci"
    write_oci_layout(layout, _app_layers(), ref_name="1.0")
    subprocess.run(
        [
            "skopeo",
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            f"oci:{layout}:1.0",
            f"docker://{plain_registry}/team/app:1.0",
        ],
        check=True,
        capture_output=True,
    )
    ref = f"{plain_registry}/team/app:1.0"
    res = seawall("image", ref, "--insecure-registry", plain_registry, "-f", "json", "--db", str(subset_db))
    assert res.returncode == 1, res.stderr
    findings = json.loads(res.stdout)["findings"]
    assert {f["resource"]["image"] for f in findings} == {ref}
    assert "SW-IMG-006" not in {f["rule_id"] for f in findings}  # tagged 1.0, not latest
    out = tmp_path / "bom.json"
    res = seawall("sbom", ref, "--insecure-registry", plain_registry, "-o", str(out))
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text())
    assert doc["metadata"]["component"]["version"].startswith("sha256:")  # the manifest digest
    assert {c["name"] for c in doc["components"]} >= {"openssh-server", "left-pad"}
    # without --insecure-registry, TLS is required: a clear one-line error, no traceback
    res = seawall("sbom", ref)
    assert res.returncode in (2, 3) and "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_sbom_platform_selection(tmp_path: Path) -> None:
    from support.images import write_multiarch_layout

    def os_layer(version: str) -> list[bytes]:
        return [layer_tar([E("etc", type="dir"), E("etc/os-release", f"ID=alpine\nVERSION_ID={version}\n".encode())])]

    layout = tmp_path / "multi"
    write_multiarch_layout(
        layout, {("linux", "amd64", ""): os_layer("3.20.1"), ("linux", "arm64", "v8"): os_layer("3.19.2")}
    )
    for plat, version in (("linux/amd64", "3.20.1"), ("linux/arm64", "3.19.2")):
        res = seawall("sbom", f"oci:{layout}:latest", "--platform", plat)
        assert res.returncode == 0, res.stderr
        doc = json.loads(res.stdout)
        os_comp = next(c for c in doc["components"] if c["type"] == "operating-system")
        assert (os_comp["name"], os_comp["version"]) == ("alpine", version)
    res = seawall("sbom", f"oci:{layout}:latest", "--platform", "linux/s390x")
    assert res.returncode in (2, 3) and len(res.stderr.strip().splitlines()) == 1
    # a docker-save archive holds one platform: asking for another is an error, as for a layout
    # (it was ignored: an amd64 SBOM came out for --platform linux/arm64, exit 0)
    write_docker_archive(tmp_path / "a.tar", os_layer("3.20.1"))
    res = seawall("sbom", str(tmp_path / "a.tar"), "--platform", "linux/arm64")
    assert res.returncode == 3 and "image is for linux/amd64, not the requested linux/arm64" in res.stderr
    assert seawall("sbom", str(tmp_path / "a.tar"), "--platform", "linux/amd64").returncode == 0


def test_strings_that_are_not_utf8_in_image_json(tmp_path: Path) -> None:
    """A RepoTag or a package.json name holding a lone surrogate (a valid JSON "\\udcff" escape)
    stopped ``seawall sbom`` with 'internal error: UnicodeEncodeError' (purl encoding) and made
    the vulnerability analyzer of ``seawall scan`` fail (SQLite refuses such strings)."""
    layers = [
        layer_tar(
            [
                E("etc/os-release", b'ID=debian\nVERSION_ID="12"\n'),
                E("var/lib/dpkg/status", b"Package: ba\xffsh\nStatus: install ok installed\nVersion: 5.\xff2\n"),
                E("app/node_modules/x/package.json", b'{"name":"x\\udcff","version":"1.0\\ud800","license":"MIT"}'),
            ]
        )
    ]
    write_docker_archive(tmp_path / "a.tar", layers, repo_tags=["ex\udcffample:1"])
    for fmt in ("cyclonedx", "spdx"):
        r = seawall("sbom", "-f", fmt, str(tmp_path / "a.tar"))
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        purls = json.dumps(doc)
        assert "pkg:npm/x%5cudcff@1.0%5Cud800" in purls, purls[:2000]  # npm names are lower case
    r = seawall("scan", "-f", "json", str(tmp_path / "a.tar"))
    assert "error" not in r.stderr and r.returncode in (0, 1), r.stderr
    assert json.loads(r.stdout)["findings"]
