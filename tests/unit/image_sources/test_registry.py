"""The registry client against a real docker-registry: TLS, htpasswd, bearer tokens, plain HTTP."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import pytest

from seawall.errors import RegistryError, SourceError
from seawall.inventory.imagefs import squash
from seawall.sources.image import RegistryAuth, open_image
from seawall.sources.image.auth import Credentials
from seawall.sources.image.registry import RegistryClient
from seawall.sources.image.transport import HttpTransport, Response
from support.images import E, layer_tar, write_multiarch_layout, write_oci_layout
from support.registry import REFRESH_TOKEN, RunningRegistry, start_registry

pytestmark = pytest.mark.slow

CONTENT = b"ID=registry-test\n"


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("reg") / "oci"
    write_oci_layout(p, [layer_tar([E("etc/os-release", CONTENT)]), layer_tar([E("app/bin", b"#!/bin/sh\n")])])
    return p


def _auth(reg: RunningRegistry, password: str | None = None) -> RegistryAuth:
    return RegistryAuth(hosts={reg.host: Credentials(reg.username, reg.password if password is None else password)})


def _pull(reg: RunningRegistry, ref: str, **kw: object) -> bytes | None:
    with open_image(f"{reg.host}/{ref}", ca_file=reg.ca_file, **kw) as img:  # type: ignore[arg-type]
        assert img.source == "registry" and img.digest.startswith("sha256:")
        return squash(img, lambda p: p == "etc/os-release").read("etc/os-release")


@pytest.fixture(scope="module")
def pushed(
    layout: Path,
    registry_htpasswd: RunningRegistry,
    registry_token: RunningRegistry,
    registry_plain: RunningRegistry,
) -> dict[str, RunningRegistry]:
    regs = {"htpasswd": registry_htpasswd, "token": registry_token, "plain": registry_plain}
    for reg in regs.values():
        reg.push(f"oci:{layout}:latest", "team/app:1.0")
    return regs


def test_basic_auth_over_tls(pushed: dict[str, RunningRegistry]) -> None:
    reg = pushed["htpasswd"]
    assert _pull(reg, "team/app:1.0", auth=_auth(reg)) == CONTENT
    with pytest.raises(RegistryError, match="authentication required"):
        _pull(reg, "team/app:1.0")
    with pytest.raises(RegistryError, match="credentials rejected"):
        _pull(reg, "team/app:1.0", auth=_auth(reg, "wrong"))


def test_bearer_token_flow(pushed: dict[str, RunningRegistry], layout: Path) -> None:
    reg = pushed["token"]
    assert reg.token_server is not None
    before = len(reg.token_server.requests)
    assert _pull(reg, "team/app:1.0", auth=_auth(reg)) == CONTENT
    asked = reg.token_server.requests[before:]
    assert asked and all(r["service"] == "seawall-test-registry" for r in asked)
    assert ["repository:team/app:pull"] in [r["scopes"] for r in asked]
    # the token server refuses the wrong password: a clear error, not a traceback
    with pytest.raises(RegistryError, match=r"token request .* failed with HTTP 401"):
        _pull(reg, "team/app:1.0", auth=_auth(reg, "wrong"))
    # anonymous gets a token without access: the registry still says no
    with pytest.raises(RegistryError, match=r"credentials rejected|authentication required|denied"):
        _pull(reg, "team/app:1.0")
    # ... but may pull public repositories through the anonymous bearer flow (Docker Hub style)
    reg.push(f"oci:{layout}:latest", "public/app:1")
    assert _pull(reg, "public/app:1") == CONTENT
    assert reg.token_server.requests[-1]["user"] == ""


def test_identity_token_refresh_grant(pushed: dict[str, RunningRegistry]) -> None:
    reg = pushed["token"]
    auth = RegistryAuth(hosts={reg.host: Credentials(identity_token=REFRESH_TOKEN)})
    assert _pull(reg, "team/app:1.0", auth=auth) == CONTENT
    bad = RegistryAuth(hosts={reg.host: Credentials(identity_token="expired")})
    with pytest.raises(RegistryError, match="failed with HTTP 401"):
        _pull(reg, "team/app:1.0", auth=bad)


def test_credentials_never_sent_to_a_foreign_token_realm(layout: Path) -> None:
    """A registry whose challenge names a realm on another site gets no credentials there."""
    reg = start_registry(auth="token", realm_host="localhost")
    try:
        assert reg.token_server is not None
        reg.push(f"oci:{layout}:latest", "public/app:1")  # skopeo trusts the realm; we do not
        before = len(reg.token_server.requests)
        with pytest.raises(RegistryError, match=r"credentials rejected|authentication required|denied"):
            _pull(reg, "team/app:1", auth=_auth(reg))
        assert _pull(reg, "public/app:1", auth=_auth(reg)) == CONTENT  # anonymous token still works
        assert {r["user"] for r in reg.token_server.requests[before:]} == {""}
    finally:
        reg.stop()


def test_tls_verified_by_default(pushed: dict[str, RunningRegistry]) -> None:
    reg = pushed["htpasswd"]
    with pytest.raises(RegistryError, match="TLS certificate verification failed"):
        open_image(f"{reg.host}/team/app:1.0", auth=_auth(reg))


def test_insecure_registry_plain_http(pushed: dict[str, RunningRegistry]) -> None:
    reg = pushed["plain"]
    assert _pull(reg, "team/app:1.0", insecure_registries=[reg.host]) == CONTENT
    with pytest.raises(RegistryError, match=r"TLS|cannot reach"):
        open_image(f"{reg.host}/team/app:1.0")  # https to a plain-HTTP port fails


def test_credentials_from_docker_config_and_env(pushed: dict[str, RunningRegistry], tmp_path: Path) -> None:
    reg = pushed["htpasswd"]
    cfg = {
        "auths": {
            f"https://{reg.host}": {"auth": base64.b64encode(f"{reg.username}:{reg.password}".encode()).decode()}
        },
        "credHelpers": {"gcr.io": "gcloud"},
    }
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    auth = RegistryAuth.from_environment({"DOCKER_CONFIG": str(tmp_path)})
    assert any("not executed" in n for n in auth.notes)
    assert _pull(reg, "team/app:1.0", auth=auth) == CONTENT
    env = {"SEAWALL_REGISTRY_USERNAME": reg.username, "SEAWALL_REGISTRY_PASSWORD": reg.password}
    auth = RegistryAuth.from_environment(env, home=tmp_path / "nohome")
    assert _pull(reg, "team/app:1.0", auth=auth) == CONTENT
    env["SEAWALL_REGISTRY_HOSTS"] = "other.example:5000"
    with pytest.raises(RegistryError, match="authentication required"):
        _pull(reg, "team/app:1.0", auth=RegistryAuth.from_environment(env, home=tmp_path / "nohome"))


@pytest.mark.parametrize("kind", ["htpasswd", "token"])
def test_client_operations(pushed: dict[str, RunningRegistry], kind: str, layout: Path) -> None:
    reg = pushed[kind]
    with RegistryClient(reg.host, auth=_auth(reg), ca_file=reg.ca_file) as c:
        reg.push(f"oci:{layout}:latest", "team/app:1.1")
        reg.push(f"oci:{layout}:latest", "team/other:x")
        assert sorted(c.list_tags("team/app", page_size=1)) == ["1.0", "1.1"]
        assert {"team/app", "team/other"} <= set(c.catalog(page_size=1))
        head = c.head_manifest("team/app", "1.0")
        got = c.get_manifest("team/app", "1.0")
        assert head is not None and head.digest == got.digest
        assert c.head_manifest("team/app", "nope") is None
        by_digest = c.get_manifest("team/app", got.digest)
        assert by_digest.data == got.data
        # push a new image with the client itself (blob upload + manifest PUT), then pull it
        m = got.json()
        layer = b"hello"
        c.upload_blob("team/pushed", layer)
        for d in [m["config"], *m["layers"]]:
            with c.open_blob("team/app", parse_desc(d)) as fh:
                c.upload_blob("team/pushed", fh.read(), d["digest"])
        digest = c.put_manifest("team/pushed", "v1", got.data, got.media_type)
        assert digest == got.digest
    with open_image(f"{reg.host}/team/pushed@{digest}", auth=_auth(reg), ca_file=reg.ca_file) as img:
        assert img.digest == digest


def parse_desc(d: dict[str, object]):  # type: ignore[no-untyped-def]
    from seawall.sources.image.model import Descriptor

    return Descriptor.from_json(d, "test")


def test_referrers_fallback_tag(pushed: dict[str, RunningRegistry]) -> None:
    reg = pushed["htpasswd"]
    with RegistryClient(reg.host, auth=_auth(reg), ca_file=reg.ca_file) as c:
        subject = c.get_manifest("team/app", "1.0")
        assert c.referrers("team/app", subject.digest) == []
        # an artifact manifest referring to the image, listed under the OCI 1.1 fallback tag
        cfg = c.upload_blob("team/app", b"{}")
        payload = c.upload_blob("team/app", b'{"sig":"x"}')
        art = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/vnd.dev.cosign.artifact.sig.v1+json",
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": cfg.digest, "size": 2},
            "layers": [{"mediaType": "application/json", "digest": payload.digest, "size": payload.size}],
            "subject": {"mediaType": subject.media_type, "digest": subject.digest, "size": len(subject.data)},
        }
        raw = json.dumps(art).encode()
        adig = c.put_manifest("team/app", "art", raw, art["mediaType"])  # type: ignore[arg-type]
        index = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {"mediaType": art["mediaType"], "digest": adig, "size": len(raw), "artifactType": art["artifactType"]}
            ],
        }
        c.put_manifest("team/app", subject.digest.replace(":", "-"), json.dumps(index).encode(), index["mediaType"])  # type: ignore[arg-type]
        refs = c.referrers("team/app", subject.digest)
        assert [r.digest for r in refs] == [adig]
        assert c.referrers("team/app", subject.digest, artifact_type="application/spdx+json") == []


def test_multiarch_index_from_registry(pushed: dict[str, RunningRegistry], tmp_path: Path) -> None:
    reg = pushed["htpasswd"]
    lay = tmp_path / "multi"
    built = write_multiarch_layout(
        lay,
        {
            ("linux", "amd64", ""): [layer_tar([E("arch", b"amd64")])],
            ("linux", "arm64", "v8"): [layer_tar([E("arch", b"arm64")])],
        },
    )
    reg.push(f"oci:{lay}:latest", "team/multi:1", "--all")
    for plat, want in (("linux/amd64", b"amd64"), ("linux/arm64", b"arm64")):
        with open_image(f"{reg.host}/team/multi:1", auth=_auth(reg), ca_file=reg.ca_file, platform=plat) as img:
            assert squash(img, lambda p: True).read("arch") == want
            assert img.index_digest and img.index_digest != img.digest
            key = ("linux", plat.split("/")[1], "v8" if "arm64" in plat else "")
            assert img.digest == built[key].manifest_digest
    with pytest.raises(SourceError, match="no manifest for platform linux/ppc64le"):
        open_image(f"{reg.host}/team/multi:1", auth=_auth(reg), ca_file=reg.ca_file, platform="linux/ppc64le")


class TamperingTransport(HttpTransport):
    """The real network, with one byte of every layer blob flipped in transit."""

    def request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | IO[bytes] | None = None
    ) -> Response:
        resp = super().request(method, url, headers, body)
        if "/blobs/" in url and method == "GET" and resp.status == 200:
            data = bytearray(resp.read_all(1 << 26))
            data[len(data) // 2] ^= 0xFF
            import io

            return Response(200, resp.headers, url, io.BytesIO(bytes(data)))
        return resp


def test_blob_tampered_in_transit_is_detected(pushed: dict[str, RunningRegistry]) -> None:
    reg = pushed["htpasswd"]
    with (
        pytest.raises(SourceError, match="digest mismatch"),
        open_image(
            f"{reg.host}/team/app:1.0", auth=_auth(reg), transport=TamperingTransport(ca_file=reg.ca_file)
        ) as img,
    ):
        squash(img, lambda p: True)


class FlakyTransport(HttpTransport):
    """The real registry behind a gateway that rate-limits the first two requests."""

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.limited = 0

    def request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | IO[bytes] | None = None
    ) -> Response:
        if self.limited < 2:
            self.limited += 1
            import io

            return Response(429, {"Retry-After": "0"}, url, io.BytesIO(b'{"errors":[{"code":"TOOMANYREQUESTS"}]}'))
        return super().request(method, url, headers, body)


def test_rate_limits_are_retried(pushed: dict[str, RunningRegistry]) -> None:
    reg = pushed["htpasswd"]
    t = FlakyTransport(ca_file=reg.ca_file)
    with RegistryClient(reg.host, auth=_auth(reg), transport=t) as c:
        assert c.list_tags("team/app")
    assert t.limited == 2
    t = FlakyTransport(ca_file=reg.ca_file)
    t.limited = -2  # four 429s in a row: more than the retry budget
    with RegistryClient(reg.host, auth=_auth(reg), transport=t) as c:
        c._sleep = lambda s: None
        with pytest.raises(RegistryError, match="HTTP 429: TOOMANYREQUESTS"):
            c.list_tags("team/app")
