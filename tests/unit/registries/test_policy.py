"""The shared ``registries:`` section."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from seawall.errors import PolicyError
from seawall.registries.policy import parse_registries_section
from seawall.sources.image.reference import parse_reference


def test_parse_and_match(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("x")
    cfg = parse_registries_section(
        {"allowed": ["registry.example.com/*", "ghcr.io/org/*", "quay.io"], "insecure": "LOCALHOST:5000",
         "ca_file": "ca.pem"},
        tmp_path,
    )
    assert cfg.ca_file == tmp_path / "ca.pem"
    assert cfg.is_allowed(parse_reference("registry.example.com/team/app:1"))
    assert cfg.is_allowed(parse_reference("ghcr.io/org/tool@sha256:" + "a" * 64))
    assert cfg.is_allowed(parse_reference("quay.io/anything/here:2"))  # a bare host glob
    assert not cfg.is_allowed(parse_reference("ghcr.io/other/tool:1"))
    assert not cfg.is_allowed(parse_reference("nginx"))  # docker.io/library/nginx
    assert cfg.is_insecure(parse_reference("localhost:5000/x:1"))
    assert not cfg.is_insecure(parse_reference("registry.example.com/x:1"))
    assert parse_registries_section({}, tmp_path).is_allowed(parse_reference("nginx"))  # no list: all allowed


def test_docker_config_credentials_are_read_lazily(tmp_path: Path) -> None:
    token = base64.b64encode(b"user:pw").decode()
    (tmp_path / "docker.json").write_text(json.dumps({"auths": {"reg.example.com": {"auth": token}}}))
    cfg = parse_registries_section({"docker_config": "docker.json"}, tmp_path)
    creds = cfg.registry_auth().lookup("reg.example.com")
    assert creds is not None and creds.username == "user"
    (tmp_path / "docker.json").write_text("{not json")
    with pytest.raises(PolicyError) as exc:
        cfg.registry_auth()
    assert "docker_config" in str(exc.value) and "invalid JSON" in str(exc.value)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"allow": ["x"]}, "unknown key(s) allow"),
        ({"allowed": [1]}, "registries.allowed must be"),
        ({"insecure": {"a": 1}}, "registries.insecure must be"),
        ({"ca_file": 3}, "ca_file must be a path"),
        ({"ca_file": "missing.pem"}, "missing.pem not found"),
        ({"docker_config": ["x"]}, "docker_config must be a path"),
    ],
)
def test_invalid(section: dict[str, object], message: str, tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as exc:
        parse_registries_section(section, tmp_path, "my.yaml")
    assert message in str(exc.value) and "my.yaml" in str(exc.value)


def test_plain_entries_cover_subdomains_and_path_prefixes(tmp_path: Path) -> None:
    # the same semantics as SW-K8S-023's allowed_registries, so one list means one thing
    cfg = parse_registries_section({"allowed": ["amazonaws.com", "ghcr.io/org", "Quay.IO/team/"]}, tmp_path)
    assert cfg.is_allowed(parse_reference("1234.dkr.ecr.eu-west-1.amazonaws.com/app:1"))
    assert cfg.is_allowed(parse_reference("amazonaws.com/app:1"))
    assert not cfg.is_allowed(parse_reference("evilamazonaws.com/app:1"))
    assert cfg.is_allowed(parse_reference("ghcr.io/org/tool:1"))
    assert cfg.is_allowed(parse_reference("ghcr.io/org/a/b:1"))
    assert not cfg.is_allowed(parse_reference("ghcr.io/organisation/tool:1"))
    assert cfg.is_allowed(parse_reference("quay.io/team/x:1"))


def test_catch_all_environment_credentials_go_only_to_allowed_registries_in_a_scan(tmp_path: Path) -> None:
    """``seawall scan`` contacts the registries the scanned files name (freshness, signatures):
    untrusted input. SEAWALL_REGISTRY_USERNAME/PASSWORD without SEAWALL_REGISTRY_HOSTS used to be
    sent to any of them; in a scan they go only to the plain hosts of ``registries.allowed``, and
    to none without an allow-list. Host-bound credentials (docker config, SEAWALL_REGISTRY_HOSTS)
    are unchanged, as is ``registry_auth`` (``seawall registry scan HOST``: the user names the host)."""
    import dataclasses

    from seawall.sources.image.auth import RegistryAuth

    token = base64.b64encode(b"dock:pw").decode()
    (tmp_path / "home" / ".docker").mkdir(parents=True)
    (tmp_path / "home" / ".docker" / "config.json").write_text(json.dumps({"auths": {"own.example": {"auth": token}}}))
    env = {"SEAWALL_REGISTRY_USERNAME": "ci", "SEAWALL_REGISTRY_PASSWORD": "s3cret"}

    def cfg(section: dict[str, object], environ: dict[str, str]) -> object:
        parsed = parse_registries_section(section, tmp_path)
        creds = lambda: RegistryAuth.from_environment(environ, home=tmp_path / "home")  # noqa: E731
        return dataclasses.replace(parsed, credentials=creds)

    allowed = cfg({"allowed": ["reg.example.com/team/*", "*.gcr.io", "quay.io"]}, env)
    scan_auth = allowed.scanned_image_auth()  # type: ignore[attr-defined]
    assert scan_auth.lookup("reg.example.com").username == "ci"
    assert scan_auth.lookup("quay.io").username == "ci"
    assert scan_auth.lookup("evil.example.net") is None and scan_auth.lookup("x.gcr.io") is None
    assert scan_auth.lookup("own.example").username == "dock"  # host-bound: kept
    assert allowed.registry_auth().lookup("evil.example.net").username == "ci"  # a named host: unchanged

    open_list = cfg({}, env).scanned_image_auth()  # type: ignore[attr-defined]
    assert open_list.lookup("reg.example.com") is None and open_list.lookup("own.example").username == "dock"
    assert any("SEAWALL_REGISTRY_HOSTS" in n for n in open_list.notes)

    bound = cfg({}, {**env, "SEAWALL_REGISTRY_HOSTS": "evil.example.net"}).scanned_image_auth()  # type: ignore[attr-defined]
    assert bound.lookup("evil.example.net").username == "ci"  # the user named it
