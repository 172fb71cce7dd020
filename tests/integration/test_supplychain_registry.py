"""`seawall generate-key-pair / sign / attest / verify` end to end against real registries.

Images are pushed with skopeo, signed, attested and re-tagged by the tests; credentials come from
a docker config (DOCKER_CONFIG), --username/--password, or nowhere (plain HTTP, --insecure-registry).
"""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from seawall.cli.main import main
from seawall.sources.image.auth import Credentials, RegistryAuth
from seawall.sources.image.reference import parse_reference
from seawall.sources.image.registry import RegistryClient
from seawall.supplychain import attach, dsse, intoto
from seawall.supplychain.bundle import make_bundle
from support.images import E, layer_tar, write_oci_layout
from support.registry import RunningRegistry
from support.sigstore import PrivateSigstore, dsse_body

pytestmark = pytest.mark.slow

BUILDER = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _layout(tmp: Path, name: str) -> Path:
    p = tmp / name
    write_oci_layout(p, [layer_tar([E("etc/os-release", f"ID={name}\n".encode())])])
    return p


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry_htpasswd: RunningRegistry) -> Path:
    """cwd = tmp_path, COSIGN_PASSWORD set, credentials in a docker config."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COSIGN_PASSWORD", "integration-pass")
    for var in ("SEAWALL_REGISTRY_USERNAME", "SEAWALL_REGISTRY_PASSWORD", "SEAWALL_REGISTRY_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    cfg = tmp_path / "docker"
    cfg.mkdir()
    token = base64.b64encode(f"{registry_htpasswd.username}:{registry_htpasswd.password}".encode()).decode()
    (cfg / "config.json").write_text(json.dumps({"auths": {registry_htpasswd.host: {"auth": token}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(cfg))
    return tmp_path


def test_generate_key_pair(env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(capsys, "generate-key-pair")
    assert code == 0 and "Private key written to cosign.key" in err
    assert (env / "cosign.key").read_text().startswith("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----")
    assert stat.S_IMODE(os.stat(env / "cosign.key").st_mode) == 0o600
    code, _, err = run(capsys, "generate-key-pair")
    assert code == 2 and "cosign.key: file exists (use --force to overwrite)" in err
    monkeypatch.delenv("COSIGN_PASSWORD")
    code, _, err = run(capsys, "generate-key-pair", "--output-key-prefix", "other")
    assert code == 2 and "no private-key password: set $COSIGN_PASSWORD" in err


def test_sign_verify_attest_and_moved_tag(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    registry_htpasswd: RunningRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reg = registry_htpasswd
    ca = str(reg.ca_file)
    ref = f"{reg.host}/cli/app:1.0"
    reg.push(f"oci:{_layout(env, 'cli-a')}:latest", "cli/app:1.0")
    assert run(capsys, "generate-key-pair")[0] == 0
    assert run(capsys, "generate-key-pair", "--output-key-prefix", "wrong")[0] == 0

    code, _, err = run(capsys, "verify", ref, "--key", "cosign.pub", "--ca-file", ca)
    assert code == 1 and err.startswith("seawall: verification failed: no signatures found for sha256:")
    code, out, _ = run(capsys, "sign", ref, "--key", "cosign.key", "--ca-file", ca)
    assert code == 0 and out.startswith(f"signed {reg.host}/cli/app@sha256:") and ".sig" in out
    code, _, err = run(capsys, "verify", ref, "--key", "cosign.pub", "--ca-file", ca)
    assert code == 0 and "verified sha256:" in err and "key cosign.pub [classic signature" in err
    code, _, err = run(capsys, "verify", ref, "--key", "wrong.pub", "--ca-file", ca)
    assert code == 1 and err.count("\n") == 1
    assert "no valid signature by key wrong.pub" in err and "wrong key or modified payload" in err

    # a wrong password is an input error
    monkeypatch.setenv("COSIGN_PASSWORD", "nope")
    code, _, err = run(capsys, "sign", ref, "--key", "cosign.key", "--ca-file", ca)
    assert code == 2 and "cosign.key: cannot decrypt the private key (wrong password" in err
    monkeypatch.setenv("MY_PW", "integration-pass")
    code, _, _ = run(capsys, "sign", ref, "--key", "cosign.key", "--ca-file", ca, "--password-env", "MY_PW", "--bundle")
    assert code == 0

    # provenance
    (env / "prov.json").write_text(
        json.dumps(
            {
                "builder": {"id": BUILDER},
                "invocation": {"configSource": {"uri": "git+https://github.com/org/app@refs/heads/main"}},
            }
        )
    )
    base = ["verify", ref, "--key", "cosign.pub", "--ca-file", ca]
    code, _, err = run(capsys, *base, "--require-provenance")
    assert code == 1 and "signed, but no verified SLSA provenance attestation" in err
    code, out, _ = run(
        capsys,
        "attest",
        ref,
        "--key",
        "cosign.key",
        "--ca-file",
        ca,
        "--predicate",
        "prov.json",
        "--type",
        "slsaprovenance",
        "--password-env",
        "MY_PW",
    )
    assert code == 0 and out.rstrip().endswith("(https://slsa.dev/provenance/v0.2)")
    code, out, err = run(
        capsys,
        *base,
        "--builder-id",
        "https://github.com/slsa-framework/*",
        "--source-repo",
        "github.com/org/*",
        "--json",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["verified"] and doc["attestations"][0]["builder"] == BUILDER
    assert doc["attestations"][0]["sources"] == ["github.com/org/app"]
    code, _, err = run(capsys, *base, "--builder-id", "https://ci.example/*")
    assert code == 1 and f"provenance builder {BUILDER!r} is not an allowed builder (https://ci.example/*)" in err
    code, _, err = run(capsys, *base, "--source-repo", "github.com/elsewhere/*")
    assert code == 1 and "provenance source github.com/org/app is not an allowed repository" in err

    # the tag is moved to another image: its signature was for the old digest
    reg.push(f"oci:{_layout(env, 'cli-b')}:latest", "cli/app:1.0")
    code, _, err = run(capsys, "verify", ref, "--key", "cosign.pub", "--ca-file", ca)
    assert code == 1 and "no signatures found for sha256:" in err


def test_usage_errors(env: Path, capsys: pytest.CaptureFixture[str], registry_htpasswd: RunningRegistry) -> None:
    ref = f"{registry_htpasswd.host}/cli/app:1.0"
    code, _, err = run(capsys, "verify", ref)
    assert code == 2 and "give --key PUB or --certificate-identity" in err
    code, _, err = run(capsys, "verify", ref, "--key", "missing.pub")
    assert code == 2 and "missing.pub" in err
    code, _, err = run(
        capsys, "verify", ref, "--certificate-identity", "a@b.c", "--certificate-oidc-issuer", "https://i"
    )
    assert code == 2 and "needs --trusted-root" in err
    code, _, err = run(capsys, "verify", "UPPER/Case", "--key", "x.pub")
    assert code == 2
    (env / "p.json").write_text("[]")
    code, _, err = run(capsys, "attest", ref, "--key", "k", "--predicate", "p.json", "--type", "nonsense")
    assert code == 2 and "unknown predicate type 'nonsense'" in err


def test_keyless_verify_cli(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    registry_htpasswd: RunningRegistry,
) -> None:
    reg = registry_htpasswd
    ps = PrivateSigstore()
    root = ps.trusted_root(env / "trusted_root.json", with_ct=True)  # certificates need an SCT
    ident, issuer = "release@example.com", "https://accounts.example.com"
    reg.push(f"oci:{_layout(env, 'cli-keyless')}:latest", "cli/keyless:1")
    ref = parse_reference(f"{reg.host}/cli/keyless:1")
    auth = RegistryAuth(hosts={reg.host: Credentials(reg.username, reg.password)})
    with RegistryClient(reg.host, auth=auth, ca_file=reg.ca_file) as c:
        desc = attach.resolve_digest(c, ref)
        key, cert = ps.fulcio.issue(ident, issuer, ct_key=ps.ct)
        env_ = dsse.sign_envelope(
            intoto.make_statement(ref.name, desc.digest, intoto.COSIGN_SIGN_V1, {}), dsse.INTOTO_PAYLOAD_TYPE, key
        )
        entry = ps.rekor.log(dsse_body(env_, cert))
        attach.attach_bundle(
            c, ref, desc, make_bundle(env_, certificate=cert, tlog_entries=[entry]), intoto.COSIGN_SIGN_V1
        )
    base = ["verify", str(ref), "--ca-file", str(reg.ca_file), "--trusted-root", str(root)]
    code, _, err = run(capsys, *base, "--certificate-identity", ident, "--certificate-oidc-issuer", issuer)
    assert code == 0 and f"{ident} (issuer {issuer})" in err
    code, _, err = run(
        capsys,
        *base,
        "--certificate-identity-regexp",
        "@example\\.com$",
        "--certificate-oidc-issuer-regexp",
        "^https://accounts\\.",
    )
    assert code == 0
    code, _, err = run(
        capsys, *base, "--certificate-identity", "mallory@example.com", "--certificate-oidc-issuer", issuer
    )
    assert code == 1 and f"certificate identity {ident} is not mallory@example.com" in err
    code, _, err = run(capsys, *base, "--certificate-identity", ident, "--certificate-oidc-issuer", "https://other")
    assert code == 1 and f"certificate OIDC issuer {issuer} is not https://other" in err


def test_plain_http_and_token_registries(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    registry_plain: RunningRegistry,
    registry_token: RunningRegistry,
) -> None:
    assert run(capsys, "generate-key-pair")[0] == 0
    registry_plain.push(f"oci:{_layout(env, 'cli-plain')}:latest", "cli/plain:1")
    ref = f"{registry_plain.host}/cli/plain:1"
    code, _, err = run(capsys, "sign", ref, "--key", "cosign.key")
    assert code == 3 and "TLS error" in err  # a plain-HTTP registry without --insecure-registry
    assert run(capsys, "sign", ref, "--key", "cosign.key", "--insecure-registry", registry_plain.host)[0] == 0
    code, _, _ = run(capsys, "verify", ref, "--key", "cosign.pub", "--insecure-registry", registry_plain.host)
    assert code == 0
    # bearer token flow, credentials on the command line
    tok = registry_token
    tok.push(f"oci:{_layout(env, 'cli-token')}:latest", "cli/token:1")
    tref = f"{tok.host}/cli/token:1"
    creds = ["--username", tok.username, "--password", tok.password, "--ca-file", str(tok.ca_file)]
    assert run(capsys, "sign", tref, "--key", "cosign.key", *creds)[0] == 0
    code, _, err = run(capsys, "verify", tref, "--key", "cosign.pub", *creds)
    assert code == 0, err
    code, _, err = run(
        capsys,
        "verify",
        tref,
        "--key",
        "cosign.pub",
        "--ca-file",
        str(tok.ca_file),
        "--username",
        tok.username,
        "--password",
        "wrong",
    )
    assert code == 1 and "verification failed" in err and err.count("\n") == 1


def test_scan_cli_with_signature_policy(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    registry_htpasswd: RunningRegistry,
) -> None:
    reg = registry_htpasswd
    assert run(capsys, "generate-key-pair")[0] == 0
    reg.push(f"oci:{_layout(env, 'cli-scan')}:latest", "cli/scan:1")
    (env / ".seawall.yaml").write_text(
        f"registries: {{ca_file: {reg.ca_file}, docker_config: docker/config.json}}\n"
        f"signatures:\n  policies:\n    - {{match: ['{reg.host}/cli/*'], keys: [cosign.pub]}}\n"
    )
    (env / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        f"  - name: c\n    image: {reg.host}/cli/scan:1\n"
    )
    code, out, _ = run(capsys, "scan", "pod.yaml", "-f", "json", "--rule", "SW-SUP-00*")
    found = [f for f in json.loads(out)["findings"] if f["rule_id"].startswith("SW-SUP-00")]
    assert [f["rule_id"] for f in found] == ["SW-SUP-001"] and code == 1
    assert run(capsys, "sign", f"{reg.host}/cli/scan:1", "--key", "cosign.key", "--ca-file", str(reg.ca_file))[0] == 0
    code, out, _ = run(capsys, "scan", "pod.yaml", "-f", "json", "--rule", "SW-SUP-00*")
    assert not [f for f in json.loads(out)["findings"] if f["rule_id"].startswith("SW-SUP-00")]
