"""The signatures section of .seawall.yaml and the composable requirements."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from seawall.errors import PolicyError
from seawall.supplychain import keys
from seawall.supplychain.intoto import Provenance
from seawall.supplychain.policy import (
    AllOf,
    AnyOf,
    KeyRequirement,
    ProvenancePolicy,
    VerifiedSignature,
    parse_signatures_section,
)
from support.sigstore import PrivateSigstore


def _key(tmp: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, str]:
    k = ec.generate_private_key(ec.SECP256R1())
    (tmp / name).write_bytes(keys.public_key_to_pem(k.public_key()))
    return k, name


def test_requirements_compose() -> None:
    a, b = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ra, rb = KeyRequirement(a.public_key(), "a.pub"), KeyRequirement(b.public_key(), "b.pub")
    sa = VerifiedSignature("classic", keys.key_id(a.public_key()))
    sb = VerifiedSignature("bundle", keys.key_id(b.public_key()))
    assert AnyOf((ra, rb)).check([sb]) == ""
    assert AllOf((ra, rb)).check([sb]) == "no valid signature by key a.pub"
    assert AllOf((ra, rb)).check([sa, sb]) == ""
    assert "no valid signature by key a.pub or key b.pub" in AnyOf((ra, rb)).check([])


def test_provenance_policy() -> None:
    pol = ProvenancePolicy(("https://github.com/slsa-framework/*",), ("github.com/org/*",))
    good = Provenance("v1", "https://github.com/slsa-framework/gen@v1", ("github.com/org/app",))
    assert pol.mismatch(good) == ""
    assert "is not an allowed builder" in pol.mismatch(Provenance("v1", "https://evil/builder", good.sources))
    assert "is not an allowed repository" in pol.mismatch(Provenance("v1", good.builder_id, ("github.com/evil/app",)))


def test_parse_section(tmp_path: Path) -> None:
    ps = PrivateSigstore()
    ps.trusted_root(tmp_path / "root.json")
    _, ka = _key(tmp_path, "team.pub")
    cfg = parse_signatures_section(
        {
            "trusted_root": "root.json",
            "policies": [
                {"match": ["registry.example.com/team/*"], "keys": [ka], "provenance": {"builder_id": "b/*"}},
                {
                    "match": "ghcr.io/org/*",
                    "identities": [{"identity_regexp": "^https://github.com/org/", "issuer": "https://i"}],
                },
            ],
        },
        tmp_path,
    )
    p = cfg.policy_for("registry.example.com/team/app")
    assert p is not None and p.keys[0].label == "team.pub" and p.provenance is not None
    assert cfg.policy_for("ghcr.io/org/app") is not None
    assert cfg.policy_for("docker.io/library/nginx") is None  # not named: never contacted


@pytest.mark.parametrize(
    "section, message",
    [
        ({}, "'policies' must be a non-empty list"),
        ({"policies": [{"match": "x"}]}, "names no keys and no identities"),
        ({"policies": [{"keys": ["missing.pub"]}]}, "cannot read key"),
        ({"policies": [{"keys": ["team.pub"], "require": "most"}]}, "require must be"),
        ({"policies": [{"keys": ["team.pub"], "colour": 1}]}, "unknown key"),
        ({"policies": [{"identities": [{"identity": "a", "issuer": "b"}]}]}, "no trusted_root"),
        ({"policies": [{"identities": [{"identity": "a"}]}], "trusted_root": "root.json"}, "needs an OIDC issuer"),
        ({"policies": [{"keys": "team.pub", "provenance": {"builder_id": 3}}]}, "builder_id"),
        ({"policies": [{"keys": ["bad.pub"]}]}, "not a PEM public key"),
    ],
)
def test_invalid_sections(tmp_path: Path, section: dict[str, object], message: str) -> None:
    PrivateSigstore().trusted_root(tmp_path / "root.json")
    _key(tmp_path, "team.pub")
    (tmp_path / "bad.pub").write_text("nope")
    with pytest.raises(PolicyError, match=message):
        parse_signatures_section(section, tmp_path)


def test_section_key_file_read_is_bounded(tmp_path: Path) -> None:
    """keys: [/dev/zero] was read without end before the size check."""
    with pytest.raises(PolicyError, match="too large"):
        parse_signatures_section({"policies": [{"keys": ["/dev/zero"]}]}, tmp_path)


def test_section_globs_are_bounded(tmp_path: Path) -> None:
    """fnmatch translates '[a-[a-...' in quadratic time: a 90 KB builder glob ran for minutes
    against each attestation. Globs over 4096 characters are refused when the policy is read."""
    pub = tmp_path / "k.pub"
    pub.write_bytes(keys.public_key_to_pem(ec.generate_private_key(ec.SECP256R1()).public_key()))
    for where in ({"provenance": {"builder_id": "[a-" * 30_000}}, {"match": ["[a-" * 30_000]}):
        with pytest.raises(PolicyError, match="glob of 90,000 characters"):
            parse_signatures_section({"policies": [{"keys": ["k.pub"], **where}]}, tmp_path)
