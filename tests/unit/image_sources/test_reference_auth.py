"""Image references and registry credentials (no network)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from seawall.errors import InputError
from seawall.sources.image import Platform, parse_reference
from seawall.sources.image.auth import RegistryAuth, normalise_host, parse_challenges


@pytest.mark.parametrize(
    ("text", "registry", "repo", "tag", "digest"),
    [
        ("nginx", "docker.io", "library/nginx", "latest", ""),
        ("nginx:1.25-alpine", "docker.io", "library/nginx", "1.25-alpine", ""),
        ("bitnami/redis:7", "docker.io", "bitnami/redis", "7", ""),
        ("index.docker.io/library/ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", ""),
        ("docker://ghcr.io/org/team/app:v1.2.3", "ghcr.io", "org/team/app", "v1.2.3", ""),
        ("localhost/app", "localhost", "app", "latest", ""),
        ("127.0.0.1:5000/app:dev", "127.0.0.1:5000", "app", "dev", ""),
        ("registry.example:443/a/b@sha256:" + "0" * 64, "registry.example:443", "a/b", "", "sha256:" + "0" * 64),
        ("quay.io/x/y:t@sha256:" + "1" * 64, "quay.io", "x/y", "t", "sha256:" + "1" * 64),
    ],
)
def test_parse_reference(text: str, registry: str, repo: str, tag: str, digest: str) -> None:
    r = parse_reference(text)
    assert (r.registry, r.repository, r.tag, r.digest) == (registry, repo, tag, digest)
    assert r.ref == (digest or tag)
    assert parse_reference(str(r)) == r  # round trip


def test_docker_hub_api_host_and_familiar_form() -> None:
    r = parse_reference("alpine:3")
    assert r.api_host == "registry-1.docker.io"
    assert r.familiar() == "alpine:3"
    assert parse_reference("ghcr.io/org/app:1").familiar() == "ghcr.io/org/app:1"
    assert parse_reference("nginx", default_tag="").tag == ""


@pytest.mark.parametrize(
    "bad",
    ["", "UPPER/case", "app:bad tag", "app@sha256:short", "a//b", "x:" + "t" * 200, "-leading/dash", "ex ample/app"],
)
def test_invalid_references(bad: str) -> None:
    with pytest.raises(InputError):
        parse_reference(bad)


def test_platform() -> None:
    assert str(Platform.parse("linux/arm64/v8")) == "linux/arm64/v8"
    assert Platform.parse("linux/arm64").matches(Platform("linux", "arm64", "v8"))
    assert Platform("linux", "arm64", "v8").matches(Platform("linux", "arm64", ""))
    assert not Platform.parse("linux/arm/v7").matches(Platform("linux", "arm", "v6"))
    assert Platform.host().os == "linux"
    with pytest.raises(InputError):
        Platform.parse("linux/")


def test_challenges() -> None:
    (c,) = parse_challenges(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'
    )
    assert c.scheme == "bearer" and c.realm == "https://auth.example/token"
    assert c.params["scope"] == "repository:a/b:pull,push"
    both = parse_challenges('Basic realm="r", Bearer realm="https://t",service="s"')
    assert [x.scheme for x in both] == ["basic", "bearer"] and both[1].params["service"] == "s"
    assert parse_challenges("") == []


def _write_config(tmp: Path, cfg: object) -> Path:
    (tmp / "config.json").write_text(json.dumps(cfg))
    return tmp


def test_docker_config(tmp_path: Path) -> None:
    b64 = base64.b64encode(b"alice:pa:ss").decode()
    cfg = {
        "auths": {
            "https://index.docker.io/v1/": {"auth": b64},
            "registry.example:5000": {"username": "bob", "password": "pw"},
            "ghcr.io": {"identitytoken": "refresh"},
            "broken.example": {"auth": ""},
        },
        "credsStore": "desktop",
        "credHelpers": {"123.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"},
    }
    auth = RegistryAuth.from_environment({"DOCKER_CONFIG": str(_write_config(tmp_path, cfg))})
    hub = auth.lookup("registry-1.docker.io")
    assert hub is not None and (hub.username, hub.password) == ("alice", "pa:ss")
    assert auth.lookup("registry.example:5000") is not None
    gh = auth.lookup("ghcr.io")
    assert gh is not None and gh.identity_token == "refresh"
    assert auth.lookup("other.example") is None
    assert any("docker-credential-ecr-login not executed" in n for n in auth.notes)
    assert any("credsStore docker-credential-desktop not executed" in n for n in auth.notes)


def test_docker_config_errors_and_missing(tmp_path: Path) -> None:
    assert RegistryAuth.from_environment({}, home=tmp_path).hosts == {}  # no ~/.docker/config.json
    (tmp_path / "config.json").write_text("{nope")
    with pytest.raises(InputError, match="invalid JSON"):
        RegistryAuth.from_environment({"DOCKER_CONFIG": str(tmp_path)})
    _write_config(tmp_path, {"auths": {"h": {"auth": base64.b64encode(b"no-colon").decode()}}})
    with pytest.raises(InputError, match="user:password"):
        RegistryAuth.from_environment({"DOCKER_CONFIG": str(tmp_path)})


def test_env_credentials_scoped_to_hosts(tmp_path: Path) -> None:
    env = {
        "SEAWALL_REGISTRY_USERNAME": "ci",
        "SEAWALL_REGISTRY_PASSWORD": "pw",
        "SEAWALL_REGISTRY_HOSTS": "https://registry.example:5000, ghcr.io",
    }
    auth = RegistryAuth.from_environment(env, home=tmp_path)
    creds = auth.lookup("registry.example:5000")
    assert creds is not None and creds.basic_header() == "Basic " + base64.b64encode(b"ci:pw").decode()
    assert auth.lookup("docker.io") is None
    assert normalise_host("http://Registry.Example:5000/v2/") == "registry.example:5000"
